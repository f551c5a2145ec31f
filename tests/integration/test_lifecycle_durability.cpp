// Messages that live, on disk: changes survive a restart and kill -9 as messages do, each
// acknowledged event once, and a deleted text is gone from the database file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <tuple>

#include "lifecycle_support.hpp"

namespace parley::test {
namespace {

std::vector<std::string> with_data(const std::string& file) {
    return unlimited({"--data", file, "--since-cap", "100000", "--presence-window", "0ms"});
}

// Every byte of the database and its side files (WAL, shared memory) in `dir`.
std::string stored_bytes(const TempDir& dir) {
    std::string all;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        std::ifstream in(entry.path(), std::ios::binary);
        all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
}

TEST(LifecycleDurability, ChangesSurviveARestartAndADeletedTextLeavesTheFile) {
    TempDir dir;
    auto data = dir.file("parley.db");
    json before;
    {
        ServerProcess server{with_data(data)};
        auto ann = guest(server.port(), "ann");
        ann->join("notes");
        auto kept = seq_of(say_to(*ann, "notes", "kept words"));
        auto secret = seq_of(say_to(*ann, "notes", "secret kumquat 7731"));
        auto rewritten = seq_of(say_to(*ann, "notes", "plain words", kept));
        seq_of(edit(*ann, "notes", kept, "kept words, edited"));
        seq_of(react(*ann, "notes", kept, "👍"));
        seq_of(react(*ann, "notes", secret, "🎉"));
        seq_of(edit(*ann, "notes", rewritten, "secret quince 4410"));
        seq_of(erase(*ann, "notes", secret));
        seq_of(erase(*ann, "notes", rewritten));
        seq_of(say_to(*ann, "notes", "an answer", kept));
        before = request(*ann, {{"type", "history"}, {"channel", "notes"}})["messages"];
        ann.reset();  // nobody for the shutdown to wait for
        EXPECT_EQ(server.stop(SIGTERM), 0);
    }
    auto bytes = stored_bytes(dir);
    EXPECT_NE(bytes.find("kept words, edited"), std::string::npos) << "not the database?";
    EXPECT_EQ(bytes.find("secret kumquat 7731"), std::string::npos) << "a deleted text is kept";
    EXPECT_EQ(bytes.find("secret quince 4410"), std::string::npos) << "a deleted edit is kept";

    ServerProcess server{with_data(data)};
    auto bob = guest(server.port(), "bob");
    auto joined = bob->join("notes");
    EXPECT_EQ(joined["history"], before);
    ASSERT_EQ(joined["history"].size(), 4u) << joined.dump();
    EXPECT_EQ(joined["history"][0]["text"], "kept words, edited");
    EXPECT_EQ(joined["history"][0]["reactions"], (json{{"👍", {"ann"}}}));
    EXPECT_EQ(joined["history"][1]["deleted"], true);
    EXPECT_EQ(joined["history"][2]["deleted"], true);
    EXPECT_EQ(joined["history"][3]["reply_to"], 1);
    auto replay = request(*bob, {{"type", "join"}, {"channel", "notes"}, {"since", 0}});
    EXPECT_EQ(replay.dump().find("secret"), std::string::npos) << replay.dump();
    EXPECT_EQ(seq_of(say_to(*bob, "notes", "after")), 11);
}

// What a client asked for with one command, to check against the stored event at its seq.
struct Asked {
    std::string type;  // message, edited, deleted, reaction
    std::int64_t target = 0;
    std::string text;   // message, edited
    std::string emoji;  // reaction
    bool on = true;
    std::string nick;
};

// Three clients pipeline says, edits, deletions and reactions in "crash" until `enough` events
// are acknowledged, then send more and the server is killed while it stores them.
class Mix {
  public:
    Mix(ServerProcess& server, std::size_t enough) {
        for (int c = 0; c < 3; ++c) {
            clients_.push_back(guest(server.port(), "c" + std::to_string(c)));
            clients_.back()->join("crash");
        }
        for (int round = 0; acked.size() < enough && round < 500; ++round) {
            for (int c = 0; c < 3; ++c) send_batch(c);
            for (int c = 0; c < 3; ++c) collect(c, 20ms);
        }
        // A few batches more without waiting, and the kill lands while they are being stored.
        for (int batch = 0; batch < 4; ++batch)
            for (int c = 0; c < 3; ++c) send_batch(c);
        std::this_thread::sleep_for(10ms);
        EXPECT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
        for (int c = 0; c < 3; ++c) collect(c, 300ms);
    }

