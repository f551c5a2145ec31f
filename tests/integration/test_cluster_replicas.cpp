// Cluster mode with a Redis replica: --redis-wait-replicas makes `ok` mean "on the replicas too".
#include <gtest/gtest.h>

#include <thread>

#include "harness.hpp"
#include "redis_process.hpp"
#include "support.hpp"

namespace parley::test {
namespace {

// Makes `replica` replicate `master` and waits until the link is up.
void replicate(RedisProcess& replica, const RedisProcess& master) {
    // A full sync starts at once rather than after Redis's default 5 s wait for more replicas.
    ASSERT_EQ(master.command("CONFIG SET repl-diskless-sync-delay 0"), "+OK");
    ASSERT_EQ(replica.command("REPLICAOF 127.0.0.1 " + std::to_string(master.port())), "+OK");
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    while (replica.command("INFO replication").find("master_link_status:up") == std::string::npos ||
           master.command("INFO replication").find("state=online") == std::string::npos) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the replica never caught up";
        std::this_thread::sleep_for(20ms);
    }
}

json request(Client& client, json frame, int id) {
    frame["id"] = id;
    client.send(frame);
    return client.next_where([&](const json& f) { return f.value("id", -1) == id; });
}

TEST(ClusterReplicas, OkWaitsForTheReplicaAndIsWithheldWhileItIsGone) {
    RedisProcess master;
    RedisProcess replica(false);
    replicate(replica, master);
    auto node =
        start_node(master, "alpha", {"--redis-wait-replicas", "1", "--redis-wait-timeout", "1s"});
    Client ann(node->port()), bob(node->port());
    ann.hello("ann");
    bob.hello("bob");
    ann.join("room");
    json say{{"type", "say"}, {"channel", "room"}, {"text", "kept twice"}, {"key", "k1"}};
    EXPECT_EQ(request(ann, say, 1)["seq"], 1);
    // Acknowledged: the replica has it already, not "soon".
    EXPECT_EQ(replica.command("GET parley:seq:room"), "1");
    json dm{{"type", "dm"}, {"to", "bob"}, {"text", "psst"}, {"key", "d1"}};
    EXPECT_EQ(request(ann, dm, 2)["type"], "ok");

    replica.stop();
    auto asked = std::chrono::steady_clock::now();
    json lonely{
        {"type", "say"}, {"channel", "room"}, {"text", "only on the master"}, {"key", "k2"}};
    auto refused = request(ann, lonely, 3);
    EXPECT_EQ(refused["code"], "unavailable");
    EXPECT_NE(refused["message"].get<std::string>().find("replicas"), std::string::npos);
    EXPECT_GE(std::chrono::steady_clock::now() - asked, 1s);
    // The resend finds the stored copy, but that copy is on no replica either.
    EXPECT_EQ(request(ann, lonely, 4)["code"], "unavailable");
    dm["key"] = "d2";
    EXPECT_EQ(request(ann, dm, 5)["code"], "unavailable");

    // The replica back and caught up: the resend is acknowledged with the first copy's seq.
    replica.start();
    replicate(replica, master);
    EXPECT_EQ(request(ann, lonely, 6)["seq"], 2);
    EXPECT_EQ(replica.command("GET parley:seq:room"), "2");
    auto resent = request(ann, dm, 7);
    EXPECT_EQ(resent["type"], "ok") << resent;
}

}  // namespace
}  // namespace parley::test
