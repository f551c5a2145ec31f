// The publish API and idempotency keys in a cluster: two nodes on one real Redis (one server,
// or a Redis Cluster: redis_backend.hpp), so a key used through one node is known to the other.
#include <gtest/gtest.h>

#include "publish_support.hpp"

namespace parley::test {
namespace {

class ClusterPublish : public OnRedis {};
INSTANTIATE_TEST_SUITE_P(, ClusterPublish, both_redis_kinds(), redis_kind_name);

class ClusterIdempotency : public OnRedis {};
INSTANTIATE_TEST_SUITE_P(, ClusterIdempotency, both_redis_kinds(), redis_kind_name);

TEST_P(ClusterPublish, ARepeatOnAnotherNodeAnswers200WithTheFirstSeq) {
    auto redis = make_redis();
    auto a = start_node(*redis, "alpha", api_key_args());
    auto b = start_node(*redis, "beta", api_key_args());
    Client bob(b->port());
    bob.hello("bob");
    bob.join("releases");

    json body{{"from", "deploybot"}, {"text", "1.4 is out"}, {"idempotency_key", "release-1.4"}};
    auto created = publish(a->port(), "releases", body);
    ASSERT_EQ(created.status, 201) << created.body;
    auto seq = body_of(created)["seq"].get<std::int64_t>();
    auto seen = next_in(bob, "releases");
    EXPECT_EQ(seen["seq"], seq);
    EXPECT_EQ(seen.value("bot", false), true) << seen.dump();

    auto repeated = publish(b->port(), "releases", body);
    EXPECT_EQ(repeated.status, 200) << repeated.body;
    EXPECT_EQ(body_of(repeated), body_of(created));
    body["idempotency_key"] = "release-1.5";
    auto next = publish(b->port(), "releases", body);
    ASSERT_EQ(next.status, 201) << next.body;
    EXPECT_EQ(body_of(next)["seq"], seq + 1);
    EXPECT_EQ(next_in(bob, "releases")["seq"], seq + 1) << "no copy of the first";

    // Every node's history keeps the mark.
    for (auto* node : {a.get(), b.get()}) {
        auto history = api_history(node->port(), "releases");
        ASSERT_EQ(history.size(), 2u) << history.dump();
        EXPECT_EQ(history[0].value("bot", false), true);
    }
    Client carl(a->port());
    carl.hello("carl");
    auto joined = carl.join("releases");
    ASSERT_EQ(joined["history"].size(), 2u);
    EXPECT_EQ(joined["history"][1].value("bot", false), true);
    // A registered account's nick is refused on a node other than the one it registered on.
    signed_up(a->port(), "ann");
    EXPECT_EQ(publish(b->port(), "releases", {{"from", "ann"}, {"text", "x"}}).status, 403);
}

TEST_P(ClusterIdempotency, ASayAndADmResentOnAnotherNodeAreOneMessage) {
    auto redis = make_redis();
    auto a = start_node(*redis, "alpha");
    auto b = start_node(*redis, "beta");
    Client bob(b->port());
    bob.hello("bob");
    bob.join("lobby");

    std::int64_t seq = 0, ts = 0;
    {
        auto ann = signed_up(a->port(), "ann");
        ann->join("lobby");
        seq = say_keyed(*ann, "lobby", "once", "k-1", "1")["seq"].get<std::int64_t>();
        auto ok = dm_keyed(*ann, "bob", "psst", "k-1", "2");
        ASSERT_EQ(ok.value("type", ""), "ok") << ok.dump();
        ts = ok["ts"].get<std::int64_t>();
    }
    EXPECT_EQ(next_in(bob, "lobby")["seq"], seq);
    EXPECT_EQ(bob.next_of_type("dm")["ts"], ts);

    // ann again, through the other node: the same seq and ts, and nothing new for bob.
    auto ann = logged_in(b->port(), "ann");
    ann->join("lobby");
    auto again = say_keyed(*ann, "lobby", "once", "k-1", "3");
    EXPECT_EQ(again.value("type", ""), "ok") << again.dump();
    EXPECT_EQ(again["seq"], seq);
    auto dm_again = dm_keyed(*ann, "bob", "psst", "k-1", "4");
    EXPECT_EQ(dm_again.value("type", ""), "ok") << dm_again.dump();
    EXPECT_EQ(dm_again["ts"], ts);

    // A guest resuming its stay on the other node is recognised too; bob's own key is his.
    json resume;
    std::int64_t carl_seq = 0;
    {
        Client carl(a->port());
        resume = carl.hello("carl")["resume"];
        carl.join("lobby");
        carl_seq = say_keyed(carl, "lobby", "carl once", "k-1", "5")["seq"].get<std::int64_t>();
    }
    EXPECT_EQ(carl_seq, seq + 1);
    auto carl = resumed(b->port(), "carl", resume);
    carl->join("lobby");
    EXPECT_EQ(say_keyed(*carl, "lobby", "carl once", "k-1", "6")["seq"], carl_seq);
    EXPECT_EQ(say_keyed(bob, "lobby", "bob's", "k-1", "7")["seq"], seq + 2);

    EXPECT_EQ(next_in(bob, "lobby")["seq"], seq + 1);
    EXPECT_EQ(next_in(bob, "lobby")["seq"], seq + 2);
    auto dm_next = dm_keyed(*ann, "bob", "later", "k-2", "8");
    EXPECT_EQ(dm_next.value("type", ""), "ok") << dm_next.dump();
    EXPECT_EQ(bob.next_of_type("dm")["text"], "later") << "no copy of the first dm";
    EXPECT_EQ(api_history(a->port(), "lobby").size(), 3u);

    // A resend after the recipient has gone is still the first one's `ok`.
    auto dave = guest(a->port(), "dave");
    dave->join("lobby");
    presence_of(*ann, "joined", "dave");
    auto to_dave = dm_keyed(*ann, "dave", "bye", "k-3", "9");
    ASSERT_EQ(to_dave.value("type", ""), "ok") << to_dave.dump();
    dave->next_of_type("dm");
    dave.reset();
    presence_of(*ann, "left", "dave");
    auto resent = dm_keyed(*ann, "dave", "bye", "k-3", "10");
    EXPECT_EQ(resent.value("type", ""), "ok") << resent.dump();
    EXPECT_EQ(resent["ts"], to_dave["ts"]);
}

}  // namespace
}  // namespace parley::test
