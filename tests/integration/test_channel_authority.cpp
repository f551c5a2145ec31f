// Channels with owners on one node: creating them, roles, topics, private channels and
// invitations, and all of it kept across a restart.
#include <gtest/gtest.h>

#include "accounts_support.hpp"

namespace parley::test {
namespace {

json create(Client& client, const std::string& channel, bool is_private,
            const std::string& topic = "") {
    json frame{{"type", "create"}, {"channel", channel}, {"private", is_private}};
    if (!topic.empty()) frame["topic"] = topic;
    return request(client, frame);
}

json join(Client& client, const std::string& channel) {
    return request(client, {{"type", "join"}, {"channel", channel}});
}

json set_role(Client& client, const std::string& channel, const std::string& nick,
              const std::string& role) {
    return request(client,
                   {{"type", "role"}, {"channel", channel}, {"nick", nick}, {"role", role}});
}

json set_topic(Client& client, const std::string& channel, const std::string& topic) {
    return request(client, {{"type", "topic"}, {"channel", channel}, {"topic", topic}});
}

TEST(ChannelAuthority, AnAccountCreatesAChannelAndJoinsItAsOwner) {
    TempDir dir;
    auto data = dir.file("parley.db");
    {
        ServerProcess server{{"--data", data}};
        auto ann = signed_up(server.port(), "ann");
        auto joined = create(*ann, "team", false, "Plans for the week");
        ASSERT_EQ(joined["type"], "joined") << joined.dump();
        EXPECT_EQ(joined["channel"], "team");
        EXPECT_EQ(joined["role"], "owner");
        EXPECT_EQ(joined["private"], false);
        EXPECT_EQ(joined["topic"], "Plans for the week");
        EXPECT_EQ(joined["registered"], true);
        EXPECT_EQ(joined["roles"], (json{{"ann", "owner"}}));
        EXPECT_EQ(joined["muted"], false);

        // Another member joins as a member and sees the same topic.
        auto bob = signed_up(server.port(), "bob");
        auto seen = join(*bob, "team");
        EXPECT_EQ(seen["role"], "member");
        EXPECT_EQ(seen["topic"], "Plans for the week");
        server.stop();
    }
    // Ownership, topic and roles are kept with the data.
    ServerProcess server{{"--data", data}};
    auto ann = logged_in(server.port(), "ann");
    auto joined = join(*ann, "team");
    EXPECT_EQ(joined["role"], "owner");
    EXPECT_EQ(joined["topic"], "Plans for the week");
    // An open channel as before: no owner, no topic, anyone joins as a member.
    auto guest_joined = join(*guest(server.port(), "visitor"), "lobby");
    EXPECT_EQ(guest_joined["role"], "member");
    EXPECT_EQ(guest_joined["private"], false);
    EXPECT_EQ(guest_joined["topic"], "");
    EXPECT_EQ(guest_joined["registered"], false);
    EXPECT_EQ(guest_joined["roles"], json::object());
}

TEST(ChannelAuthority, CreatingANameInUseOrAsAGuestIsRefused) {
    ServerProcess server;
    auto ann = signed_up(server.port(), "ann");
    ASSERT_EQ(create(*ann, "team", true)["type"], "joined");
    auto bob = signed_up(server.port(), "bob");
    EXPECT_EQ(code_of(create(*bob, "team", false)), "channel_exists");

    // An open channel that has members, or only history, exists too.
    auto visitor = guest(server.port(), "visitor");
    visitor->join("lobby");
    EXPECT_EQ(code_of(create(*bob, "lobby", false)), "channel_exists");
    request(*visitor, {{"type", "say"}, {"channel", "lobby"}, {"text", "hello"}});
    request(*visitor, {{"type", "leave"}, {"channel", "lobby"}});
    EXPECT_EQ(code_of(create(*bob, "lobby", false)), "channel_exists");

    EXPECT_EQ(code_of(create(*visitor, "guests", false)), "forbidden");
    EXPECT_EQ(code_of(create(*bob, "long", false, std::string(301, 't'))), "bad_request");
    EXPECT_EQ(code_of(create(*bob, "bad name!", false)), "channel_invalid");
    // None of the refusals created anything: the names are still free.
    EXPECT_EQ(create(*bob, "guests", false)["type"], "joined");
    EXPECT_EQ(create(*bob, "long", false, std::string(300, 't'))["type"], "joined");
}

TEST(ChannelAuthority, TheOwnerGivesRolesAndEveryMemberSeesThem) {
    Team team;
    auto& [server, ann, bob, carl] = team;

    EXPECT_EQ(set_role(*ann, "team", "BOB", "op")["type"], "ok");
    for (auto* member : {ann.get(), bob.get(), carl.get()}) {
        auto event = member->next_of_type("role");
        EXPECT_EQ(event["channel"], "team");
        EXPECT_EQ(event["nick"], "bob");  // as registered, whatever case was asked for
        EXPECT_EQ(event["role"], "op");
        EXPECT_EQ(event["by"], "ann");
    }
    // Only the owner (or an admin) gives roles; an op does not.
    EXPECT_EQ(code_of(set_role(*bob, "team", "carl", "op")), "forbidden");
    EXPECT_EQ(code_of(set_role(*carl, "team", "carl", "op")), "forbidden");
    EXPECT_EQ(code_of(set_role(*ann, "team", "ann", "member")), "forbidden");
    // Roles are for accounts.
    auto visitor = guest(server.port(), "visitor");
    join(*visitor, "team");
    EXPECT_EQ(code_of(set_role(*ann, "team", "visitor", "op")), "no_such_user");
    EXPECT_EQ(code_of(set_role(*ann, "team", "nobody", "op")), "no_such_user");
    EXPECT_EQ(code_of(set_role(*ann, "team", "bob", "owner")), "bad_request");
    // Open channels have no roles to give.
    join(*ann, "lobby");
    EXPECT_EQ(code_of(set_role(*ann, "lobby", "bob", "op")), "forbidden");

    // The role holds on the next join.
    request(*bob, {{"type", "leave"}, {"channel", "team"}});
    auto again = join(*bob, "team");
    EXPECT_EQ(again["role"], "op");
    EXPECT_EQ(again["roles"], (json{{"ann", "owner"}, {"bob", "op"}}));
    EXPECT_EQ(set_role(*ann, "team", "bob", "member")["type"], "ok");
    EXPECT_EQ(carl->next_where([](const json& f) {
        return f.value("type", "") == "role" && f.value("role", "") == "member";
    })["nick"],
              "bob");
}

TEST(ChannelAuthority, OpsSetTheTopicOfARegisteredChannelAndMembersOfAnOpenOne) {
    Team team;
    auto& [server, ann, bob, carl] = team;
    set_role(*ann, "team", "bob", "op");

    EXPECT_EQ(code_of(set_topic(*carl, "team", "mine now")), "forbidden");
    EXPECT_EQ(set_topic(*bob, "team", "Release on Friday")["type"], "ok");
    for (auto* member : {ann.get(), carl.get()}) {
        auto event = member->next_of_type("topic");
        EXPECT_EQ(event["topic"], "Release on Friday");
        EXPECT_EQ(event["by"], "bob");
    }
    EXPECT_EQ(code_of(set_topic(*bob, "team", std::string(301, 'x'))), "bad_request");
    EXPECT_EQ(set_topic(*bob, "team", std::string(300, 'x'))["type"], "ok");
    EXPECT_EQ(set_topic(*bob, "team", "")["type"], "ok");  // clearing it
    auto dana = signed_up(server.port(), "dana");
    EXPECT_EQ(join(*dana, "team")["topic"], "");

    // In an open channel any member sets it; someone outside it does not.
    auto visitor = guest(server.port(), "visitor");
    join(*visitor, "lobby");
    EXPECT_EQ(set_topic(*visitor, "lobby", "Say hi")["type"], "ok");
    EXPECT_EQ(code_of(set_topic(*dana, "lobby", "hijacked")), "forbidden");
    EXPECT_EQ(join(*dana, "lobby")["topic"], "Say hi");
}

TEST(ChannelAuthority, APrivateChannelTakesOnlyMembersAndInvitedAccounts) {
    ServerProcess server{{"--admins", "boss"}};
    auto ann = signed_up(server.port(), "ann");
    auto bob = signed_up(server.port(), "bob");
    auto carl = signed_up(server.port(), "carl");
    auto joined = create(*ann, "staff", true);
    ASSERT_EQ(joined["private"], true);

    auto visitor = guest(server.port(), "visitor");
    EXPECT_EQ(code_of(join(*visitor, "staff")), "forbidden");
    EXPECT_EQ(code_of(join(*bob, "staff")), "forbidden");

    EXPECT_EQ(act(*ann, "invite", "staff", "Bob")["type"], "ok");
    auto invited = bob->next_of_type("invited");
    EXPECT_EQ(invited["channel"], "staff");
    EXPECT_EQ(invited["by"], "ann");
    // The invitation is for bob alone, and lasts until used, on any of bob's connections.
    EXPECT_EQ(code_of(join(*carl, "staff")), "forbidden");
    auto bob_again = logged_in(server.port(), "bob");
    auto member = join(*bob_again, "staff");
    ASSERT_EQ(member["type"], "joined") << member.dump();
    EXPECT_EQ(member["role"], "member");
    EXPECT_EQ(join(*bob, "staff")["role"], "member");  // a member now, not by invitation

    // Invitations come from ops, go to accounts, and belong to private channels.
    EXPECT_EQ(code_of(act(*bob, "invite", "staff", "carl")), "forbidden");
    EXPECT_EQ(code_of(act(*ann, "invite", "staff", "visitor")), "no_such_user");
    EXPECT_EQ(create(*ann, "team", false)["type"], "joined");
    EXPECT_EQ(code_of(act(*ann, "invite", "team", "carl")), "bad_request");
    EXPECT_EQ(code_of(act(*visitor, "invite", "staff", "visitor")), "forbidden");

    // An admin goes everywhere.
    auto boss = signed_up_admin(server, "boss");
    EXPECT_EQ(join(*boss, "staff")["type"], "joined");
}

}  // namespace
}  // namespace parley::test
