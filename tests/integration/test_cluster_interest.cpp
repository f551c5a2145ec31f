// Cluster mode: a node hears the events of the channels it has members in and of the users
// connected to it, not the whole cluster's traffic. On one redis-server and on a Redis Cluster
// (sharded pub/sub), where the counter must rise by exactly what the node needs: the events of
// its own channels and users, and the bus's (none is announced in these windows), never a busy
// channel's it has no one in.
#include <gtest/gtest.h>

#include <thread>

#include "harness.hpp"
#include "redis_backend.hpp"
#include "support.hpp"

namespace parley::test {
namespace {

constexpr const char* events_in = "parley_cluster_events_in_total";

class ClusterInterest : public OnRedis {};
INSTANTIATE_TEST_SUITE_P(, ClusterInterest, both_redis_kinds(), redis_kind_name);

json answer(Client& client, int id) {
    return client.next_where([&](const json& f) { return f.value("id", -1) == id; });
}

// A node's event count once it has stopped moving. On a Redis Cluster a join's presence event is
// published just after its write, so it may still be on its way when the test starts counting.
double settled(std::uint16_t port, const std::string& name) {
    double now = metric(port, name);
    for (double was = -1; was != now;) {
        was = now;
        std::this_thread::sleep_for(200ms);
        now = metric(port, name);
    }
    return now;
}

TEST_P(ClusterInterest, ANodeHearsNoneOfTheEventsOfAChannelOrUsersItHasNoOneIn) {
    auto redis = make_redis();
    auto a = start_node(*redis, "alpha");
    auto b = start_node(*redis, "beta");
    // Events published on one Redis server reach a subscriber in order, so once bob has a word
    // in #quiet beta has heard everything published before it on that server: in a Redis
    // Cluster #quiet is picked on #busy's master for that.
    const auto quiet = redis->channel_beside("busy", "quiet");
    Client ann(a->port()), dan(a->port()), bob(b->port());
    ann.hello("ann");
    dan.hello("dan");
    bob.hello("bob");
    bob.join(quiet);
    ann.join(quiet);
    ann.join("busy");
    dan.join("busy");
    ann.send(say_frame(quiet, "before", 1));
    EXPECT_EQ(answer(ann, 1)["type"], "ok");
    EXPECT_EQ(bob.next_of_type("message")["text"], "before");
    double before = settled(b->port(), events_in);
    ASSERT_GE(before, 1);

    // #busy and a conversation between two users on alpha: beta has no one in either.
    constexpr int sent = 300;
    for (int i = 0; i < sent; ++i)
        ann.send(say_frame("busy", "busy " + std::to_string(i), 100 + i));
    for (int i = 0; i < 20; ++i)
        dan.send(json{{"type", "dm"}, {"to", "ann"}, {"text", "psst"}, {"id", 1000 + i}});
    for (int i = 0; i < sent; ++i) EXPECT_EQ(answer(ann, 100 + i)["type"], "ok");
    for (int i = 0; i < 20; ++i) EXPECT_EQ(answer(dan, 1000 + i)["type"], "ok");
    ann.send(say_frame(quiet, "after", 2));
    EXPECT_EQ(bob.next_of_type("message")["text"], "after");
    // The dms between ann and dan are users' events, which a Redis Cluster keeps on another
    // master (with the other users'): a dm to bob, heard on beta, comes after them.
    dan.send(json{{"type", "dm"}, {"to", "bob"}, {"text", "marker"}, {"id", 2000}});
    EXPECT_EQ(answer(dan, 2000)["type"], "ok");
    EXPECT_EQ(bob.next_of_type("dm")["text"], "marker");
    // #busy's and the dms would have come before these two.
    EXPECT_EQ(metric(b->port(), events_in) - before, 2) << "beta heard #busy or the dms";
    EXPECT_GE(metric(a->port(), events_in), sent + 20);

    // The moment bob joins #busy beta hears it, and bob gets every message once, in order.
    auto joined = bob.join("busy");
    auto head = joined["history"].back()["seq"].get<std::int64_t>();
    EXPECT_EQ(head, sent);
    ann.send(say_frame("busy", "now", 3));
    auto live = bob.next_of_type("message");
    EXPECT_EQ(live["text"], "now");
    EXPECT_EQ(live["seq"], head + 1);
    // A dm to bob reaches beta through bob's own events.
    dan.send(json{{"type", "dm"}, {"to", "bob"}, {"text", "hi bob"}, {"id", 4}});
    EXPECT_EQ(answer(dan, 4)["type"], "ok");
    EXPECT_EQ(bob.next_of_type("dm")["text"], "hi bob");
}

// Joining and leaving over and over while another node sends: every join's history and the
// live messages after it are the channel's messages once each, with no gap, and a node whose
// members all left stops hearing the channel.
TEST_P(ClusterInterest, JoinsAndLeavesWhileAnotherNodeSendsMissNothingAndEndTheSubscription) {
    auto redis = make_redis();
    auto a = start_node(*redis, "alpha");
    auto b = start_node(*redis, "beta");
    Client ann(a->port()), bob(b->port());
    ann.hello("ann");
    bob.hello("bob");
    ann.join("room");
    int id = 1;
    std::int64_t last_sent = 0;
    for (int round = 0; round < 15; ++round) {
        // A message on its way while bob joins: in its history or live, never missing.
        ann.send(say_frame("room", "r" + std::to_string(round), id));
        auto joined = bob.join("room");
        last_sent = answer(ann, id++)["seq"].get<std::int64_t>();
        std::int64_t seen =
            joined["history"].empty() ? 0 : joined["history"].back()["seq"].get<std::int64_t>();
        ann.send(say_frame("room", "live", id));
        last_sent = answer(ann, id++)["seq"].get<std::int64_t>();
        while (seen < last_sent) {
            auto message = bob.next_of_type("message");
            ASSERT_EQ(message["seq"], seen + 1) << "round " << round;
            seen = message["seq"].get<std::int64_t>();
        }
        bob.send(json{{"type", "leave"}, {"channel", "room"}, {"id", 10'000 + round}});
        EXPECT_EQ(answer(bob, 10'000 + round)["type"], "left");
    }
    // No one of beta's in #room: what ann says now reaches beta no more (a node id joining
    // another channel shows beta is listening, and that its counter moves for what it needs).
    const auto other = redis->channel_beside("room", "other");  // on #room's master
    ann.join(other);
    bob.join(other);
    ann.send(say_frame(other, "marker", id));
    EXPECT_EQ(answer(ann, id++)["type"], "ok");
    EXPECT_EQ(bob.next_of_type("message")["text"], "marker");
    double before = settled(b->port(), events_in);
    for (int i = 0; i < 50; ++i) ann.send(say_frame("room", "unheard", id + i));
    for (int i = 0; i < 50; ++i) EXPECT_EQ(answer(ann, id + i)["type"], "ok");
    id += 50;
    ann.send(say_frame(other, "marker", id));
    EXPECT_EQ(bob.next_of_type("message")["text"], "marker");
    EXPECT_EQ(metric(b->port(), events_in) - before, 1);
}

}  // namespace
}  // namespace parley::test
