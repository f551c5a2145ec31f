// Cluster mode: nodes as real processes sharing a real Redis: one redis-server, or a Redis
// Cluster (each test runs on both, see redis_backend.hpp).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "harness.hpp"
#include "redis_backend.hpp"
#include "support.hpp"

namespace parley::test {
namespace {

class Cluster : public OnRedis {};
INSTANTIATE_TEST_SUITE_P(, Cluster, both_redis_kinds(), redis_kind_name);

json say(Client& client, const std::string& channel, const std::string& text, int id) {
    client.send(json{{"type", "say"}, {"channel", channel}, {"text", text}, {"id", id}});
    return client.next_where([&](const json& f) { return f.value("id", -1) == id; });
}

json next_message(Client& client) {
    return client.next_of_type("message");
}

// Waits for a presence frame that says `nick` joined (or left).
void expect_presence(Client& client, const std::string& nick, bool joined,
                     std::chrono::milliseconds timeout = default_timeout) {
    auto key = joined ? "joined" : "left";
    client.next_where(
        [&](const json& f) {
            if (f["type"] != "presence") return false;
            for (const auto& n : f[key])
                if (n == nick) return true;
            return false;
        },
        timeout);
}

// ann and bob say hello and join `channel`, each through its own node, until each knows the other
// is there. Presence is eventually consistent across nodes: ann's arrival may still be on its way
// to Redis when bob joins, and then reaches bob as a presence frame instead of in `joined`.
void meet(Client& ann, Client& bob, const std::string& channel) {
    ann.hello("ann");
    bob.hello("bob");
    ann.join(channel);
    auto joined = bob.join(channel);
    if (joined["member_count"] == 1)
        expect_presence(bob, "ann", true);
    else
        EXPECT_EQ(joined["members"], json::array({"ann", "bob"}));
    expect_presence(ann, "bob", true);
}

TEST_P(Cluster, MembersOnTwoNodesSeeEachOthersMessagesPresenceTypingAndDms) {
    auto redis = make_redis();
    auto a = start_node(*redis, "alpha");
    auto b = start_node(*redis, "beta");
    Client ann(a->port()), bob(b->port());
    meet(ann, bob, "lobby");
    Client probe(b->port());
    EXPECT_EQ(probe.hello("probe")["node"], "beta");  // welcome names the node reached

    EXPECT_EQ(say(ann, "lobby", "hello from alpha", 1)["seq"], 1);
    auto heard = next_message(bob);
    EXPECT_EQ(heard["from"], "ann");
    EXPECT_EQ(heard["text"], "hello from alpha");
    EXPECT_EQ(heard["seq"], 1);
    EXPECT_EQ(next_message(ann)["seq"], 1);  // the sender's own copy, once

    EXPECT_EQ(say(bob, "lobby", "hello from beta", 2)["seq"], 2);
    EXPECT_EQ(next_message(ann)["text"], "hello from beta");

    bob.send(json{{"type", "typing"}, {"channel", "lobby"}});
    EXPECT_EQ(ann.next_of_type("typing")["nick"], "bob");

    bob.send(json{{"type", "dm"}, {"to", "ANN"}, {"text", "psst"}, {"id", 3}});
    EXPECT_EQ(bob.next_where([](const json& f) { return f.value("id", -1) == 3; })["type"], "ok");
    auto dm = ann.next_of_type("dm");
    EXPECT_EQ(dm["from"], "bob");
    EXPECT_EQ(dm["to"], "ann");
    EXPECT_EQ(dm["text"], "psst");
    EXPECT_TRUE(bob.nothing_within(200ms)) << "the sender got its own dm back";

    bob.send(json{{"type", "dm"}, {"to", "nobody"}, {"text", "hello?"}, {"id", 4}});
    EXPECT_EQ(bob.next_where([](const json& f) { return f.value("id", -1) == 4; })["code"],
              "no_such_user");

    ann.send(json{{"type", "who"}, {"channel", "lobby"}, {"id", 5}});
    EXPECT_EQ(ann.next_of_type("who")["members"], json::array({"ann", "bob"}));

    bob.send(json{{"type", "leave"}, {"channel", "lobby"}, {"id", 6}});
    expect_presence(ann, "bob", false);

    auto metrics = http_get(a->port(), "/metrics").body;
    // One Redis: a connection for commands, one for the bus and one for the channels' and
    // users' sharded pub/sub. A Redis Cluster: commands go to the master of each key's slot, so
    // at least one connection to each of the three.
    auto up = metric(a->port(), "parley_redis_connections_up");
    if (redis->clustered())
        EXPECT_GE(up, 3) << metrics;
    else
        EXPECT_EQ(up, 3) << metrics;
    EXPECT_EQ(metrics.find("parley_cluster_events_in_total 0\n"), std::string::npos);
    EXPECT_NE(metrics.find("parley_redis_round_trip_seconds_count"), std::string::npos);
}

TEST_P(Cluster, SeqsAreSharedAndGapFreeWhenThreeNodesSendAtOnce) {
    auto redis = make_redis();
    std::vector<std::unique_ptr<ServerProcess>> nodes;
    for (const auto* name : {"one", "two", "three"}) nodes.push_back(start_node(*redis, name));
    std::vector<std::unique_ptr<Client>> readers, senders;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        readers.push_back(std::make_unique<Client>(nodes[i]->port()));
        readers.back()->hello("reader" + std::to_string(i));
        readers.back()->join("busy");
        senders.push_back(std::make_unique<Client>(nodes[i]->port()));
        senders.back()->hello("sender" + std::to_string(i));
        senders.back()->join("busy");
    }
    constexpr int per_sender = 40;
    for (int n = 0; n < per_sender; ++n)
        for (std::size_t i = 0; i < senders.size(); ++i)
            senders[i]->send(json{{"type", "say"},
                                  {"channel", "busy"},
                                  {"text", std::to_string(i) + ":" + std::to_string(n)},
                                  {"id", n}});
    const int total = per_sender * static_cast<int>(senders.size());
    std::vector<std::vector<std::string>> orders;
    for (auto& reader : readers) {
        std::vector<std::string> order;
        for (int expected = 1; expected <= total; ++expected) {
            auto message = next_message(*reader);
            ASSERT_EQ(message["seq"], expected) << "gap or repeat";
            order.push_back(message["text"]);
        }
        while (auto more = reader->next(200ms))
            EXPECT_NE((*more)["type"], "message") << "delivered twice: " << more->dump();
        orders.push_back(order);
    }
    EXPECT_EQ(orders[0], orders[1]);
    EXPECT_EQ(orders[0], orders[2]);
}

TEST_P(Cluster, SinceHistoryAndTheHttpApiOnOneNodeServeWhatAnotherStored) {
    auto redis = make_redis();
    auto a = start_node(*redis, "alpha");
    auto b = start_node(*redis, "beta");
    Client ann(a->port());
    ann.hello("ann");
    ann.join("notes");
    for (int i = 1; i <= 10; ++i) say(ann, "notes", "note " + std::to_string(i), i);

    Client bob(b->port());
    bob.hello("bob");
    auto joined = bob.join("notes", 3);
    EXPECT_FALSE(joined["gap"].get<bool>());
    ASSERT_EQ(joined["history"].size(), 7u);
    EXPECT_EQ(joined["history"][0]["seq"], 4);
    EXPECT_EQ(joined["history"][6]["text"], "note 10");

    bob.send(
        json{{"type", "history"}, {"channel", "notes"}, {"before", 4}, {"limit", 2}, {"id", 20}});
    auto page = bob.next_of_type("history");
    ASSERT_EQ(page["messages"].size(), 2u);
    EXPECT_EQ(page["messages"][0]["seq"], 2);
    EXPECT_EQ(page["messages"][1]["seq"], 3);

    auto api = http_get(b->port(), "/api/channels/notes/messages?limit=3");
    EXPECT_EQ(api.status, 200);
    auto body = json::parse(api.body);
    ASSERT_EQ(body["messages"].size(), 3u);
    EXPECT_EQ(body["messages"][2]["seq"], 10);
    EXPECT_EQ(http_get(b->port(), "/api/channels/nowhere/messages").status, 404);

    bob.send(json{{"type", "history"}, {"channel", "nowhere"}, {"id", 21}});
    EXPECT_EQ(bob.next_where([](const json& f) { return f.value("id", -1) == 21; })["code"],
              "no_such_channel");
}

TEST_P(Cluster, ANickIsTakenOnEveryNodeUntilItsHolderLeaves) {
    auto redis = make_redis();
    auto a = start_node(*redis, "alpha");
    auto b = start_node(*redis, "beta");
    auto ann = std::make_unique<Client>(a->port());
    ann->hello("ann");
    Client impostor(b->port());
    impostor.send(json{{"type", "hello"}, {"nick", "ANN"}, {"id", 1}});
    auto refused = impostor.next_of_type("error");
    EXPECT_EQ(refused["code"], "nick_taken");

    Client twice(a->port());  // two hellos before the first is answered: one nick, one error
    twice.send(json{{"type", "hello"}, {"nick", "dee"}, {"id", 1}});
    twice.send(json{{"type", "hello"}, {"nick", "eve"}, {"id", 2}});
    EXPECT_EQ(twice.next_of_type("welcome")["nick"], "dee");
    EXPECT_EQ(twice.next_of_type("error")["code"], "already_identified");
    Client eve(b->port());
    EXPECT_EQ(eve.hello("eve")["nick"], "eve");  // the refused hello's claim was let go

    ann.reset();  // disconnects: the nick is free again, everywhere
    std::optional<json> welcome;
    for (int attempt = 2; attempt < 50 && !welcome; ++attempt) {
        impostor.send(json{{"type", "hello"}, {"nick", "ANN"}, {"id", attempt}});
        auto answer =
            impostor.next_where([&](const json& f) { return f.value("id", -1) == attempt; });
        if (answer["type"] == "welcome")
            welcome = answer;
        else
            std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(welcome);
    EXPECT_EQ((*welcome)["nick"], "ANN");
}

// In token mode across nodes: a token for ANN is refused while ann holds the nick on another
// node (their nicks collide, but they are two users), while a second token for ann on that node
// shares the nick, and a dm to ann reaches both of ann's devices and nothing else.
TEST_P(Cluster, ATokenSharesANickAcrossNodesOnlyForTheVerySameSubject) {
    auto redis = make_redis();
    const std::string secret = "cluster-test-secret";
    auto a = start_node(*redis, "alpha", {"--auth-secret", secret});
    auto b = start_node(*redis, "beta", {"--auth-secret", secret});
    Client phone(a->port()), other(b->port()), laptop(b->port()), bob(a->port());
    EXPECT_EQ(phone.hello("ann", parley_token(secret, "ann"))["type"], "welcome");
    auto refused = other.hello("ANN", parley_token(secret, "ANN"));
    expect_dm_reaches_only_the_same_subject(secret, refused, phone, laptop, bob, other);
}

// The whole of Redis down and back (and below, back empty) is one server's story. A Redis
// Cluster's counterpart, a master down while its replica takes over, is in
// test_cluster_failover.cpp; a whole cluster restarting empty would have to be re-created, which
// is an operator's act, not an outage the nodes ride out.
TEST(ClusterSingleRedis, RedisDownAnswersUnavailableAndDeliveryResumesWhenItIsBack) {
    RedisProcess redis;
    auto a = start_node(redis, "alpha");
    auto b = start_node(redis, "beta");
    Client ann(a->port()), bob(b->port());
    meet(ann, bob, "ops");
    EXPECT_EQ(say(ann, "ops", "before the outage", 1)["seq"], 1);
    EXPECT_EQ(next_message(bob)["seq"], 1);

    redis.stop();
    ASSERT_TRUE(a->wait_for_log("redis commands: lost"));
    auto refused = say(ann, "ops", "during the outage", 2);
    EXPECT_EQ(refused["type"], "error");
    EXPECT_EQ(refused["code"], "unavailable");
    EXPECT_FALSE(ann.is_closed());

    redis.start();
    ASSERT_TRUE(a->wait_for_log("redis commands: connected again"));
    ASSERT_TRUE(b->wait_for_log("redis bus: connected again"));
    json ok;
    for (int id = 3; id < 60; ++id) {  // the bus may take a moment longer than the commands
        ok = say(ann, "ops", "after the outage", id);
        if (ok["type"] == "ok") break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(ok["type"], "ok");
    EXPECT_EQ(ok["seq"], 2);  // AOF kept the seq: nothing acknowledged was lost
    auto heard = next_message(bob);
    EXPECT_EQ(heard["seq"], 2);
    EXPECT_EQ(heard["text"], "after the outage");
    EXPECT_EQ(a->wait_exit(0ms), std::nullopt) << "a node exited";
}

TEST(ClusterSingleRedis, RedisComingBackEmptyStartsSeqsOverAndGetsNicksBack) {
    RedisProcess redis{false};
    auto a = start_node(redis, "alpha");
    auto b = start_node(redis, "beta");
    Client ann(a->port()), bob(b->port());
    meet(ann, bob, "ops");
    for (int id = 1; id <= 3; ++id) say(ann, "ops", "lost " + std::to_string(id), id);
    for (int seq = 1; seq <= 3; ++seq) EXPECT_EQ(next_message(bob)["seq"], seq);

    redis.stop();
    redis.start();  // with nothing: no AOF
    ASSERT_TRUE(a->wait_for_log("redis commands: connected again"));
    ASSERT_TRUE(b->wait_for_log("redis bus: connected again"));
    json ok;
    for (int id = 4; id < 60; ++id) {
        ok = say(ann, "ops", "after the loss", id);
        if (ok["type"] == "ok") break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(ok["type"], "ok");
    EXPECT_EQ(ok["seq"], 1);
    auto heard = next_message(bob);
    EXPECT_EQ(heard["seq"], 1);
    EXPECT_EQ(heard["text"], "after the loss");

    Client impostor(b->port());  // the nodes told the new Redis who holds which nick
    impostor.send(json{{"type", "hello"}, {"nick", "ann"}, {"id", 1}});
    EXPECT_EQ(impostor.next_of_type("error")["code"], "nick_taken");
}

TEST_P(Cluster, AKilledNodesUsersLeavePresenceWithinTheNodeTtl) {
    auto redis = make_redis();
    auto a = start_node(*redis, "alpha");
    auto b = start_node(*redis, "beta");
    Client ann(a->port());
    {
        Client bob(b->port());
        meet(ann, bob, "watch");
        b->stop(SIGKILL);
    }
    auto killed = std::chrono::steady_clock::now();
    // Stated bound: the TTL (1 s) plus a heartbeat period (a third of it), plus the window.
    expect_presence(ann, "bob", false, 3s);
    auto took = std::chrono::steady_clock::now() - killed;
    EXPECT_LT(took, 2s);
    ann.send(json{{"type", "who"}, {"channel", "watch"}, {"id", 9}});
    EXPECT_EQ(ann.next_of_type("who")["members"], json::array({"ann"}));

    Client bob_again(a->port());
    EXPECT_EQ(bob_again.hello("bob")["nick"], "bob");  // the dead node's nick is free
}

TEST_P(Cluster, ANodeStoppedGracefullyTakesItsUsersOutOfPresenceAtOnce) {
    auto redis = make_redis();
    auto a = start_node(*redis, "alpha");
    auto b = start_node(*redis, "beta", {"--cluster-node-ttl", "60s", "--shutdown-grace", "1s"});
    Client ann(a->port()), bob(b->port());
    meet(ann, bob, "watch");
    EXPECT_EQ(b->stop(SIGTERM), 0);
    expect_presence(ann, "bob", false, 1s);  // far sooner than its 60 s TTL
}

}  // namespace
}  // namespace parley::test
