// Messages that live, in history: every page (joined, the history command, the HTTP API) shows
// each message in its current state, and a `since` replay gives every change once, in seq order.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "lifecycle_support.hpp"

namespace parley::test {
namespace {

struct Lobby {
    Lobby() : server(unlimited({"--presence-window", "0ms"})) {
        ann = guest(server.port(), "ann");
        bob = guest(server.port(), "bob");
        ann->join("lobby");
        bob->join("lobby");
    }
    ServerProcess server;
    std::unique_ptr<Client> ann, bob;
};

json http_page(std::uint16_t port, const std::string& query) {
    auto response = http_get(port, "/api/channels/lobby/messages" + query);
    EXPECT_EQ(response.status, 200) << response.body;
    auto body = json::parse(response.body, nullptr, false);
    EXPECT_TRUE(body.is_object() && body.contains("messages")) << response.body;
    return body.is_object() ? body.value("messages", json::array()) : json::array();
}

json seqs(const json& messages) {
    json result = json::array();
    for (const auto& m : messages) result.push_back(m.value("seq", -1));
    return result;
}

// A page of the four messages of CurrentState... below, in their current state.
void expect_current_state(const json& page, std::int64_t edited_ts, const std::string& where) {
    ASSERT_EQ(seqs(page), json::array({1, 2, 3, 13})) << where << ": " << page.dump();
    const auto& first = page[0];
    EXPECT_EQ(first["type"], "message") << where;
    EXPECT_EQ(first["channel"], "lobby") << where;
    EXPECT_EQ(first["from"], "ann") << where;
    EXPECT_EQ(first["text"], "first, final") << where;
    EXPECT_EQ(first["edited_ts"], edited_ts) << where;
    EXPECT_EQ(first["reactions"], (json{{"👍", {"bob", "ann"}}, {"🎉", {"ann"}}})) << where;
    EXPECT_FALSE(first.contains("reply_to")) << where;
    EXPECT_FALSE(first.value("deleted", false)) << where;

    const auto& second = page[1];
    EXPECT_EQ(second["from"], "bob") << where;
    EXPECT_EQ(second["text"], "second") << where;
    EXPECT_EQ(second["reply_to"], 1) << where;
    EXPECT_FALSE(second.contains("edited_ts")) << where;
    EXPECT_FALSE(second.contains("reactions")) << where;

    const auto& deleted = page[2];
    EXPECT_EQ(deleted["from"], "ann") << where;
    EXPECT_EQ(deleted["deleted"], true) << where;
    EXPECT_FALSE(deleted.contains("text")) << where << ": " << deleted.dump();
    EXPECT_FALSE(deleted.contains("reactions")) << where << ": " << deleted.dump();
    EXPECT_TRUE(deleted["ts"].is_number_integer()) << where;

    EXPECT_EQ(page[3]["text"], "fourth") << where;
    EXPECT_EQ(page.dump().find("third, to delete"), std::string::npos) << where;
}

TEST(LifecycleHistory, EveryPageShowsEachMessageInItsCurrentState) {
    Lobby lobby;
    auto& [server, ann, bob] = lobby;
    ASSERT_EQ(seq_of(say_to(*ann, "lobby", "first")), 1);
    ASSERT_EQ(seq_of(say_to(*bob, "lobby", "second", 1)), 2);
    ASSERT_EQ(seq_of(say_to(*ann, "lobby", "third, to delete")), 3);
    ASSERT_EQ(seq_of(edit(*ann, "lobby", 1, "first, edited")), 4);
    ASSERT_EQ(seq_of(edit(*ann, "lobby", 1, "first, final")), 5);
    auto edited_ts = event_at(*bob, "edited", 5)["ts"].get<std::int64_t>();
    ASSERT_EQ(seq_of(react(*bob, "lobby", 1, "👍")), 6);
    ASSERT_EQ(seq_of(react(*ann, "lobby", 1, "👍")), 7);
    ASSERT_EQ(seq_of(react(*ann, "lobby", 1, "🎉")), 8);
    ASSERT_EQ(seq_of(react(*bob, "lobby", 1, "❤️")), 9);
    ASSERT_EQ(seq_of(unreact(*bob, "lobby", 1, "❤️")), 10);  // no nicks left: the emoji goes
    ASSERT_EQ(seq_of(react(*bob, "lobby", 3, "👍")), 11);
    ASSERT_EQ(seq_of(erase(*ann, "lobby", 3)), 12);
    ASSERT_EQ(seq_of(say_to(*bob, "lobby", "fourth")), 13);

    auto carl = guest(server.port(), "carl");
    expect_current_state(carl->join("lobby")["history"], edited_ts, "joined");
    auto whole = request(*carl, {{"type", "history"}, {"channel", "lobby"}});
    expect_current_state(whole["messages"], edited_ts, "history");
    expect_current_state(http_page(server.port(), ""), edited_ts, "HTTP");

    // `limit` counts messages, not events; `before` is any seq, a change's included.
    auto newest = request(*carl, {{"type", "history"}, {"channel", "lobby"}, {"limit", 2}});
    EXPECT_EQ(seqs(newest["messages"]), json::array({3, 13})) << newest.dump();
    EXPECT_EQ(seqs(http_page(server.port(), "?limit=2")), json::array({3, 13}));
    auto before =
        request(*carl, {{"type", "history"}, {"channel", "lobby"}, {"before", 12}, {"limit", 2}});
    EXPECT_EQ(seqs(before["messages"]), json::array({2, 3})) << before.dump();
    EXPECT_EQ(seqs(http_page(server.port(), "?before=3")), json::array({1, 2}));
    auto oldest = request(*carl, {{"type", "history"}, {"channel", "lobby"}, {"before", 2}});
    ASSERT_EQ(seqs(oldest["messages"]), json::array({1}));
    EXPECT_EQ(oldest["messages"][0]["text"], "first, final");
}

TEST(LifecycleHistory, ASinceReplayGivesEveryChangeOnceInSeqOrder) {
    Lobby lobby;
    auto& [server, ann, bob] = lobby;
    auto old_one = seq_of(say_to(*ann, "lobby", "old one"));
    auto old_two = seq_of(say_to(*bob, "lobby", "old two"));
    ChannelState seen;
    std::int64_t last_seen = 0;
    {
        auto carl = guest(server.port(), "carl");
        auto joined = carl->join("lobby");
        seen = state_of_page(joined["history"]);
        last_seen = joined["history"].back()["seq"];
        EXPECT_EQ(last_seen, old_two);
    }
    // While carl is away: every kind of change, to old messages and to new ones.
    struct Expected {
        std::string type;
        std::int64_t target;
    };
    std::vector<Expected> expected;
    auto did = [&](const json& reply, const std::string& type, std::int64_t target) {
        EXPECT_EQ(seq_of(reply), last_seen + 1 + static_cast<std::int64_t>(expected.size()));
        expected.push_back({type, target});
        return reply.value("seq", std::int64_t{-1});
    };
    did(edit(*ann, "lobby", old_one, "old one, edited"), "edited", old_one);
    did(react(*bob, "lobby", old_one, "👍"), "reaction", old_one);
    auto answer = did(say_to(*ann, "lobby", "new, an answer", old_one), "message", 0);
    auto doomed = did(say_to(*bob, "lobby", "new, doomed"), "message", 0);
    did(edit(*bob, "lobby", doomed, "new, doomed, edited"), "edited", doomed);
    did(react(*ann, "lobby", doomed, "🎉"), "reaction", doomed);
    did(react(*ann, "lobby", answer, "🎉"), "reaction", answer);
    did(unreact(*ann, "lobby", answer, "🎉"), "reaction", answer);
    did(erase(*bob, "lobby", doomed), "deleted", doomed);
    did(erase(*bob, "lobby", old_two), "deleted", old_two);
    did(react(*ann, "lobby", old_one, "👍"), "reaction", old_one);
    did(unreact(*bob, "lobby", old_one, "👍"), "reaction", old_one);
    did(react(*bob, "lobby", old_one, "👍"), "reaction", old_one);

    auto carl = guest(server.port(), "carl");
    auto joined = carl->join("lobby", last_seen);
    EXPECT_EQ(joined["gap"], false);
    const auto& replay = joined["history"];
    ASSERT_EQ(replay.size(), expected.size()) << replay.dump(1);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& event = replay[i];
        EXPECT_EQ(event["seq"], last_seen + 1 + static_cast<std::int64_t>(i)) << event.dump();
        EXPECT_EQ(event["type"], expected[i].type) << event.dump();
        EXPECT_EQ(event["channel"], "lobby") << event.dump();
        if (expected[i].target) {
            EXPECT_EQ(event["target"], expected[i].target) << event.dump();
        }
        apply_event(seen, event);
    }
    // The edit of a message deleted since carries no text any more; the message itself is
    // listed in its current state.
    EXPECT_EQ(replay[4]["text"], "") << replay[4].dump();
    EXPECT_EQ(replay[3]["deleted"], true) << replay[3].dump();
    EXPECT_FALSE(replay[3].contains("text")) << replay[3].dump();
    EXPECT_EQ(replay[2]["reply_to"], old_one);
    EXPECT_EQ(replay.dump().find("doomed"), std::string::npos) << "a deleted text came back";

