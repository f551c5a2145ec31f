// Who may do what in a channel: the rules the hub asks before every join, read, topic, role,
// invitation and sanction, on the channel's stored authority.
#include <gtest/gtest.h>

#include <vector>

#include "chat/rules.hpp"

namespace parley::chat {
namespace {

using model::ChannelAuthority;
using model::Role;

// People, as the hub sees them. Keys are nick keys (lower case).
const Identity admin{"root", true, true};
const Identity owner{"ann", true, false};
const Identity op{"olga", true, false};
const Identity other_op{"otto", true, false};
const Identity member{"mel", true, false};
const Identity invitee{"ivy", true, false};
const Identity stranger{"sam", true, false};
const Identity guest{"gus", false, false};

// A private channel created by ann: olga and otto are ops, mel a member, ivy invited, bart banned,
// mo muted.
ChannelAuthority private_team() {
    ChannelAuthority team;
    team.registered = true;
    team.owner = "ann";
    team.is_private = true;
    team.roles = {{"olga", Role::op}, {"otto", Role::op}, {"mel", Role::member}};
    team.invited = {"ivy"};
    team.bans = {{"bart", "spam"}};
    team.muted = {"mo"};
    return team;
}

// The same, but anyone may join.
ChannelAuthority public_club() {
    auto club = private_team();
    club.is_private = false;
    return club;
}

// A channel made by its first join: no owner, no roles.
ChannelAuthority open_lobby() {
    ChannelAuthority lobby;
    lobby.topic = "welcome";
    return lobby;
}

TEST(Rank, ARegisteredChannelRanksByItsStoredRoles) {
    auto team = private_team();
    EXPECT_EQ(rank_in(team, admin), Rank::admin);
    EXPECT_EQ(rank_in(team, owner), Rank::owner);
    EXPECT_EQ(rank_in(team, op), Rank::op);
    EXPECT_EQ(rank_in(team, member), Rank::member);
    EXPECT_EQ(rank_in(team, invitee), Rank::none) << "invited is not yet a member";
    EXPECT_EQ(rank_in(team, stranger), Rank::none);
    EXPECT_EQ(rank_in(team, guest), Rank::none);
}

TEST(Rank, InAnOpenChannelOnlyAdminsStandOut) {
    auto lobby = open_lobby();
    EXPECT_EQ(rank_in(lobby, admin), Rank::admin);
    for (const auto& who : {owner, op, member, stranger, guest})
        EXPECT_EQ(rank_in(lobby, who), Rank::none) << who.key;
}

TEST(Rank, AGuestUnderARankedNickHasNoRank) {
    // Roles belong to accounts: a connection without one never gets them, whatever its nick.
    auto team = private_team();
    EXPECT_EQ(rank_in(team, Identity{"ann", false, false}), Rank::none);
    EXPECT_EQ(rank_in(team, Identity{"olga", false, false}), Rank::none);
    EXPECT_EQ(role_shown(team, Identity{"olga", false, false}), Role::member);
}

TEST(RoleShown, JoinedReportsOwnerOpOrMember) {
    auto team = private_team();
    EXPECT_EQ(role_shown(team, owner), Role::owner);
    EXPECT_EQ(role_shown(team, op), Role::op);
    EXPECT_EQ(role_shown(team, member), Role::member);
    EXPECT_EQ(role_shown(team, admin), Role::member) << "an admin without a role here";
    EXPECT_EQ(role_shown(team, stranger), Role::member);
    EXPECT_EQ(role_shown(open_lobby(), stranger), Role::member);
}

TEST(MayJoin, APrivateChannelTakesItsMembersInviteesAndAdmins) {
    auto team = private_team();
    EXPECT_EQ(may_join(team, owner), JoinVerdict::allowed);
    EXPECT_EQ(may_join(team, op), JoinVerdict::allowed);
    EXPECT_EQ(may_join(team, member), JoinVerdict::allowed);
    EXPECT_EQ(may_join(team, admin), JoinVerdict::allowed);
    EXPECT_EQ(may_join(team, invitee), JoinVerdict::invited);
    EXPECT_EQ(may_join(team, stranger), JoinVerdict::forbidden);
    EXPECT_EQ(may_join(team, guest), JoinVerdict::forbidden);
    // An invitation is for the account, not for a guest who takes its nick.
    EXPECT_EQ(may_join(team, Identity{"ivy", false, false}), JoinVerdict::forbidden);
}

TEST(MayJoin, ABannedNickIsKeptOutOfEveryKindOfChannel) {
    auto banned_account = Identity{"bart", true, false};
    auto banned_guest = Identity{"bart", false, false};
    auto lobby = open_lobby();
    lobby.bans = {{"bart", ""}};
    for (const auto& channel : {private_team(), public_club(), lobby}) {
        EXPECT_EQ(may_join(channel, banned_account), JoinVerdict::banned);
        EXPECT_EQ(may_join(channel, banned_guest), JoinVerdict::banned);
    }
    // A ban outweighs an invitation.
    auto team = private_team();
    team.invited.insert("bart");
    EXPECT_EQ(may_join(team, banned_account), JoinVerdict::banned);
    // Admins are never kept out.
    EXPECT_EQ(may_join(team, Identity{"bart", true, true}), JoinVerdict::allowed);
}

TEST(MayJoin, PublicAndOpenChannelsTakeAnyone) {
    for (const auto& channel : {public_club(), open_lobby()})
        for (const auto& who : {owner, member, invitee, stranger, guest, admin})
            EXPECT_EQ(may_join(channel, who), JoinVerdict::allowed) << who.key;
}

TEST(MayRead, APrivateChannelIsReadOnlyByItsMembersAndAdmins) {
    auto team = private_team();
    EXPECT_TRUE(may_read(team, owner));
    EXPECT_TRUE(may_read(team, op));
    EXPECT_TRUE(may_read(team, member));
    EXPECT_TRUE(may_read(team, admin));
    EXPECT_FALSE(may_read(team, invitee)) << "until the invitation is taken up";
    EXPECT_FALSE(may_read(team, stranger));
    EXPECT_FALSE(may_read(team, guest));
    EXPECT_FALSE(may_read(team, Identity{"mel", false, false})) << "a guest under a member's nick";
    for (const auto& channel : {public_club(), open_lobby()}) {
        EXPECT_TRUE(may_read(channel, stranger));
        EXPECT_TRUE(may_read(channel, guest));
    }
}

TEST(MaySetTopic, OpsAndAboveInARegisteredChannel) {
    for (const auto& channel : {private_team(), public_club()}) {
        EXPECT_TRUE(may_set_topic(channel, owner, true));
        EXPECT_TRUE(may_set_topic(channel, op, true));
        EXPECT_TRUE(may_set_topic(channel, admin, false));
        EXPECT_FALSE(may_set_topic(channel, member, true));
        EXPECT_FALSE(may_set_topic(channel, stranger, true)) << "joined is not enough";
        EXPECT_FALSE(may_set_topic(channel, guest, true));
    }
}

TEST(MaySetTopic, AnyoneInAnOpenChannelButOnlyFromInside) {
    auto lobby = open_lobby();
    EXPECT_TRUE(may_set_topic(lobby, guest, true));
    EXPECT_TRUE(may_set_topic(lobby, stranger, true));
    EXPECT_FALSE(may_set_topic(lobby, guest, false));
    EXPECT_FALSE(may_set_topic(lobby, stranger, false));
    EXPECT_TRUE(may_set_topic(lobby, admin, false));
}

TEST(MaySetRole, OnlyTheOwnerOrAnAdminInARegisteredChannel) {
    for (const auto& channel : {private_team(), public_club()}) {
        EXPECT_TRUE(may_set_role(channel, owner));
        EXPECT_TRUE(may_set_role(channel, admin));
        EXPECT_FALSE(may_set_role(channel, op));
        EXPECT_FALSE(may_set_role(channel, member));
        EXPECT_FALSE(may_set_role(channel, stranger));
    }
    // An open channel has no roles to give, not even by an admin.
    EXPECT_FALSE(may_set_role(open_lobby(), admin));
    EXPECT_FALSE(may_set_role(open_lobby(), stranger));
}

TEST(MayInvite, OpsAndAboveInAPrivateChannelOnly) {
    auto team = private_team();
    EXPECT_TRUE(may_invite(team, owner));
    EXPECT_TRUE(may_invite(team, op));
    EXPECT_TRUE(may_invite(team, admin));
    EXPECT_FALSE(may_invite(team, member));
    EXPECT_FALSE(may_invite(team, stranger));
    for (const auto& channel : {public_club(), open_lobby()}) {
        EXPECT_FALSE(may_invite(channel, owner));
        EXPECT_FALSE(may_invite(channel, admin));
    }
}

TEST(MaySanction, TheRankTableInARegisteredChannel) {
    // Targets as the hub names them: by nick, as accounts, admins marked.
    const Identity other_admin{"boss", true, true};
    const Identity target_guest{"gus", true, false};
    const std::vector<Identity> targets{other_admin, owner,   op,          other_op,
                                        member,      invitee, target_guest};
    struct Row {
        Identity actor;
        std::vector<bool> may;  // for each of `targets`, in order
    };
    const std::vector<Row> table{
        // admin > owner > op > member; nobody on their own rank or above; nobody on an admin.
        {admin, {false, true, true, true, true, true, true}},
        {owner, {false, false, true, true, true, true, true}},
        {op, {false, false, false, false, true, true, true}},
        {member, {false, false, false, false, false, false, false}},
        {stranger, {false, false, false, false, false, false, false}},
        {guest, {false, false, false, false, false, false, false}},
    };
    for (const auto& channel : {private_team(), public_club()})
        for (const auto& row : table)
            for (std::size_t i = 0; i < targets.size(); ++i)
                EXPECT_EQ(may_sanction(channel, row.actor, targets[i]), row.may[i])
                    << row.actor.key << " on " << targets[i].key
                    << (channel.is_private ? " (private)" : " (public)");
}

TEST(MaySanction, NobodyActsOnThemselves) {
    auto team = private_team();
    EXPECT_FALSE(may_sanction(team, owner, owner));
    EXPECT_FALSE(may_sanction(team, op, op));
    EXPECT_FALSE(may_sanction(team, admin, admin));
}

TEST(MaySanction, OpenChannelsAreModeratedByAdminsOnly) {
    auto lobby = open_lobby();
    const Identity other_admin{"boss", true, true};
    EXPECT_TRUE(may_sanction(lobby, admin, stranger));
    EXPECT_TRUE(may_sanction(lobby, admin, Identity{"gus", true, false}));
    EXPECT_FALSE(may_sanction(lobby, admin, other_admin));
    // Being in the channel, or owning another one, gives nothing here.
    for (const auto& actor : {owner, op, member, stranger, guest})
        EXPECT_FALSE(may_sanction(lobby, actor, Identity{"gus", true, false})) << actor.key;
}

TEST(IsMuted, AMutedNickIsMutedWhetherAccountOrGuestButNeverAnAdmin) {
    auto team = private_team();
    EXPECT_TRUE(is_muted(team, Identity{"mo", true, false}));
    EXPECT_TRUE(is_muted(team, Identity{"mo", false, false}));
    EXPECT_FALSE(is_muted(team, Identity{"mo", true, true}));
    EXPECT_FALSE(is_muted(team, member));
    EXPECT_FALSE(is_muted(team, owner));
    auto lobby = open_lobby();
    lobby.muted = {"gus"};
    EXPECT_TRUE(is_muted(lobby, guest));
}

}  // namespace
}  // namespace parley::chat
