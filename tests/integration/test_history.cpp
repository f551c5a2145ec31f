// History in SQLite: restarts, kill -9, reconnect recovery, paging, retention, the HTTP API.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <thread>

#include <fstream>
#include <map>
#include <set>

#include "harness.hpp"

namespace parley::test {
namespace {

const std::vector<std::string> unlimited_rate = {"--rate-per-sec", "1000000", "--burst", "1000000"};

std::vector<std::string> with_data(const std::string& file, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"--data", file};
    args.insert(args.end(), unlimited_rate.begin(), unlimited_rate.end());
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

void say(Client& client, const std::string& channel, const std::string& text, int id) {
    client.send(json{{"type", "say"}, {"channel", channel}, {"text", text}, {"id", id}});
    client.next_where([&](const json& f) { return f["type"] == "ok" && f["id"] == id; });
}

// Walks history back from the newest message with `history` pages; returns it ascending.
std::vector<json> all_history(Client& client, const std::string& channel, int page_size) {
    std::vector<json> messages;
    std::optional<std::int64_t> before;
    for (int page = 0; page < 10000; ++page) {
        json query{{"type", "history"}, {"channel", channel}, {"limit", page_size}, {"id", page}};
        if (before) query["before"] = *before;
        client.send(query);
        auto reply = client.next_where([&](const json& f) { return f.value("id", -1) == page; });
        if (reply["messages"].empty()) break;
        messages.insert(messages.begin(), reply["messages"].begin(), reply["messages"].end());
        before = reply["messages"][0]["seq"].get<std::int64_t>();
    }
    return messages;
}

TEST(History, MessagesSeqsAndDirectMessagesSurviveARestart) {
    TempDir dir;
    auto data = dir.file("parley.db");
    json resume;
    {
        ServerProcess server{with_data(data)};
        Client ann(server.port()), bob(server.port());
        ann.hello("ann");
        resume = bob.hello("bob")["resume"];
        ann.join("general");
        for (int i = 1; i <= 5; ++i) say(ann, "general", "before restart " + std::to_string(i), i);
        ann.send(json{{"type", "dm"}, {"to", "bob"}, {"text", "remember me"}, {"id", 9}});
        ann.next_where([](const json& f) { return f["type"] == "ok" && f["id"] == 9; });
        EXPECT_EQ(server.stop(SIGTERM), 0);
    }
    ServerProcess server{with_data(data)};
    // A guest proves it is the bob of before with the resume id its first welcome gave it.
    Client bob(server.port());
    bob.send(json{{"type", "hello"}, {"nick", "bob"}, {"resume", resume}});
    auto welcome = bob.next_of_type("welcome");
    EXPECT_EQ(welcome["resume"], resume);
    ASSERT_EQ(welcome["dms"].size(), 1u);
    EXPECT_EQ(welcome["dms"][0]["from"], "ann");
    EXPECT_EQ(welcome["dms"][0]["text"], "remember me");
    auto joined = bob.join("general");
    ASSERT_EQ(joined["history"].size(), 5u);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(joined["history"][i]["seq"], i + 1);
        EXPECT_EQ(joined["history"][i]["text"], "before restart " + std::to_string(i + 1));
    }
    bob.send(json{{"type", "say"}, {"channel", "general"}, {"text", "after"}, {"id", 1}});
    EXPECT_EQ(bob.next_of_type("ok")["seq"], 6);
}

TEST(History, EveryAcknowledgedMessageSurvivesKill9) {
    TempDir dir;
    auto data = dir.file("parley.db");
    std::map<std::string, std::int64_t> acknowledged;  // text -> seq the sender was told
    {
        ServerProcess server{with_data(data)};
        std::vector<std::unique_ptr<Client>> senders;
        for (int c = 0; c < 4; ++c) {
            senders.push_back(std::make_unique<Client>(server.port()));
            senders.back()->hello("sender" + std::to_string(c));
            senders.back()->join("crash");
        }
        auto collect = [&](Client& client, int c, std::chrono::milliseconds wait) {
            while (auto frame = client.next(wait)) {
                if ((*frame)["type"] == "ok")
                    acknowledged["c" + std::to_string(c) + "-" +
                                 std::to_string((*frame)["id"].get<int>())] = (*frame)["seq"];
            }
        };
        int id = 0;
        // Keep 20 messages in flight per sender; kill the server mid-stream once 400 are acked.
        for (int round = 0; acknowledged.size() < 400 && round < 1000; ++round) {
            ++id;
            for (int c = 0; c < 4; ++c)
                for (int k = 0; k < 20; ++k) {
                    int message_id = id * 100 + k;
                    senders[c]->send(
                        json{{"type", "say"},
                             {"channel", "crash"},
                             {"text", "c" + std::to_string(c) + "-" + std::to_string(message_id)},
                             {"id", message_id}});
                }
            for (int c = 0; c < 4; ++c) collect(*senders[c], c, 20ms);
        }
        for (int c = 0; c < 4; ++c)
            for (int k = 0; k < 20; ++k)
                senders[c]->send(
                    json{{"type", "say"},
                         {"channel", "crash"},
                         {"text", "c" + std::to_string(c) + "-" + std::to_string(999900 + k)},
                         {"id", 999900 + k}});
        EXPECT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
        for (int c = 0; c < 4; ++c) collect(*senders[c], c, 200ms);
    }
    ASSERT_GE(acknowledged.size(), 400u);

    ServerProcess server{with_data(data)};
    Client checker(server.port());
    checker.hello("checker");
    auto history = all_history(checker, "crash", 100);
    std::map<std::string, std::int64_t> stored;
    std::int64_t expected_seq = history.empty() ? 0 : history.front()["seq"].get<std::int64_t>();
    EXPECT_EQ(expected_seq, 1);
    for (const auto& message : history) {
        EXPECT_EQ(message["seq"], expected_seq++) << "seqs must have no holes or duplicates";
        auto [it, inserted] = stored.emplace(message["text"], message["seq"]);
        EXPECT_TRUE(inserted) << "stored twice: " << message["text"];
    }
    for (const auto& [text, seq] : acknowledged) {
        auto it = stored.find(text);
        ASSERT_NE(it, stored.end()) << "acknowledged but lost: " << text;
        EXPECT_EQ(it->second, seq) << text;
    }
}

TEST(History, AReconnectingClientGetsExactlyWhatItMissed) {
    ServerProcess server{unlimited_rate};
    Client ann(server.port());
    ann.hello("ann");
    ann.join("general");
    for (int i = 1; i <= 5; ++i) say(ann, "general", "early " + std::to_string(i), i);
    std::int64_t last_seen = 0;
    {
        Client bob(server.port());
        bob.hello("bob");
        auto joined = bob.join("general");
        last_seen = joined["history"].back()["seq"];
    }
    for (int i = 1; i <= 30; ++i) say(ann, "general", "missed " + std::to_string(i), 100 + i);
    Client bob(server.port());
    // The old connection's nick is released when the server has seen it close, which may be
    // on another io thread: until then the hello is refused as nick_taken.
    for (int tries = 0; bob.hello("bob")["type"] != "welcome" && tries < 50; ++tries)
        std::this_thread::sleep_for(20ms);
    auto joined = bob.join("general", last_seen);
    EXPECT_EQ(joined["gap"], false);
    ASSERT_EQ(joined["history"].size(), 30u);
    for (int i = 0; i < 30; ++i) {
        EXPECT_EQ(joined["history"][i]["seq"], last_seen + 1 + i);
        EXPECT_EQ(joined["history"][i]["text"], "missed " + std::to_string(i + 1));
    }
    // Live messages continue right after, once.
    say(ann, "general", "live", 999);
    EXPECT_EQ(bob.next_of_type("message")["seq"], last_seen + 31);
    EXPECT_TRUE(bob.nothing_within(300ms)) << bob.next(0ms).value_or(json()).dump();
}

TEST(History, SinceOlderThanRetentionReportsAGap) {
    ServerProcess server{
        {"--history-max-per-channel", "10", "--rate-per-sec", "1000000", "--burst", "1000000"}};
    Client ann(server.port());
    ann.hello("ann");
    ann.join("general");
    for (int i = 1; i <= 30; ++i) say(ann, "general", "m" + std::to_string(i), i);
    // Pruning runs in the background about once a second: wait until it has.
    bool pruned = false;
    for (int attempt = 0; attempt < 100 && !pruned; ++attempt) {
        auto history = all_history(ann, "general", 100);
        pruned = !history.empty() && history.front()["seq"] == 21;
        if (!pruned) std::this_thread::sleep_for(100ms);
    }
    ASSERT_TRUE(pruned) << "old messages were not pruned";
    Client bob(server.port());
    bob.hello("bob");
    auto joined = bob.join("general", 3);
    EXPECT_EQ(joined["gap"], true);
    ASSERT_FALSE(joined["history"].empty());
    EXPECT_EQ(joined["history"].front()["seq"], 21);
    EXPECT_EQ(joined["history"].back()["seq"], 30);
}

TEST(History, MoreMissedThanTheCapReportsAGapWithTheNewest) {
    ServerProcess server{{"--since-cap", "20", "--rate-per-sec", "1000000", "--burst", "1000000"}};
    Client ann(server.port());
    ann.hello("ann");
    ann.join("general");
    for (int i = 1; i <= 50; ++i) say(ann, "general", "m" + std::to_string(i), i);
    Client bob(server.port());
    bob.hello("bob");
    auto joined = bob.join("general", 5);
    EXPECT_EQ(joined["gap"], true);
    ASSERT_EQ(joined["history"].size(), 20u);
    EXPECT_EQ(joined["history"].front()["seq"], 31);
    EXPECT_EQ(joined["history"].back()["seq"], 50);
}

TEST(History, JoinShowsTheLastFiftyAndPagingWalksEverythingOnce) {
    ServerProcess server{unlimited_rate};
    Client ann(server.port());
    ann.hello("ann");
    ann.join("general");
    for (int i = 1; i <= 120; ++i) say(ann, "general", "m" + std::to_string(i), i);
    Client bob(server.port());
    bob.hello("bob");
    auto joined = bob.join("general");
    ASSERT_EQ(joined["history"].size(), 50u);
    EXPECT_EQ(joined["history"].front()["seq"], 71);
    EXPECT_EQ(joined["history"].back()["seq"], 120);
    auto history = all_history(bob, "general", 25);
    ASSERT_EQ(history.size(), 120u);
    for (int i = 0; i < 120; ++i) EXPECT_EQ(history[i]["seq"], i + 1);
}

TEST(History, TheHttpApiReturnsTheSamePages) {
    ServerProcess server{unlimited_rate};
    Client ann(server.port());
    ann.hello("ann");
    ann.join("general");
    for (int i = 1; i <= 7; ++i) say(ann, "general", "m" + std::to_string(i), i);
    auto page = http_get(server.port(), "/api/channels/general/messages?limit=3");
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.header("Content-Type"), "application/json");
    auto body = json::parse(page.body);
    ASSERT_EQ(body["messages"].size(), 3u);
    EXPECT_EQ(body["messages"][0]["seq"], 5);
    auto older = json::parse(
        http_get(server.port(), "/api/channels/general/messages?before=5&limit=100").body);
    ASSERT_EQ(older["messages"].size(), 4u);
    EXPECT_EQ(older["messages"][3]["seq"], 4);
    EXPECT_EQ(http_get(server.port(), "/api/channels/general/messages?limit=0").status, 400);
    EXPECT_EQ(http_get(server.port(), "/api/channels/general/messages?before=x").status, 400);
    auto zero = http_get(server.port(), "/api/channels/general/messages?before=0");
    EXPECT_EQ(zero.status, 400);
    EXPECT_EQ(json::parse(zero.body)["error"]["code"], "bad_request");
    EXPECT_EQ(http_get(server.port(), "/api/channels/-bad/messages").status, 400);
    auto missing = http_get(server.port(), "/api/channels/nowhere/messages");
    EXPECT_EQ(missing.status, 404);
    EXPECT_NE(missing.body.find("no_such_channel"), std::string::npos);
}

TEST(History, ADatabaseFromANewerVersionIsRefused) {
    TempDir dir;
    auto data = dir.file("newer.db");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(data.c_str(), &db), SQLITE_OK);
    sqlite3_exec(
        db, "CREATE TABLE schema_version(version INTEGER); INSERT INTO schema_version VALUES(99);",
        nullptr, nullptr, nullptr);
    sqlite3_close(db);
    auto result = run_parley({"serve", "--port", "0", "--data", data});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.output.find("newer Parley"), std::string::npos) << result.output;
}

TEST(History, ACorruptDatabaseIsAClearErrorAndLeftUntouched) {
    TempDir dir;
    auto data = dir.file("corrupt.db");
    std::string garbage(8192, '\x5a');
    std::ofstream(data, std::ios::binary) << garbage;
    auto result = run_parley({"serve", "--port", "0", "--data", data});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.output.find("cannot use " + data), std::string::npos) << result.output;
    std::ifstream in(data, std::ios::binary);
    std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(after, garbage);
}

}  // namespace
}  // namespace parley::test
