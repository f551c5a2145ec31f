#include "model/authority.hpp"

#include "model/message.hpp"

namespace parley::model {

void apply(ChannelAuthority& authority, const AuthorityChange& change) {
    using Action = AuthorityChange::Action;
    auto key = nick_key(change.target);
    switch (change.action) {
        case Action::create:  // stored by Directory::create_channel; nodes read it afresh
            break;
        case Action::topic:
            authority.topic = change.value;
            break;
        case Action::role:
            authority.roles[key] = change.value == "op" ? Role::op : Role::member;
            break;
        case Action::invite:
            authority.invited.insert(key);
            break;
        case Action::admit:
            authority.invited.erase(key);
            authority.roles.try_emplace(key, Role::member);
            break;
        case Action::kick:
            if (authority.is_private) {
                authority.roles.erase(key);
                authority.invited.erase(key);
            }
            break;
        case Action::ban:
            authority.bans[key] = change.value;
            authority.roles.erase(key);
            authority.invited.erase(key);
            break;
        case Action::unban:
            authority.bans.erase(key);
            break;
        case Action::mute:
            authority.muted.insert(key);
            break;
        case Action::unmute:
            authority.muted.erase(key);
            break;
    }
}

bool is_stored(const ChannelAuthority& authority, const AuthorityChange& change) {
    return change.action != AuthorityChange::Action::kick || authority.is_private;
}

const char* to_string(AuthorityChange::Action action) {
    using Action = AuthorityChange::Action;
    switch (action) {
        case Action::create:
            return "create";
        case Action::topic:
            return "topic";
        case Action::role:
            return "role";
        case Action::invite:
            return "invite";
        case Action::admit:
            return "admit";
        case Action::kick:
            return "kick";
        case Action::ban:
            return "ban";
        case Action::unban:
            return "unban";
        case Action::mute:
            return "mute";
        case Action::unmute:
            return "unmute";
    }
    return "?";
}

}  // namespace parley::model
