// Messages that live in a cluster: two nodes sharing a real Redis (one server, or a Redis
// Cluster: redis_backend.hpp), where changes made through one node reach the other's members in
// seq order and every node reads the current state.
#include <gtest/gtest.h>

#include <tuple>

#include "lifecycle_support.hpp"

namespace parley::test {
namespace {

struct TwoNodes {
    explicit TwoNodes(RedisKind kind) : redis(make_redis(kind)) {}
    std::unique_ptr<RedisBackend> redis;
    std::unique_ptr<ServerProcess> a = start_node(*redis, "alpha");
    std::unique_ptr<ServerProcess> b = start_node(*redis, "beta");
};

class LifecycleCluster : public OnRedis {};
INSTANTIATE_TEST_SUITE_P(, LifecycleCluster, both_redis_kinds(), redis_kind_name);

bool is_channel_event(const json& frame) {
    auto type = frame.value("type", "");
    return type == "message" || type == "edited" || type == "deleted" || type == "reaction";
}

// The next `count` channel events `client` receives, in the order it receives them.
std::vector<json> next_events(Client& client, std::size_t count) {
    std::vector<json> events;
    while (events.size() < count) events.push_back(client.next_where(is_channel_event));
    return events;
}

TEST_P(LifecycleCluster, ChangesOnOneNodeReachTheOtherInSeqOrderAndEveryNodeReadsTheState) {
    TwoNodes nodes(GetParam());
    auto ann = guest(nodes.a->port(), "ann");
    auto bob = guest(nodes.b->port(), "bob");
    auto carl = guest(nodes.b->port(), "carl");
    for (auto* member : {ann.get(), bob.get(), carl.get()}) member->join("lobby");

    ASSERT_EQ(seq_of(say_to(*ann, "lobby", "from alpha")), 1);
    ASSERT_EQ(seq_of(say_to(*bob, "lobby", "from beta", 1)), 2);
    ASSERT_EQ(seq_of(edit(*ann, "lobby", 1, "from alpha, edited")), 3);
    ASSERT_EQ(seq_of(react(*ann, "lobby", 2, "👍")), 4);
    ASSERT_EQ(seq_of(react(*ann, "lobby", 1, "🎉")), 5);
    ASSERT_EQ(seq_of(unreact(*ann, "lobby", 1, "🎉")), 6);
    ASSERT_EQ(seq_of(edit(*ann, "lobby", 1, "from alpha, final")), 7);
    ASSERT_EQ(seq_of(react(*bob, "lobby", 1, "👍")), 8);
    auto again = react(*ann, "lobby", 2, "👍");  // given already, through the other node's state
    EXPECT_EQ(again["type"], "ok") << again.dump();
    EXPECT_FALSE(again.contains("seq")) << again.dump();

    // carl, on beta, sees alpha's changes once each, in seq order, as alpha's ann does.
    for (auto* member : {carl.get(), ann.get()}) {
        auto events = next_events(*member, 8);
        for (std::size_t i = 0; i < events.size(); ++i)
            EXPECT_EQ(events[i]["seq"], i + 1) << events[i].dump();
        EXPECT_EQ(events[2]["type"], "edited");
        EXPECT_EQ(events[2]["from"], "ann");
        EXPECT_EQ(events[2]["text"], "from alpha, edited");
        EXPECT_EQ(events[3]["type"], "reaction");
        EXPECT_EQ(events[3]["target"], 2);
        EXPECT_EQ(events[3]["emoji"], "👍");
        EXPECT_EQ(events[3]["on"], true);
        EXPECT_EQ(events[5]["on"], false);
        EXPECT_EQ(events[6]["text"], "from alpha, final");
        EXPECT_EQ(events[7]["from"], "bob");
        EXPECT_TRUE(no_change_within(*member, 200ms));
    }

    // beta's history, by command and by HTTP, shows the current state.
    auto page = request(*carl, {{"type", "history"}, {"channel", "lobby"}});
    auto api = json::parse(http_get(nodes.b->port(), "/api/channels/lobby/messages").body);
    for (const auto& messages : {page["messages"], api["messages"]}) {
        ASSERT_EQ(messages.size(), 2u) << messages.dump();
        EXPECT_EQ(messages[0]["text"], "from alpha, final");
        EXPECT_TRUE(messages[0]["edited_ts"].is_number_integer()) << messages.dump();
        EXPECT_EQ(messages[0]["reactions"], (json{{"👍", {"bob"}}}));
        EXPECT_EQ(messages[1]["text"], "from beta");
        EXPECT_EQ(messages[1]["reply_to"], 1);
        EXPECT_EQ(messages[1]["reactions"], (json{{"👍", {"ann"}}}));
    }

    // A deletion on beta erases the text as alpha reads it.
    auto deleted = seq_of(erase(*bob, "lobby", 2));
    EXPECT_EQ(deleted, 9);
    EXPECT_EQ(event_at(*ann, "deleted", deleted)["by"], "bob");
    auto on_alpha = request(*ann, {{"type", "history"}, {"channel", "lobby"}});
    ASSERT_EQ(on_alpha["messages"].size(), 2u) << on_alpha.dump();
    EXPECT_EQ(on_alpha["messages"][1]["deleted"], true);
    EXPECT_EQ(on_alpha.dump().find("from beta"), std::string::npos) << on_alpha.dump();
    auto api_alpha = http_get(nodes.a->port(), "/api/channels/lobby/messages").body;
    EXPECT_EQ(api_alpha.find("from beta"), std::string::npos) << api_alpha;
    EXPECT_EQ(code_of(react(*ann, "lobby", 2, "👍")), "no_such_message");

    // A since replay on alpha lists every event, beta's included, once and in order.
    auto dave = guest(nodes.a->port(), "dave");
    auto replay = dave->join("lobby", 0)["history"];
    ASSERT_EQ(replay.size(), 9u) << replay.dump();
    for (std::size_t i = 0; i < replay.size(); ++i) EXPECT_EQ(replay[i]["seq"], i + 1);
    EXPECT_EQ(replay[8]["type"], "deleted");
}

TEST_P(LifecycleCluster, ChangesFromBothNodesAtOnceKeepOneGapFreeOrderEverywhere) {
    TwoNodes nodes(GetParam());
    auto ann = guest(nodes.a->port(), "ann");
    auto bob = guest(nodes.b->port(), "bob");
    auto carl = guest(nodes.a->port(), "carl");
    auto dave = guest(nodes.b->port(), "dave");
    for (auto* member : {ann.get(), bob.get(), carl.get(), dave.get()}) member->join("busy");
    auto anns = seq_of(say_to(*ann, "busy", "ann's"));
    auto bobs = seq_of(say_to(*bob, "busy", "bob's"));

    // Each, through its own node and without waiting, edits its message and reacts to the
    // other's with 20 distinct emoji.
    constexpr int rounds = 20;
    for (int i = 0; i < rounds; ++i) {
        for (auto [client, own, other] :
             {std::tuple{ann.get(), anns, bobs}, std::tuple{bob.get(), bobs, anns}}) {
            client->send(json{{"type", "edit"},
                              {"channel", "busy"},
                              {"seq", own},
                              {"text", "edit " + std::to_string(i)}});
            client->send(json{{"type", "react"},
                              {"channel", "busy"},
                              {"seq", other},
                              {"emoji", "e" + std::to_string(i)}});
        }
    }
    const std::size_t total = 2 + 4 * rounds;
    std::vector<std::vector<json>> seen;
    for (auto* reader : {carl.get(), dave.get()}) {
        auto events = next_events(*reader, total);
        for (std::size_t i = 0; i < total; ++i)
            ASSERT_EQ(events[i]["seq"], i + 1) << "a gap or a repeat: " << events[i].dump();
        EXPECT_TRUE(no_change_within(*reader, 200ms));
        seen.push_back(events);
    }
    EXPECT_EQ(seen[0], seen[1]) << "the nodes delivered different orders";

    ChannelState state;
    for (const auto& event : seen[0]) apply_event(state, event);
    EXPECT_EQ(state[anns]["text"].get<std::string>().rfind("edit ", 0), 0u);
    EXPECT_EQ(state[bobs]["reactions"].size(), static_cast<std::size_t>(rounds));
    for (auto* node : {nodes.a.get(), nodes.b.get()}) {
        auto page = json::parse(http_get(node->port(), "/api/channels/busy/messages").body);
        expect_same_state(state, state_of_page(page["messages"]),
                          "node " + std::to_string(node->port()));
    }
}

TEST_P(LifecycleCluster, AnAccountEditsOnAnyNodeWhatItSaidOnAnother) {
    TwoNodes nodes(GetParam());
    auto ann = signed_up(nodes.a->port(), "ann");
    auto carl = signed_up(nodes.b->port(), "carl");
    ASSERT_EQ(request(*ann, {{"type", "create"}, {"channel", "team"}})["type"], "joined");
    ASSERT_EQ(request(*carl, {{"type", "join"}, {"channel", "team"}})["type"], "joined");
    auto said = seq_of(say_to(*ann, "team", "said on alpha"));
    auto carls = seq_of(say_to(*carl, "team", "carl on beta"));

    auto ann_on_b = logged_in(nodes.b->port(), "ann");
    ASSERT_EQ(request(*ann_on_b, {{"type", "join"}, {"channel", "team"}})["type"], "joined");
    auto edited = seq_of(edit(*ann_on_b, "team", said, "edited on beta"));
    EXPECT_EQ(event_at(*ann, "edited", edited)["text"], "edited on beta");
    EXPECT_EQ(code_of(edit(*carl, "team", said, "carl's words")), "forbidden");
    EXPECT_EQ(code_of(erase(*carl, "team", said)), "forbidden");
    // The owner deletes a member's message from either node; reactions are per nick, so ann's
    // reaction on one node is ann's on the other.
    EXPECT_GT(seq_of(react(*ann, "team", said, "👍")), edited);
    auto twice = react(*ann_on_b, "team", said, "👍");
    EXPECT_EQ(twice["type"], "ok") << twice.dump();
    EXPECT_FALSE(twice.contains("seq")) << twice.dump();
    auto removed = seq_of(erase(*ann_on_b, "team", carls));
    EXPECT_EQ(event_at(*carl, "deleted", removed)["by"], "ann");

    auto page = request(*carl, {{"type", "history"}, {"channel", "team"}});
    ASSERT_EQ(page["messages"].size(), 2u) << page.dump();
    EXPECT_EQ(page["messages"][0]["text"], "edited on beta");
    EXPECT_EQ(page["messages"][0]["reactions"], (json{{"👍", {"ann"}}}));
    EXPECT_EQ(page["messages"][1]["deleted"], true);
    EXPECT_FALSE(page["messages"][1].contains("text"));
}

}  // namespace
}  // namespace parley::test
