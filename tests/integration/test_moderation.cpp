// Moderation on one node: kick, ban and unban, mute and unmute; who outranks whom; open
// channels moderated by admins only; every action logged without its text.
#include <gtest/gtest.h>

#include "accounts_support.hpp"

namespace parley::test {
namespace {

json join(Client& client, const std::string& channel) {
    return request(client, {{"type", "join"}, {"channel", channel}});
}

json say(Client& client, const std::string& channel, const std::string& text) {
    return request(client, {{"type", "say"}, {"channel", channel}, {"text", text}});
}

json with_reason(Client& client, const std::string& type, const std::string& channel,
                 const std::string& nick, const std::string& reason) {
    return request(client,
                   {{"type", type}, {"channel", channel}, {"nick", nick}, {"reason", reason}});
}

TEST(Moderation, AKickedMemberLeavesAndTheOthersSeeIt) {
    Team team;
    EXPECT_EQ(with_reason(*team.ann, "kick", "team", "Bob", "off topic")["type"], "ok");
    auto kicked = team.bob->next_of_type("kicked");
    EXPECT_EQ(kicked["channel"], "team");
    EXPECT_EQ(kicked["by"], "ann");
    EXPECT_EQ(kicked["reason"], "off topic");
    EXPECT_EQ(kicked["ban"], false);
    auto presence = team.carl->next_where(
        [](const json& f) { return f.value("type", "") == "presence" && !f["left"].empty(); });
    EXPECT_EQ(presence["left"], json::array({"bob"}));
    EXPECT_EQ(code_of(say(*team.bob, "team", "still here?")), "not_member");
    // Every connection of bob's leaves, and a kick from an open-to-all channel is not a ban.
    EXPECT_EQ(join(*team.bob, "team")["type"], "joined");
    EXPECT_EQ(say(*team.bob, "team", "back")["type"], "ok");
    EXPECT_EQ(code_of(act(*team.ann, "kick", "team", "dana")), "no_such_user");
}

TEST(Moderation, AKickFromAPrivateChannelTakesTheMembershipToo) {
    Team team({}, true);
    EXPECT_EQ(act(*team.ann, "kick", "team", "bob")["type"], "ok");
    team.bob->next_of_type("kicked");
    EXPECT_EQ(code_of(join(*team.bob, "team")), "forbidden");
    EXPECT_EQ(act(*team.ann, "invite", "team", "bob")["type"], "ok");
    EXPECT_EQ(join(*team.bob, "team")["role"], "member");
}

TEST(Moderation, ABannedAccountCannotComeBackUntilUnbanned) {
    Team team;
    EXPECT_EQ(with_reason(*team.ann, "ban", "team", "bob", "spam")["type"], "ok");
    auto kicked = team.bob->next_of_type("kicked");
    EXPECT_EQ(kicked["reason"], "spam");
    EXPECT_EQ(kicked["ban"], true);
    EXPECT_EQ(code_of(join(*team.bob, "team")), "banned");
    EXPECT_EQ(code_of(join(*logged_in(team.server.port(), "bob"), "team")), "banned");

    // A ban may be for an account that is not connected now.
    auto dana = signed_up(team.server.port(), "dana");
    dana.reset();
    EXPECT_EQ(act(*team.ann, "ban", "team", "dana")["type"], "ok");
    EXPECT_EQ(code_of(join(*logged_in(team.server.port(), "dana"), "team")), "banned");
    EXPECT_EQ(code_of(act(*team.ann, "ban", "team", "nobody")), "no_such_user");

    EXPECT_EQ(act(*team.ann, "unban", "team", "bob")["type"], "ok");
    EXPECT_EQ(join(*team.bob, "team")["type"], "joined");
    EXPECT_EQ(code_of(act(*team.ann, "unban", "team", "bob")), "no_such_user");
}

TEST(Moderation, AMutedMemberCannotSpeakOrTypeUntilUnmuted) {
    Team team;
    EXPECT_EQ(act(*team.ann, "mute", "team", "bob")["type"], "ok");
    EXPECT_EQ(code_of(say(*team.bob, "team", "hello?")), "muted");
    EXPECT_EQ(code_of(request(*team.bob, {{"type", "typing"}, {"channel", "team"}})), "muted");
    // bob still reads, and the others still speak.
    EXPECT_EQ(say(*team.carl, "team", "carl speaks")["type"], "ok");
    EXPECT_EQ(team.bob->next_of_type("message")["text"], "carl speaks");
    // A mute holds on another connection and after leaving and joining again.
    auto bob_again = logged_in(team.server.port(), "bob");
    EXPECT_EQ(join(*bob_again, "team")["muted"], true);
    EXPECT_EQ(code_of(say(*bob_again, "team", "around the mute")), "muted");

    EXPECT_EQ(act(*team.ann, "unmute", "team", "bob")["type"], "ok");
    EXPECT_EQ(say(*team.bob, "team", "thanks")["type"], "ok");
    EXPECT_EQ(code_of(act(*team.ann, "unmute", "team", "bob")), "no_such_user");
    EXPECT_EQ(code_of(act(*team.ann, "mute", "team", "dana")), "no_such_user");
}

TEST(Moderation, OpsActOnMembersButNotOnTheOwnerOtherOpsOrAdmins) {
    Team team({"--admins", "boss"});
    auto dana = signed_up(team.server.port(), "dana");
    auto boss = signed_up_admin(team.server, "boss");
    join(*dana, "team");
    join(*boss, "team");
    request(*team.ann, {{"type", "role"}, {"channel", "team"}, {"nick", "bob"}, {"role", "op"}});
    request(*team.ann, {{"type", "role"}, {"channel", "team"}, {"nick", "dana"}, {"role", "op"}});

    EXPECT_EQ(code_of(act(*team.carl, "kick", "team", "dana")), "forbidden");  // a member
    EXPECT_EQ(code_of(act(*team.bob, "kick", "team", "ann")), "forbidden");    // the owner
    EXPECT_EQ(code_of(act(*team.bob, "mute", "team", "dana")), "forbidden");   // another op
    EXPECT_EQ(code_of(act(*team.bob, "ban", "team", "boss")), "forbidden");    // an admin
    EXPECT_EQ(code_of(act(*team.ann, "kick", "team", "boss")), "forbidden");
    EXPECT_EQ(act(*team.bob, "mute", "team", "carl")["type"], "ok");  // an op over a member
    EXPECT_EQ(act(*team.ann, "kick", "team", "dana")["type"], "ok");  // the owner over an op
    EXPECT_EQ(act(*boss, "ban", "team", "ann")["type"], "ok");        // an admin over all
    EXPECT_EQ(code_of(join(*team.ann, "team")), "banned");
}

TEST(Moderation, OnlyAdminsModerateOpenChannels) {
    ServerProcess server{{"--admins", "boss"}};
    auto ann = signed_up(server.port(), "ann");
    auto boss = signed_up_admin(server, "boss");
    auto troll = guest(server.port(), "troll");
    for (auto* client : {ann.get(), boss.get(), troll.get()}) join(*client, "lobby");

    EXPECT_EQ(code_of(act(*ann, "kick", "lobby", "troll")), "forbidden");
    EXPECT_EQ(code_of(act(*troll, "kick", "lobby", "ann")), "forbidden");
    EXPECT_EQ(act(*boss, "mute", "lobby", "troll")["type"], "ok");
    EXPECT_EQ(code_of(say(*troll, "lobby", "spam")), "muted");
    EXPECT_EQ(act(*boss, "ban", "lobby", "troll")["type"], "ok");
    EXPECT_EQ(troll->next_of_type("kicked")["by"], "boss");
    EXPECT_EQ(code_of(join(*troll, "lobby")), "banned");
}

TEST(Moderation, EveryActionIsLoggedWithoutItsText) {
    Team team;
    with_reason(*team.ann, "kick", "team", "bob", "a private reason");
    request(*team.ann, {{"type", "topic"}, {"channel", "team"}, {"topic", "a secret topic"}});
    act(*team.ann, "mute", "team", "carl");
    EXPECT_TRUE(team.server.wait_for_log("authority: ann kick bob in team"));
    EXPECT_TRUE(team.server.wait_for_log("authority: ann mute carl in team"));
    EXPECT_TRUE(team.server.wait_for_log("authority: ann topic - in team"));
    auto logs = team.server.logs();
    EXPECT_EQ(logs.find("a private reason"), std::string::npos);
    EXPECT_EQ(logs.find("a secret topic"), std::string::npos);
}

}  // namespace
}  // namespace parley::test