    std::map<std::int64_t, Asked> acked;             // seq -> what its ok acknowledged
    std::map<std::int64_t, std::string> first_text;  // message seq -> the text it was said with

  private:
    void send(int c, const Asked& asked, json frame) {
        frame["id"] = ++next_id_;
        pending_[{c, next_id_}] = asked;
        clients_[c]->send(frame);
    }

    void send_batch(int c) {
        auto nick = "c" + std::to_string(c);
        for (int k = 0; k < 3; ++k) {
            auto text = nick + " says " + std::to_string(next_id_ + 1);
            send(c, {"message", 0, text, "", true, nick},
                 {{"type", "say"}, {"channel", "crash"}, {"text", text}});
        }
        std::vector<std::int64_t> live, own;
        for (const auto& [seq, author] : authors_)
            if (!doomed_.count(seq)) {
                live.push_back(seq);
                if (author == c) own.push_back(seq);
            }
        if (live.empty()) return;
        std::uniform_int_distribution<std::size_t> any(0, live.size() - 1);
        const char* emoji[] = {"👍", "🎉", "e1"};
        for (int k = 0; k < 3; ++k) {
            auto target = live[any(random_)];
            std::string e = emoji[random_() % 3];
            bool on = random_() % 3 != 0;
            send(c, {"reaction", target, "", e, on, nick},
                 {{"type", on ? "react" : "unreact"},
                  {"channel", "crash"},
                  {"seq", target},
                  {"emoji", e}});
        }
        for (std::size_t k = 0; k < own.size() && k < 2; ++k) {
            auto target = own[own.size() - 1 - k];
            auto text = nick + " edits " + std::to_string(next_id_ + 1);
            send(c, {"edited", target, text, "", true, nick},
                 {{"type", "edit"}, {"channel", "crash"}, {"seq", target}, {"text", text}});
        }
        if (own.size() > 2 && random_() % 2 == 0) {
            doomed_.insert(own.front());  // nobody asks anything of it from now on
            send(c, {"deleted", own.front(), "", "", true, nick},
                 {{"type", "delete"}, {"channel", "crash"}, {"seq", own.front()}});
        }
    }

    void collect(int c, std::chrono::milliseconds wait) {
        while (auto frame = clients_[c]->next(wait)) {
            auto type = frame->value("type", "");
            if (type == "message")
                first_text.emplace((*frame)["seq"].get<std::int64_t>(),
                                   (*frame)["text"].get<std::string>());
            if (type == "error") {
                EXPECT_TRUE(frame->value("code", "") == "no_such_message" ||
                            frame->value("code", "") == "busy")
                    << frame->dump();
            }
            if (type != "ok" || !frame->contains("seq")) continue;
            auto it = pending_.find({c, (*frame)["id"].get<int>()});
            ASSERT_NE(it, pending_.end()) << frame->dump();
            std::int64_t seq = (*frame)["seq"];
            EXPECT_TRUE(acked.emplace(seq, it->second).second) << "a seq acknowledged twice";
            if (it->second.type == "message") {
                authors_[seq] = c;
                first_text[seq] = it->second.text;
            }
        }
    }

