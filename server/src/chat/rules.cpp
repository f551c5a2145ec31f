#include "chat/rules.hpp"

namespace parley::chat {

Identity identity_of(Participant& p) {
    auto& state = HubAccess::state(p);
    auto standing = state.standing();
    return {state.key(), standing.account, standing.admin};
}

Rank rank_in(const model::ChannelAuthority& channel, const Identity& who) {
    if (who.admin) return Rank::admin;
    if (!channel.registered || !who.account) return Rank::none;
    if (who.key == channel.owner) return Rank::owner;
    auto role = channel.roles.find(who.key);
    if (role == channel.roles.end()) return Rank::none;
    return role->second == model::Role::op ? Rank::op : Rank::member;
}

model::Role role_shown(const model::ChannelAuthority& channel, const Identity& who) {
    if (channel.registered && who.account && who.key == channel.owner) return model::Role::owner;
    auto role = channel.roles.find(who.key);
    if (who.account && role != channel.roles.end()) return role->second;
    return model::Role::member;
}

JoinVerdict may_join(const model::ChannelAuthority& channel, const Identity& who) {
    if (who.admin) return JoinVerdict::allowed;
    if (channel.bans.count(who.key)) return JoinVerdict::banned;
    if (!channel.is_private || rank_in(channel, who) >= Rank::member) return JoinVerdict::allowed;
    if (who.account && channel.invited.count(who.key)) return JoinVerdict::invited;
    return JoinVerdict::forbidden;
}

bool may_read(const model::ChannelAuthority& channel, const Identity& who) {
    return !channel.is_private || rank_in(channel, who) >= Rank::member;
}

bool may_set_topic(const model::ChannelAuthority& channel, const Identity& who, bool joined) {
    if (!channel.registered) return joined || who.admin;
    return rank_in(channel, who) >= Rank::op;
}

bool may_set_role(const model::ChannelAuthority& channel, const Identity& who) {
    return channel.registered && rank_in(channel, who) >= Rank::owner;
}

bool may_invite(const model::ChannelAuthority& channel, const Identity& who) {
    return channel.is_private && rank_in(channel, who) >= Rank::op;
}

bool may_sanction(const model::ChannelAuthority& channel, const Identity& actor,
                  const Identity& target) {
    auto acting = rank_in(channel, actor);
    auto against = rank_in(channel, target);
    if (against == Rank::admin) return false;
    if (acting == Rank::admin) return true;
    if (!channel.registered || acting < Rank::op) return false;
    return against < acting;  // the owner over ops; an op over members and everyone else
}

bool is_muted(const model::ChannelAuthority& channel, const Identity& who) {
    return !who.admin && channel.muted.count(who.key) > 0;
}

}  // namespace parley::chat
