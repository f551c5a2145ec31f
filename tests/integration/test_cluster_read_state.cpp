// A user's chat follows them across the nodes of a cluster: kept channels, read markers, unread
// and mention counts, and direct messages that wait for an offline account, all in Redis.
#include <gtest/gtest.h>

#include "accounts_support.hpp"
#include "redis_backend.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

struct TwoNodes {
    explicit TwoNodes(RedisKind kind) : redis(make_redis(kind)) {}
    std::unique_ptr<RedisBackend> redis;
    std::unique_ptr<ServerProcess> a = start_node(*redis, "alpha");
    std::unique_ptr<ServerProcess> b = start_node(*redis, "beta");
};

class ClusterReadState : public OnRedis {};
INSTANTIATE_TEST_SUITE_P(, ClusterReadState, both_redis_kinds(), redis_kind_name);

// A login on a new connection; the welcome it gets.
json welcome_on(std::uint16_t port, const std::string& nick, std::unique_ptr<Client>& client) {
    client = std::make_unique<Client>(port);
    return log_in(*client, nick, password_for(nick));
}

std::int64_t say(Client& client, const std::string& channel, const std::string& text) {
    auto ok = request(client, {{"type", "say"}, {"channel", channel}, {"text", text}});
    EXPECT_EQ(ok["type"], "ok") << ok;
    return ok.value("seq", std::int64_t{0});
}

// True when no `read` frame reaches the client within `quiet` (other frames are passed over).
bool hears_no_read(Client& client, std::chrono::milliseconds quiet) {
    auto end = std::chrono::steady_clock::now() + quiet;
    for (auto now = std::chrono::steady_clock::now(); now < end;
         now = std::chrono::steady_clock::now()) {
        auto frame = client.next(std::chrono::duration_cast<std::chrono::milliseconds>(end - now));
        if (!frame) return true;
        if ((*frame)["type"] == "read") return false;
    }
    return true;
}

json mark_read(Client& client, const std::string& place, std::int64_t seq, bool conversation) {
    return request(
        client, {{"type", "mark_read"}, {conversation ? "with" : "channel", place}, {"seq", seq}});
}

TEST_P(ClusterReadState, AMarkerSetOnOneNodeReachesTheUsersConnectionsOnTheOtherAndNobodyElses) {
    TwoNodes nodes(GetParam());
    auto ann = signed_up(nodes.a->port(), "ann");
    auto bob = signed_up(nodes.b->port(), "bob");
    ASSERT_EQ(request(*ann, {{"type", "join"}, {"channel", "room"}})["type"], "joined");
    ASSERT_EQ(request(*bob, {{"type", "join"}, {"channel", "room"}})["type"], "joined");
    for (auto text : {"one", "two", "three"}) say(*bob, "room", text);

    std::unique_ptr<Client> ann_on_b;
    auto welcome = welcome_on(nodes.b->port(), "ann", ann_on_b);
    ASSERT_EQ(welcome["channels"],
              json::parse(R"([{"channel":"room","last_seq":3,"read_seq":0,"unread":3,
                               "mentions":0}])"));

    EXPECT_EQ(mark_read(*ann, "room", 2, false)["type"], "ok");
    json read{{"type", "read"}, {"channel", "room"}, {"seq", 2}};
    EXPECT_EQ(ann_on_b->next_of_type("read"), read);
    EXPECT_EQ(ann->next_of_type("read"), read);
    // Behind the marker: ok, and nobody hears of it.
    EXPECT_EQ(mark_read(*ann_on_b, "room", 1, false)["type"], "ok");
    EXPECT_EQ(code_of(mark_read(*ann_on_b, "room", 4, false)), "bad_request");
    EXPECT_EQ(code_of(mark_read(*ann_on_b, "elsewhere", 1, false)), "not_member");
    EXPECT_EQ(mark_read(*ann_on_b, "room", 3, false)["type"], "ok");
    EXPECT_EQ(ann->next_of_type("read")["seq"], 3);
    EXPECT_EQ(ann_on_b->next_of_type("read")["seq"], 3);
    // Only the moves were told; bob shares the channel, not ann's markers.
    EXPECT_TRUE(hears_no_read(*ann, 300ms));
    EXPECT_TRUE(hears_no_read(*bob, 300ms));
}

