#include "chat/authority.hpp"

#include <spdlog/spdlog.h>

namespace parley::chat {

using protocol::ErrorCode;
using Action = model::AuthorityChange::Action;

void Authority::with_authority(const ParticipantPtr& p, const protocol::RequestId& id,
                               const std::string& channel, std::function<void(AuthorityPtr)> then) {
    cache_.get(channel, [this, p, id, then = std::move(then)](Expected<AuthorityPtr> authority,
                                                              bool busy) {
        if (authority) return then(*authority);
        if (busy) return replies_.busy(p, id);
        replies_.fail(p, id, ErrorCode::unavailable, "the channel could not be read, try again");
    });
}

std::optional<std::string> Authority::present(const std::string& channel,
                                              const std::string& nick) const {
    auto found = channels_.find(channel);
    if (!found) return std::nullopt;
    std::lock_guard lock(found->mutex);
    if (found->present_anywhere(nick)) return nick;
    return found->present_as(model::nick_key(nick));
}

void Authority::to_members(const std::string& channel, const ws::Frame& frame) {
    auto found = channels_.find(channel);
    if (!found) return;
    std::lock_guard lock(found->mutex);
    found->for_each_active(
        [&](const ParticipantPtr& member, const std::string&) { member->deliver(frame); });
}

void Authority::create(const ParticipantPtr& p, const protocol::RequestId& id,
                       const protocol::CreateChannel& create) {
    auto me = identity_of(*p);
    if (!me.account) {
        replies_.fail(p, id, ErrorCode::forbidden, "only accounts may create channels");
        return;
    }
    if (channels_.find(create.channel)) {
        replies_.fail(p, id, ErrorCode::channel_exists, create.channel + " exists already");
        return;
    }
    auto nick = p->nick();
    auto created = [this, p, id, create, me, nick](Expected<storage::Created> result) {
        if (!result)
            return replies_.fail(p, id, ErrorCode::unavailable,
                                 "the channel could not be stored, try again");
        if (*result == storage::Created::exists)
            return replies_.fail(p, id, ErrorCode::channel_exists,
                                 create.channel + " exists already");
        spdlog::info("authority: {} created {}{}", nick, create.channel,
                     create.is_private ? " (private)" : "");
        model::ChannelAuthority authority;
        authority.registered = true;
        authority.owner = me.key;
        authority.is_private = create.is_private;
        authority.topic = create.topic;
        cache_.put(create.channel, std::move(authority));
        // The creator joins as its owner: its `joined` answers the command.
        membership_.join(p, id, nick, protocol::Join{create.channel, std::nullopt});
    };
    if (!directory_.create_channel(create.channel, me.key, create.is_private, create.topic,
                                   created))
        replies_.busy(p, id);
}

void Authority::set_role(const ParticipantPtr& p, const protocol::RequestId& id,
                         const protocol::SetRole& request) {
    auto me = identity_of(*p);
    with_authority(p, id, request.channel, [this, p, id, request, me](AuthorityPtr authority) {
        if (!may_set_role(*authority, me))
            return replies_.fail(p, id, ErrorCode::forbidden,
                                 "only the owner of " + request.channel + " may give roles");
        auto key = model::nick_key(request.nick);
        if (key == authority->owner)
            return replies_.fail(p, id, ErrorCode::forbidden, "the owner's role stays");
        auto found = [this, p, id, request](Expected<std::optional<storage::Account>> account) {
            if (!account) return replies_.fail(p, id, ErrorCode::unavailable, "try again");
            if (!*account)
                return replies_.fail(p, id, ErrorCode::no_such_user,
                                     request.nick + " has no account");
            store(p, id, request.channel,
                  {Action::role, (*account)->nick, std::string(protocol::to_string(request.role)),
                   p->nick()});
        };
        if (!directory_.find_account(key, found)) replies_.busy(p, id);
    });
}

void Authority::set_topic(const ParticipantPtr& p, const protocol::RequestId& id,
                          const protocol::SetTopic& request) {
    auto me = identity_of(*p);
    bool joined = HubAccess::state(*p).in_channel(request.channel);
    with_authority(
        p, id, request.channel, [this, p, id, request, me, joined](AuthorityPtr authority) {
            if (!may_set_topic(*authority, me, joined))
                return replies_.fail(p, id, ErrorCode::forbidden,
                                     authority->registered
                                         ? "only ops may set the topic of " + request.channel
                                         : "join " + request.channel + " to set its topic");
            store(p, id, request.channel, {Action::topic, {}, request.topic, p->nick()});
        });
}

void Authority::invite(const ParticipantPtr& p, const protocol::RequestId& id,
                       const protocol::Invite& request) {
    auto me = identity_of(*p);
    with_authority(p, id, request.channel, [this, p, id, request, me](AuthorityPtr authority) {
        if (!authority->is_private)
            return replies_.fail(p, id, ErrorCode::bad_request,
                                 "only private channels take invitations");
        if (!may_invite(*authority, me))
            return replies_.fail(p, id, ErrorCode::forbidden,
                                 "only ops may invite to " + request.channel);
        auto key = model::nick_key(request.nick);
        if (authority->bans.count(key))
            return replies_.fail(p, id, ErrorCode::banned, request.nick + " is banned here");
        auto found = [this, p, id, request](Expected<std::optional<storage::Account>> account) {
            if (!account) return replies_.fail(p, id, ErrorCode::unavailable, "try again");
            if (!*account)
                return replies_.fail(p, id, ErrorCode::no_such_user,
                                     request.nick + " has no account");
            store(p, id, request.channel, {Action::invite, (*account)->nick, {}, p->nick()});
        };
        if (!directory_.find_account(key, found)) replies_.busy(p, id);
    });
}

void Authority::moderate(const ParticipantPtr& p, const protocol::RequestId& id,
                         const protocol::Moderate& request) {
    auto me = identity_of(*p);
    with_authority(p, id, request.channel, [this, p, id, request, me](AuthorityPtr authority) {
        auto key = model::nick_key(request.nick);
        Identity target{key, true, options_.admins.count(key) > 0};
        if (!may_sanction(*authority, me, target))
            return replies_.fail(p, id, ErrorCode::forbidden,
                                 authority->registered
                                     ? "you do not outrank " + request.nick + " here"
                                     : "only admins moderate open channels");
        using protocol::Sanction;
        static const Action actions[] = {Action::kick, Action::ban, Action::unban, Action::mute,
                                         Action::unmute};
        auto action = actions[static_cast<int>(request.action)];
        // The target as its user spells it, when known without asking the directory.
        std::optional<std::string> known;
        switch (request.action) {
            case Sanction::kick:
            case Sanction::mute:
                known = present(request.channel, request.nick);
                break;
            case Sanction::ban:
                known = present(request.channel, request.nick);
                if (auto holder = nicks_.holder(key); !known && holder) known = holder->nick;
                break;
            case Sanction::unban:
                if (authority->bans.count(key)) known = request.nick;
                break;
            case Sanction::unmute:
                if (authority->muted.count(key)) known = request.nick;
                break;
        }
        model::AuthorityChange change{action, known.value_or(request.nick), request.reason,
                                      p->nick()};
        if (known) return store(p, id, request.channel, std::move(change));
        if (request.action != Sanction::ban) {
            auto missing = request.action == Sanction::unban    ? " is not banned in "
                           : request.action == Sanction::unmute ? " is not muted in "
                                                                : " is not in ";
            return replies_.fail(p, id, ErrorCode::no_such_user,
                                 request.nick + missing + request.channel);
        }
        // A ban may be for someone not here now: an account, which can come back.
        auto found = [this, p, id, request,
                      change](Expected<std::optional<storage::Account>> account) mutable {
            if (!account) return replies_.fail(p, id, ErrorCode::unavailable, "try again");
            if (!*account)
                return replies_.fail(p, id, ErrorCode::no_such_user,
                                     request.nick + " is not known");
            change.target = (*account)->nick;
            store(p, id, request.channel, std::move(change));
        };
        if (!directory_.find_account(key, found)) replies_.busy(p, id);
    });
}

void Authority::store(const ParticipantPtr& p, const protocol::RequestId& id,
                      const std::string& channel, model::AuthorityChange change) {
    auto stored = [this, p, id, channel, change](Expected<void> result) {
        if (!result)
            return replies_.fail(p, id, ErrorCode::unavailable,
                                 "the change could not be stored, try again");
        // Who did what to whom, where; never a topic's or a reason's text.
        spdlog::info("authority: {} {} {} in {}", change.by, model::to_string(change.action),
                     change.target.empty() ? "-" : change.target, channel);
        // The change holds on this node before the reply goes: a `join` sent after an
        // invitation's `ok` finds the invitation. In a cluster the change comes back from Redis
        // to every node, this one included, and that carries it out; applying it twice is
        // harmless, as every change sets a value rather than adding to one.
        if (cluster_)
            cache_.changed(channel, change);
        else
            carry_out(channel, change);
        // Once, from the node that stored it: the channel leaves the target's kept list.
        if (change.action == Action::kick || change.action == Action::ban)
            read_state_.forget(model::nick_key(change.target), channel);
        if (id) replies_.send(p, protocol::encode_ok(id, std::nullopt));
    };
    if (!directory_.change_channel(channel, change, stored)) replies_.busy(p, id);
}

void Authority::carry_out(const std::string& channel, const model::AuthorityChange& change) {
    if (change.action == Action::create) return cache_.forget(channel);
    cache_.changed(channel, change);
    auto key = model::nick_key(change.target);
    switch (change.action) {
        case Action::topic:
            to_members(channel, ws::make_text_frame(
                                    protocol::encode_topic(channel, change.value, change.by)));
            break;
        case Action::role:
            to_members(channel, ws::make_text_frame(protocol::encode_role(
                                    channel, change.target, change.value, change.by)));
            break;
        case Action::invite:
            nicks_.deliver(key, ws::make_text_frame(protocol::encode_invited(channel, change.by)),
                           {});
            break;
        case Action::kick:
        case Action::ban: {
            auto kicked = ws::make_text_frame(protocol::encode_kicked(
                channel, change.by, change.action == Action::ban, change.value));
            for (const auto& target : nicks_.connections(key)) {
                if (!HubAccess::state(*target).release_channel(channel)) continue;
                membership_.drop(target, channel);
                membership_.notify_after_messages(target, kicked);
            }
            break;
        }
        default:
            break;  // nothing anyone sees
    }
}

}  // namespace parley::chat
