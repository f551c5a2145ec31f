// Accounts and channel authority in a cluster: two nodes sharing a real Redis (one server, or a
// Redis Cluster: redis_backend.hpp), where an account, a channel's owner, its roles, invitations
// and bans hold on every node.
#include <gtest/gtest.h>

#include "accounts_support.hpp"

namespace parley::test {
namespace {

json join(Client& client, const std::string& channel, std::optional<int> since = std::nullopt) {
    json frame{{"type", "join"}, {"channel", channel}};
    if (since) frame["since"] = *since;
    return request(client, frame);
}

// What `attempt` gives once it gives `wanted`, or its last answer after five seconds: for a
// change made through one node that reaches the other through Redis.
json eventually(const std::function<json()>& attempt, const json& wanted) {
    json answer = attempt();
    for (auto start = std::chrono::steady_clock::now();
         answer != wanted && since(start) < std::chrono::seconds(5);)
        answer = attempt();
    return answer;
}

struct TwoNodes {
    explicit TwoNodes(RedisKind kind) : redis(make_redis(kind)) {}
    std::unique_ptr<RedisBackend> redis;
    std::unique_ptr<ServerProcess> a = start_node(*redis, "alpha");
    std::unique_ptr<ServerProcess> b = start_node(*redis, "beta");
};

class ClusterAccounts : public OnRedis {};
INSTANTIATE_TEST_SUITE_P(, ClusterAccounts, both_redis_kinds(), redis_kind_name);

TEST_P(ClusterAccounts, AnAccountMadeOnOneNodeIsKnownOnTheOther) {
    TwoNodes nodes(GetParam());
    auto ann = signed_up(nodes.a->port(), "ann");
    // Stored as an Argon2id string, never as the password.
    auto hash = nodes.redis->command("HGET " + nodes.redis->home_key("account:ann") + " hash");
    EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
    EXPECT_EQ(hash.find(password_for("ann")), std::string::npos);

    auto ann_on_b = logged_in(nodes.b->port(), "ann");
    Client impostor(nodes.b->port());
    EXPECT_EQ(code_of(request(impostor, {{"type", "hello"}, {"nick", "ann"}})), "nick_registered");
    EXPECT_EQ(code_of(register_account(impostor, "ANN", "another long password")), "nick_taken");
    // A guest connected on one node holds its nick against a registration on the other.
    auto carl = guest(nodes.a->port(), "carl");
    Client late(nodes.b->port());
    EXPECT_EQ(code_of(register_account(late, "carl", password_for("carl"))), "nick_taken");

    // One signing key for the cluster: a token from one node works on the other.
    auto token = api_login(nodes.a->port(), "ann", password_for("ann"))["token"].get<std::string>();
    Client by_token(nodes.b->port());
    EXPECT_EQ(by_token.hello("ann", token)["account"], true);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // tokens count in seconds
    // The password changed on B is the one A checks.
    EXPECT_EQ(request(*ann_on_b, {{"type", "password"},
                                  {"old", password_for("ann")},
                                  {"new", "a new long password"}})["type"],
              "ok");
    Client old_password(nodes.a->port());
    EXPECT_EQ(code_of(log_in(old_password, "ann", password_for("ann"))), "unauthorized");
    Client new_password(nodes.a->port());
    EXPECT_EQ(log_in(new_password, "ann", "a new long password")["type"], "welcome");
    // The token issued before the change is refused on both nodes.
    for (auto* node : {nodes.a.get(), nodes.b.get()}) {
        Client stale(node->port());
        stale.send(json{{"type", "hello"}, {"nick", "ann"}, {"token", token}});
        EXPECT_EQ(code_of(stale.next_of_type("error")), "unauthorized");
    }
}

TEST_P(ClusterAccounts, APrivateChannelsHistoryIsRefusedOnBothNodes) {
    TwoNodes nodes(GetParam());
    auto ann = signed_up(nodes.a->port(), "ann");
    ASSERT_EQ(request(*ann, {{"type", "create"}, {"channel", "staff"}, {"private", true}})["type"],
              "joined");
    request(*ann, {{"type", "say"}, {"channel", "staff"}, {"text", "quarterly numbers"}});
    auto bob = signed_up(nodes.b->port(), "bob");
    auto bob_token = api_login(nodes.b->port(), "bob", password_for("bob"))["token"];
    for (auto* node : {nodes.a.get(), nodes.b.get()}) {
        auto visitor = guest(node->port(), "visitor" + std::to_string(node->port()));
        for (auto* reader : {visitor.get(), bob.get()}) {
            EXPECT_EQ(code_of(request(*reader, {{"type", "history"}, {"channel", "staff"}})),
                      "forbidden");
            EXPECT_EQ(code_of(join(*reader, "staff", 0)), "forbidden");
            EXPECT_EQ(code_of(request(*reader, {{"type", "who"}, {"channel", "staff"}})),
                      "forbidden");
            auto listed = request(*reader, {{"type", "channels"}});
            EXPECT_EQ(listed.dump().find("\"staff\""), std::string::npos) << listed.dump();
        }
        for (const std::string& token : {std::string(), bob_token.get<std::string>()}) {
            auto page = get_with_token(node->port(), "/api/channels/staff/messages", token);
            EXPECT_EQ(page.status, 404);
            EXPECT_EQ(page.body.find("quarterly"), std::string::npos);
        }
    }
    // Invited on A, bob joins on B and reads it there.
    EXPECT_EQ(act(*ann, "invite", "staff", "bob")["type"], "ok");
    EXPECT_EQ(bob->next_of_type("invited")["by"], "ann");
    auto joined = join(*bob, "staff", 0);
    ASSERT_EQ(joined["type"], "joined") << joined.dump();
    EXPECT_EQ(joined["history"][0]["text"], "quarterly numbers");
}

TEST_P(ClusterAccounts, AKickOrBanOnOneNodeRemovesTheMemberOnTheOther) {
    TwoNodes nodes(GetParam());
    auto ann = signed_up(nodes.a->port(), "ann");
    auto bob = signed_up(nodes.b->port(), "bob");
    ASSERT_EQ(request(*ann, {{"type", "create"}, {"channel", "team"}})["type"], "joined");
    ASSERT_EQ(join(*bob, "team")["type"], "joined");
    // Presence crosses nodes through Redis: A knows bob is in the channel once ann is told.
    ann->next_where([](const json& f) {
        return f.value("type", "") == "presence" && f["joined"] == json::array({"bob"});
    });

    EXPECT_EQ(act(*ann, "kick", "team", "bob")["type"], "ok");
    EXPECT_EQ(bob->next_of_type("kicked")["by"], "ann");
    ann->next_where([](const json& f) {
        return f.value("type", "") == "presence" && f["left"] == json::array({"bob"});
    });
    EXPECT_EQ(code_of(request(*bob, {{"type", "say"}, {"channel", "team"}, {"text", "x"}})),
              "not_member");

    ASSERT_EQ(join(*bob, "team")["type"], "joined");
    EXPECT_EQ(act(*ann, "ban", "team", "bob")["type"], "ok");
    bob->next_of_type("kicked");
    EXPECT_EQ(code_of(join(*bob, "team")), "banned");
    EXPECT_EQ(code_of(join(*logged_in(nodes.a->port(), "bob"), "team")), "banned");
    EXPECT_EQ(act(*ann, "unban", "team", "bob")["type"], "ok");
    // The unban reaches node B through Redis, a moment after ann's ok.
    EXPECT_EQ(eventually([&] { return join(*bob, "team")["type"]; }, "joined"), "joined");
}

TEST_P(ClusterAccounts, RolesTopicsAndMutesSetOnOneNodeHoldOnTheOther) {
    TwoNodes nodes(GetParam());
    auto ann = signed_up(nodes.a->port(), "ann");
    auto bob = signed_up(nodes.b->port(), "bob");
    auto carl = signed_up(nodes.a->port(), "carl");
    ASSERT_EQ(request(*ann, {{"type", "create"}, {"channel", "team"}})["type"], "joined");
    join(*bob, "team");
    join(*carl, "team");
    // B knows carl, on A, is in the channel. ann's arrival may be announced in the same window.
    bob->next_where([](const json& f) {
        if (f.value("type", "") != "presence") return false;
        for (const auto& nick : f["joined"])
            if (nick == "carl") return true;
        return false;
    });

    EXPECT_EQ(
        request(*ann,
                {{"type", "role"}, {"channel", "team"}, {"nick", "bob"}, {"role", "op"}})["type"],
        "ok");
    EXPECT_EQ(bob->next_of_type("role")["role"], "op");
    // bob, an op through node B, sets the topic and mutes carl on node A.
    EXPECT_EQ(request(*bob, {{"type", "topic"}, {"channel", "team"}, {"topic", "Ship it"}})["type"],
              "ok");
    EXPECT_EQ(carl->next_of_type("topic")["topic"], "Ship it");
    EXPECT_EQ(act(*bob, "mute", "team", "carl")["type"], "ok");
    // The mute reaches node A through Redis, a moment after bob's ok.
    auto say = [&] {
        return code_of(request(*carl, {{"type", "say"}, {"channel", "team"}, {"text", "hey"}}));
    };
    EXPECT_EQ(eventually(say, "muted"), "muted");
    // bob may not act on the owner from any node.
    EXPECT_EQ(code_of(act(*bob, "kick", "team", "ann")), "forbidden");
    auto dana = signed_up(nodes.b->port(), "dana");
    EXPECT_EQ(join(*dana, "team")["topic"], "Ship it");
}

}  // namespace
}  // namespace parley::test