TEST_P(ClusterReadState, DmsToAnOfflineAccountThroughOneNodeWaitForItsLoginOnTheOther) {
    TwoNodes nodes(GetParam());
    signed_up(nodes.b->port(), "bob").reset();  // an account, offline from now on
    auto ann = signed_up(nodes.a->port(), "ann");
    for (int i = 1; i <= 3; ++i) {
        auto ok = request(*ann, {{"type", "dm"},
                                 {"to", "bob"},
                                 {"text", "note " + std::to_string(i)},
                                 {"key", "k" + std::to_string(i)}});
        ASSERT_EQ(ok["type"], "ok") << ok;
        EXPECT_EQ(ok["seq"], i);
        EXPECT_EQ(ok["waiting"], true) << "bob is connected to no node";
    }
    // A resend answers the first send's seq, and stores nothing.
    auto again = request(*ann, {{"type", "dm"}, {"to", "bob"}, {"text", "note 2"}, {"key", "k2"}});
    EXPECT_EQ(again["seq"], 2);
    EXPECT_EQ(code_of(request(*ann, {{"type", "dm"}, {"to", "nobody"}, {"text", "?"}})),
              "no_such_user");

    std::unique_ptr<Client> bob;
    auto welcome = welcome_on(nodes.b->port(), "bob", bob);
    EXPECT_FALSE(welcome.contains("dms"));
    ASSERT_EQ(welcome["conversations"].size(), 1u) << welcome;
    auto conversation = welcome["conversations"][0];
    EXPECT_EQ(conversation["with"], "ann");
    EXPECT_EQ(conversation["last_seq"], 3);
    EXPECT_EQ(conversation["read_seq"], 0);
    EXPECT_EQ(conversation["unread"], 3);
    auto history = request(*bob, {{"type", "history"}, {"with", "ann"}});
    ASSERT_EQ(history["messages"].size(), 3u) << history;
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(history["messages"][i]["seq"], i + 1);
        EXPECT_EQ(history["messages"][i]["text"], "note " + std::to_string(i + 1));
        EXPECT_EQ(history["messages"][i]["from"], "ann");
    }
    // A third account, on either node, reads none of it and cannot move its marker.
    for (auto* node : {nodes.a.get(), nodes.b.get()}) {
        auto carl = signed_up(node->port(), node == nodes.a.get() ? "carl" : "dave");
        EXPECT_EQ(request(*carl, {{"type", "history"}, {"with", "ann"}})["messages"],
                  json::array());
        EXPECT_EQ(request(*carl, {{"type", "history"}, {"with", "bob"}})["messages"],
                  json::array());
        EXPECT_EQ(code_of(request(*carl, {{"type", "mark_read"}, {"with", "ann"}, {"seq", 1}})),
                  "no_such_user");
    }
    // Read through B; ann's connection on A hears nothing of bob's marker.
    EXPECT_EQ(mark_read(*bob, "ann", 2, true)["type"], "ok");
    EXPECT_EQ(bob->next_of_type("read"), (json{{"type", "read"}, {"with", "ann"}, {"seq", 2}}));
    EXPECT_TRUE(hears_no_read(*ann, 500ms));
    EXPECT_EQ(code_of(mark_read(*bob, "carl", 1, true)), "no_such_user");
    std::unique_ptr<Client> bob_again;
    EXPECT_EQ(welcome_on(nodes.a->port(), "bob", bob_again)["conversations"][0]["unread"], 1);
}

TEST_P(ClusterReadState, WelcomeFiguresAreExactWhicheverNodeStoredTheMessages) {
    TwoNodes nodes(GetParam());
    auto bob = signed_up(nodes.b->port(), "bob");
    request(*bob, {{"type", "join"}, {"channel", "room"}});
    say(*bob, "room", "before ann");    // 1
    say(*bob, "room", "@ann not yet");  // 2: before she joined, neither unread nor a mention
    auto ann = signed_up(nodes.a->port(), "ann");
    request(*ann, {{"type", "join"}, {"channel", "room"}});
    say(*bob, "room", "hi @Ann");                // 3: unread, a mention
    say(*bob, "room", "x");                      // 4: unread
    say(*ann, "room", "mine, @ann");             // 5: her own
    auto gone = say(*bob, "room", "@ann oops");  // 6: deleted
    ASSERT_EQ(request(*bob, {{"type", "delete"}, {"channel", "room"}, {"seq", gone}})["type"],
              "ok");                                // 7
    say(*bob, "room", "write to ann@example.org");  // 8: unread, no mention
    ann.reset();

    std::unique_ptr<Client> again;
    auto welcome = welcome_on(nodes.b->port(), "ann", again);
    EXPECT_EQ(welcome["channels"],
              json::parse(R"([{"channel":"room","last_seq":8,"read_seq":2,"unread":3,
                               "mentions":1}])"));
    EXPECT_EQ(mark_read(*again, "room", 4, false)["type"], "ok");
    again.reset();
    welcome = welcome_on(nodes.a->port(), "ann", again);
    EXPECT_EQ(welcome["channels"],
              json::parse(R"([{"channel":"room","last_seq":8,"read_seq":4,"unread":1,
                               "mentions":0}])"));
}

TEST_P(ClusterReadState, MembershipSurvivesReconnectingToTheOtherNodeAndLeaveRemoves) {
    TwoNodes nodes(GetParam());
    auto ann = signed_up(nodes.a->port(), "ann");
    for (auto channel : {"c1", "c2", "c3"})
        ASSERT_EQ(request(*ann, {{"type", "join"}, {"channel", channel}})["type"], "joined");
    ASSERT_EQ(request(*ann, {{"type", "leave"}, {"channel", "c2"}})["type"], "left");
    ann.reset();
    std::unique_ptr<Client> again;
    auto channels = welcome_on(nodes.b->port(), "ann", again)["channels"];
    ASSERT_EQ(channels.size(), 2u) << channels;
    EXPECT_EQ(channels[0]["channel"], "c1");
    EXPECT_EQ(channels[1]["channel"], "c3");
    // A guest keeps no channels and gets its dms as before.
    Client visitor(nodes.b->port());
    auto guest_welcome = visitor.hello("visitor");
    EXPECT_TRUE(guest_welcome.contains("dms")) << guest_welcome;
    EXPECT_FALSE(guest_welcome.contains("channels"));
    EXPECT_FALSE(guest_welcome.contains("conversations"));
}

}  // namespace
}  // namespace parley::test
