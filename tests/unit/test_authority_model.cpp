// What each change does to a channel's stored authority (model::apply), and that a change applied
// twice leaves what applying it once left: in a cluster a node may get the same change again.
#include <gtest/gtest.h>

#include <vector>

#include "authority_text.hpp"
#include "model/authority.hpp"

namespace parley::model {
namespace {

using Action = AuthorityChange::Action;

// ann's private channel: olga an op, mel a member, ivy invited.
ChannelAuthority team() {
    ChannelAuthority a;
    a.registered = true;
    a.owner = "ann";
    a.is_private = true;
    a.topic = "plans";
    a.roles = {{"olga", Role::op}, {"mel", Role::member}};
    a.invited = {"ivy"};
    return a;
}

ChannelAuthority after(ChannelAuthority a, const AuthorityChange& change) {
    apply(a, change);
    return a;
}

TEST(AuthorityApply, TopicReplacesTheTopicAndMayClearIt) {
    EXPECT_EQ(after(team(), {Action::topic, "", "launch day", "olga"}).topic, "launch day");
    EXPECT_EQ(after(team(), {Action::topic, "", "", "olga"}).topic, "");
    ChannelAuthority open;
    EXPECT_EQ(after(open, {Action::topic, "", "hi", "gus"}).topic, "hi");
}

TEST(AuthorityApply, RoleGivesOrTakesOpUnderTheNicksKey) {
    auto a = after(team(), {Action::role, "Mel", "op", "ann"});
    EXPECT_EQ(a.roles.at("mel"), Role::op);
    EXPECT_EQ(a.roles.count("Mel"), 0u) << "keys ignore case";
    a = after(a, {Action::role, "OLGA", "member", "ann"});
    EXPECT_EQ(a.roles.at("olga"), Role::member);
    EXPECT_EQ(a.roles.size(), 2u);
}

TEST(AuthorityApply, InviteRecordsTheInvitation) {
    auto a = after(team(), {Action::invite, "Sam", "", "olga"});
    EXPECT_EQ(a.invited, (std::set<std::string>{"ivy", "sam"}));
    EXPECT_EQ(a.roles.count("sam"), 0u) << "invited is not yet a member";
}

TEST(AuthorityApply, AdmitMakesTheInviteeAMemberAndUsesUpTheInvitation) {
    auto a = after(team(), {Action::admit, "Ivy", "", "Ivy"});
    EXPECT_EQ(a.roles.at("ivy"), Role::member);
    EXPECT_TRUE(a.invited.empty());
}

TEST(AuthorityApply, AdmitKeepsAnExistingOpRole) {
    // An op invited again (or the admit arriving twice) must not be demoted by joining.
    auto a = team();
    a.invited.insert("olga");
    a = after(a, {Action::admit, "olga", "", "olga"});
    EXPECT_EQ(a.roles.at("olga"), Role::op);
    EXPECT_EQ(a.invited.count("olga"), 0u);
}

TEST(AuthorityApply, AKickFromAPrivateChannelTakesTheMembershipAndInvitation) {
    auto a = team();
    a.invited.insert("mel");
    a = after(a, {Action::kick, "Mel", "bye", "olga"});
    EXPECT_EQ(a.roles.count("mel"), 0u);
    EXPECT_EQ(a.invited.count("mel"), 0u);
    EXPECT_TRUE(a.bans.empty()) << "a kick is not a ban";
    EXPECT_TRUE(is_stored(team(), {Action::kick, "mel", "", "olga"}));
}

TEST(AuthorityApply, AKickFromAPublicOrOpenChannelChangesNothingStored) {
    auto club = team();
    club.is_private = false;
    AuthorityChange kick{Action::kick, "mel", "", "olga"};
    EXPECT_EQ(describe(after(club, kick)), describe(club)) << "mel stays a member of the club";
    EXPECT_FALSE(is_stored(club, kick));
    ChannelAuthority open;
    EXPECT_EQ(describe(after(open, kick)), describe(open));
    EXPECT_FALSE(is_stored(open, kick));
}

TEST(AuthorityApply, EveryOtherChangeIsStored) {
    for (auto action : {Action::create, Action::topic, Action::role, Action::invite, Action::admit,
                        Action::ban, Action::unban, Action::mute, Action::unmute}) {
        EXPECT_TRUE(is_stored(team(), {action, "mel", "", "ann"})) << to_string(action);
        EXPECT_TRUE(is_stored(ChannelAuthority{}, {action, "mel", "", "ann"})) << to_string(action);
    }
}

TEST(AuthorityApply, ABanStoresTheReasonAndTakesTheRoleAndInvitation) {
    auto a = after(team(), {Action::ban, "Olga", "spam", "ann"});
    EXPECT_EQ(a.bans.at("olga"), "spam");
    EXPECT_EQ(a.roles.count("olga"), 0u) << "a ban ends op status";
    a = after(a, {Action::ban, "ivy", "", "ann"});
    EXPECT_EQ(a.invited.count("ivy"), 0u);
    EXPECT_EQ(a.bans.at("ivy"), "");
    // A ban in an open channel holds for any nick, too.
    EXPECT_EQ(after(ChannelAuthority{}, {Action::ban, "Gus", "flood", "root"}).bans.at("gus"),
              "flood");
}

TEST(AuthorityApply, UnbanLiftsTheBanWithoutGivingBackTheRole) {
    auto a = after(team(), {Action::ban, "olga", "spam", "ann"});
    a = after(a, {Action::unban, "OLGA", "", "ann"});
    EXPECT_TRUE(a.bans.empty());
    EXPECT_EQ(a.roles.count("olga"), 0u) << "she has to be invited again";
}

TEST(AuthorityApply, MuteAndUnmute) {
    auto a = after(team(), {Action::mute, "Mel", "", "olga"});
    EXPECT_EQ(a.muted, (std::set<std::string>{"mel"}));
    EXPECT_EQ(a.roles.at("mel"), Role::member) << "muted, still a member";
    a = after(a, {Action::unmute, "mel", "", "olga"});
    EXPECT_TRUE(a.muted.empty());
}

TEST(AuthorityApply, CreateLeavesTheAuthorityToTheDirectory) {
    EXPECT_EQ(describe(after(team(), {Action::create, "", "", "ann"})), describe(team()));
}

TEST(AuthorityApply, ApplyingAChangeTwiceLeavesWhatApplyingItOnceLeft) {
    auto start = team();
    start.bans = {{"bart", "spam"}};
    start.muted = {"mo"};
    const std::vector<AuthorityChange> changes{
        {Action::create, "", "", "ann"},      {Action::topic, "", "new topic", "olga"},
        {Action::role, "mel", "op", "ann"},   {Action::role, "olga", "member", "ann"},
        {Action::invite, "sam", "", "olga"},  {Action::admit, "ivy", "", "ivy"},
        {Action::admit, "olga", "", "olga"},  {Action::kick, "mel", "go", "olga"},
        {Action::ban, "mel", "again", "ann"}, {Action::unban, "bart", "", "ann"},
        {Action::mute, "mel", "", "olga"},    {Action::unmute, "mo", "", "olga"},
    };
    for (bool is_private : {true, false}) {
        start.is_private = is_private;
        for (const auto& change : changes) {
            auto once = after(start, change);
            EXPECT_EQ(describe(after(once, change)), describe(once))
                << to_string(change.action) << (is_private ? " (private)" : " (public)");
        }
        // And a whole sequence delivered twice over ends where it ended the first time.
        auto once = start;
        for (const auto& change : changes) apply(once, change);
        auto twice = once;
        for (const auto& change : changes) apply(twice, change);
        EXPECT_EQ(describe(twice), describe(once));
    }
}

}  // namespace
}  // namespace parley::model
