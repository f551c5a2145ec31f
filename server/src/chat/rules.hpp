#pragma once

#include <string>

#include "chat/participant.hpp"
#include "model/authority.hpp"

namespace parley::chat {

// Who may do what in a channel, as pure functions of its stored authority: the hub's parts ask
// these, and the rules have tests of their own.

// A user's standing in one channel, in rising order. Admins (--admins) outrank everyone
// everywhere; in a registered channel the owner and the ops have their role, and the members
// of a private channel theirs; everyone else is `none` (in an open channel, everyone).
enum class Rank { none, member, op, owner, admin };

struct Identity {
    std::string key;  // the nick's key
    bool account = false;
    bool admin = false;
};

// Who a connection is, for these rules.
Identity identity_of(Participant& p);

Rank rank_in(const model::ChannelAuthority& channel, const Identity& who);
// The role `joined` reports: owner, op or member.
model::Role role_shown(const model::ChannelAuthority& channel, const Identity& who);

enum class JoinVerdict { allowed, invited, banned, forbidden };
// Banned nicks may not join; a private channel takes its members, invited accounts and admins.
JoinVerdict may_join(const model::ChannelAuthority& channel, const Identity& who);
// A private channel's history, member list and existence are for its members (and admins).
bool may_read(const model::ChannelAuthority& channel, const Identity& who);
// Ops and above in a registered channel; any member of an open one (`joined`: is in it now).
bool may_set_topic(const model::ChannelAuthority& channel, const Identity& who, bool joined);
// The owner or an admin, in a registered channel.
bool may_set_role(const model::ChannelAuthority& channel, const Identity& who);
// Ops and above, in a private channel.
bool may_invite(const model::ChannelAuthority& channel, const Identity& who);
// Kick, ban, mute and their undoing: ops and above in a registered channel, over those below
// them (an op cannot act on the owner, another op or an admin); in an open channel admins only.
bool may_sanction(const model::ChannelAuthority& channel, const Identity& actor,
                  const Identity& target);
bool is_muted(const model::ChannelAuthority& channel, const Identity& who);

}  // namespace parley::chat
