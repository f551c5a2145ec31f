#pragma once

#include <map>
#include <set>
#include <string>

namespace parley::model {

// A member's rank in a registered channel, in rising order.
enum class Role { member, op, owner };

// Who may do what in one channel, as stored. An open channel (created by its first join) has no
// owner and keeps only its topic here; a registered one (created with `create`) has an owner,
// may be private, and keeps its roles, invitations, bans and mutes. Keys are nick keys
// (model::nick_key): accounts for roles and invitations, any nick for bans and mutes.
struct ChannelAuthority {
    bool registered = false;
    std::string owner;  // account key; empty for an open channel
    bool is_private = false;
    std::string topic;
    std::map<std::string, Role> roles;  // op and member; the owner is `owner`
    std::set<std::string> invited;
    std::map<std::string, std::string> bans;  // key -> reason
    std::set<std::string> muted;
};

// Something done to a channel's members or settings, stored (where it changes anything) and then
// carried out on every node: a channel registered, a topic set, a role given, an invitation, an
// invited account taking it up, a kick, a ban, a mute.
struct AuthorityChange {
    enum class Action { create, topic, role, invite, admit, kick, ban, unban, mute, unmute };
    Action action;
    std::string target;  // the nick it is about, as its holder spells it (empty for topic)
    std::string value;   // the topic, the role ("op" or "member"), or a kick's or ban's reason
    std::string by;      // who did it
};

// What `change` does to `authority`, the same in memory as in storage: a kick from a private
// channel takes the membership with it, a ban takes the role and any invitation.
void apply(ChannelAuthority& authority, const AuthorityChange& change);
// Whether `change` changes anything stored (a kick from an open channel does not).
bool is_stored(const ChannelAuthority& authority, const AuthorityChange& change);

const char* to_string(AuthorityChange::Action action);

}  // namespace parley::model