    expect_same_state(state_of_page(all_messages(*carl, "lobby")), seen, "history");
    expect_same_state(state_of_page(http_page(server.port(), "")), seen, "HTTP");
    EXPECT_EQ(seen[old_one]["reactions"], (json{{"👍", {"ann", "bob"}}}));
    EXPECT_EQ(seen[old_one]["text"], "old one, edited");

    // Live events go on right after the replay, once.
    auto next = seq_of(edit(*ann, "lobby", answer, "new, an answer, edited"));
    EXPECT_EQ(next, last_seen + 1 + static_cast<std::int64_t>(expected.size()));
    EXPECT_EQ(event_at(*carl, "edited", next)["text"], "new, an answer, edited");
    EXPECT_TRUE(no_change_within(*carl, 200ms));
}

// A join without since while another member changes messages as fast as it can: the page and
// the live events after `joined` together give the state, each change once (an edit applied
// twice, or a reaction given again after being taken back, would show).
TEST(LifecycleHistory, AJoinDuringAStreamOfChangesMissesNoneAndRepeatsNone) {
    Lobby lobby;
    auto& [server, ann, bob] = lobby;
    std::vector<std::int64_t> said;
    for (int i = 0; i < 5; ++i)
        said.push_back(seq_of(say_to(*ann, "lobby", "m" + std::to_string(i))));
    constexpr int changes = 240;
    std::thread stream([&] {
        for (int i = 0; i < changes; ++i) {
            auto target = said[static_cast<std::size_t>(i) % said.size()];
            json frame{{"channel", "lobby"}, {"seq", target}, {"id", i}};
            if (i % 3 == 0) {
                frame["type"] = "edit";
                frame["text"] = "v" + std::to_string(i);
            } else {
                frame["type"] = i % 3 == 1 ? "react" : "unreact";
                frame["emoji"] = "e" + std::to_string(i / 3 % 4);
            }
            ann->send(frame);
            if (i % 10 == 9) std::this_thread::sleep_for(1ms);  // spread over the join
        }
        for (int i = 0; i < changes; ++i) {
            auto reply = ann->next_where([&](const json& f) { return f.value("id", -1) == i; });
            EXPECT_EQ(reply.value("type", ""), "ok") << reply.dump();
        }
    });
    std::this_thread::sleep_for(5ms);
    auto carl = guest(server.port(), "carl");
    auto joined = carl->join("lobby");
    stream.join();
    auto end = seq_of(say_to(*bob, "lobby", "the end"));  // after the join: carl gets it live
    auto state = state_of_page(joined["history"]);
    std::int64_t previous = 0;
    while (previous < end) {
        auto event = carl->next_where([](const json& f) {
            auto type = f.value("type", "");
            return type == "edited" || type == "reaction" || type == "message" || type == "deleted";
        });
        if (previous) {
            EXPECT_EQ(event["seq"], previous + 1) << event.dump();
        }
        previous = event["seq"];
        apply_event(state, event);
    }
    expect_same_state(state_of_page(all_messages(*carl, "lobby")), state, "page and live events");
}

}  // namespace
}  // namespace parley::test