    std::vector<std::unique_ptr<Client>> clients_;
    std::map<std::pair<int, int>, Asked> pending_;
    std::map<std::int64_t, int> authors_;  // acknowledged messages, by who said them
    std::set<std::int64_t> doomed_;
    std::minstd_rand random_{13};
    int next_id_ = 0;
};

TEST(LifecycleDurability, EveryAcknowledgedChangeSurvivesKill9Once) {
    TempDir dir;
    auto data = dir.file("parley.db");
    std::map<std::int64_t, Asked> acked;
    std::map<std::int64_t, std::string> first_text;
    {
        ServerProcess server{with_data(data)};
        Mix mix(server, 300);
        acked = mix.acked;
        first_text = mix.first_text;
    }
    ASSERT_GE(acked.size(), 300u);
    std::map<std::string, int> kinds;
    for (const auto& [seq, asked] : acked) ++kinds[asked.type];
    for (const char* kind : {"message", "edited", "deleted", "reaction"})
        EXPECT_GE(kinds[kind], 10) << "too few acknowledged of " << kind;

    ServerProcess server{with_data(data)};
    auto checker = guest(server.port(), "checker");
    auto joined = checker->join("crash", 0);
    EXPECT_EQ(joined["gap"], false);
    const auto& replay = joined["history"];
    ASSERT_FALSE(replay.empty());
    ASSERT_GE(replay.size(), acked.rbegin()->first) << "acknowledged events are missing";

    ChannelState rebuilt;
    std::set<std::int64_t> deleted;
    std::map<std::tuple<std::int64_t, std::string, std::string>, bool> given;
    for (std::size_t i = 0; i < replay.size(); ++i) {
        json event = replay[i];
        std::int64_t seq = event["seq"];
        ASSERT_EQ(seq, static_cast<std::int64_t>(i) + 1) << "a hole or a repeat";
        auto type = event.value("type", "");
        if (type == "message") {
            // Rebuilt from the text it was said with, as a client that saw it live knows it.
            if (first_text.count(seq)) event["text"] = first_text[seq];
            for (const char* later : {"edited_ts", "deleted", "reactions"}) event.erase(later);
        } else {
            std::int64_t target = event["target"];
            EXPECT_FALSE(deleted.count(target)) << "a change after its message's deletion";
            if (type == "deleted") deleted.insert(target);
            if (type == "reaction") {
                // Given, taken back, given...: a reaction stored twice would break the rhythm.
                auto& was = given[{target, event["from"].get<std::string>(),
                                   event["emoji"].get<std::string>()}];
                EXPECT_NE(was, event["on"].get<bool>()) << "a reaction stored twice at " << seq;
                was = event["on"].get<bool>();
            }
        }
        apply_event(rebuilt, event);
        auto it = acked.find(seq);
        if (it == acked.end()) continue;  // in flight at the kill, and committed: fine either way
        const Asked& asked = it->second;
        EXPECT_EQ(type, asked.type) << event.dump();
        if (type == "message") {
            EXPECT_EQ(replay[i]["from"], asked.nick);
            continue;
        }
        EXPECT_EQ(event["target"], asked.target) << event.dump();
        EXPECT_EQ(event.value(type == "deleted" ? "by" : "from", ""), asked.nick) << event.dump();
        if (type == "edited") {  // its text is erased with the message
            bool erased = replay[asked.target - 1].value("deleted", false);
            EXPECT_EQ(event["text"], erased ? "" : asked.text) << event.dump();
        }
        if (type == "reaction") {
            EXPECT_EQ(event["emoji"], asked.emoji);
            EXPECT_EQ(event["on"], asked.on);
        }
    }
    // The messages as the replay lists them, and as pages show them, are what their events make.
    ChannelState listed;
    for (const auto& event : replay)
        if (event["type"] == "message") listed[event["seq"]] = event;
    expect_same_state(rebuilt, listed, "the replay's messages");
    expect_same_state(rebuilt, state_of_page(all_messages(*checker, "crash")), "history pages");
    std::cout << "kill -9: " << acked.size() << " events acknowledged (" << kinds["message"]
              << " messages, " << kinds["edited"] << " edits, " << kinds["deleted"]
              << " deletions, " << kinds["reaction"] << " reactions), " << replay.size()
              << " stored\n";
}

}  // namespace
}  // namespace parley::test
