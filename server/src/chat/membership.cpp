#include "chat/membership.hpp"

#include "chat/rules.hpp"
#include "storage/message_state.hpp"

namespace parley::chat {

using protocol::ErrorCode;

void Membership::join(const ParticipantPtr& p, const protocol::RequestId& id,
                      const std::string& nick, const protocol::Join& join) {
    std::uint64_t ticket = 0;
    switch (HubAccess::state(*p).reserve_channel(join.channel, options_.max_channels_per_session,
                                                 ticket)) {
        case ParticipantState::Reserve::too_many:
            replies_.fail(p, id, ErrorCode::too_many_channels,
                          "at most " + std::to_string(options_.max_channels_per_session) +
                              " channels per connection");
            return;
        case ParticipantState::Reserve::already_member:
            answer_already_member(p, id, join.channel);
            return;
        case ParticipantState::Reserve::added:
            break;
    }
    auto refused = [=, this](ErrorCode code, const std::string& message) {
        HubAccess::state(*p).release_join(join.channel, ticket);
        replies_.fail(p, id, code, message);
    };
    authority_.get(join.channel, [=, this](Expected<AuthorityPtr> authority, bool busy) {
        if (!authority)
            return busy ? refused(ErrorCode::busy, "the server is busy, try again")
                        : refused(ErrorCode::unavailable, "the channel could not be read");
        auto who = identity_of(*p);
        switch (may_join(**authority, who)) {
            case JoinVerdict::banned:
                return refused(ErrorCode::banned, "you are banned from " + join.channel);
            case JoinVerdict::forbidden:
                return refused(ErrorCode::forbidden,
                               join.channel + " is private: you need an invitation");
            case JoinVerdict::invited: {
                // Taken up: from now on a member, even after leaving. The membership is stored
                // and holds on this node before `joined` goes, so that the member's next
                // `history` finds it (in a cluster Redis brings it again; applying it twice is
                // harmless).
                model::AuthorityChange admit{model::AuthorityChange::Action::admit, nick, {}, nick};
                auto admitted = [=, this, authority = *authority](Expected<void> stored) {
                    if (!stored)
                        return refused(ErrorCode::unavailable, "the channel could not be joined");
                    authority_.changed(join.channel, admit);
                    enter(Pending{p, id, nullptr, ticket, authority}, join.channel, nick,
                          join.since);
                };
                if (!directory_.change_channel(join.channel, admit, admitted))
                    refused(ErrorCode::busy, "the server is busy, try again");
                return;
            }
            case JoinVerdict::allowed:
                break;
        }
        enter(Pending{p, id, nullptr, ticket, *authority}, join.channel, nick, join.since);
    });
}

void Membership::enter(Pending pending, const std::string& name, const std::string& nick,
                       std::optional<std::int64_t> since) {
    if (!HubAccess::state(*pending.p).join_current(name, pending.ticket)) {
        // A leave came while the channel's authority was read: this join never completed.
        if (pending.id)
            replies_.fail(pending.p, pending.id, ErrorCode::not_member,
                          "left " + name + " before the join completed");
        return;
    }
    read_state_.keep(pending.p, name, [=, this](std::optional<protocol::Error> refused) {
        if (!refused) return settle(pending, name, nick, since);
        HubAccess::state(*pending.p).release_join(name, pending.ticket);
        replies_.fail(pending.p, pending.id, refused->code, refused->message);
    });
}

void Membership::settle(Pending pending, const std::string& name, const std::string& nick,
                        std::optional<std::int64_t> since) {
    for (;;) {
        pending.channel = channels_.get_or_create(name);
        std::lock_guard lock(pending.channel->mutex);
        // Its last member may have left between the lookup and this lock, taking the channel
        // with it: then a new one takes the name.
        if (pending.channel->dead) continue;
        pending.channel->is_private = pending.authority->is_private;
        pending.channel->add_pending(pending.p, nick, pending.ticket);
        if (cluster_) pending.channel->begin_remote_snapshot();
        break;
    }
    if (!cluster_) return read_history(std::move(pending), since);
    // Who is here from other nodes first, so `joined.members` lists them too.
    cluster_->read_presence(name, [this, pending, since](
                                      std::optional<std::vector<RemoteMember>> members) mutable {
        {
            std::lock_guard lock(pending.channel->mutex);
            pending.channel->apply_remote_snapshot(members, false);
            if (pending.channel->has_presence_changes()) presence_.mark_dirty(pending.channel);
        }
        if (!members)
            abandon(pending, ErrorCode::unavailable, "the cluster cannot be reached, try again");
        else
            read_history(std::move(pending), since);
    });
}

void Membership::describe(protocol::Joined& joined, const model::ChannelAuthority& authority,
                          const Identity& who) {
    joined.topic = authority.topic;
    joined.is_private = authority.is_private;
    joined.registered = authority.registered;
    joined.role = protocol::to_string(role_shown(authority, who));
    joined.muted = is_muted(authority, who);
    if (!authority.registered) return;
    joined.roles[authority.owner] = "owner";
    for (const auto& [key, role] : authority.roles)
        if (role == model::Role::op) joined.roles[key] = "op";
}

void Membership::answer_already_member(const ParticipantPtr& p, const protocol::RequestId& id,
                                       const std::string& name) {
    // Everything since the first join was delivered live: no history, so nothing twice.
    protocol::Joined joined;
    joined.channel = name;
    if (auto channel = channels_.find(name)) {
        std::lock_guard lock(channel->mutex);
        joined.member_count = channel->active_count();
        if (joined.member_count <= options_.presence_limit)
            joined.members = channel->active_nicks(options_.presence_limit);
    }
    if (auto authority = authority_.cached(name)) describe(joined, *authority, identity_of(*p));
    replies_.send(p, protocol::encode_joined(id, joined));
}

void Membership::read_history(Pending join, std::optional<std::int64_t> since) {
    const auto& name = join.channel->name();
    join.page = !since;
    auto done = [this, join](storage::Page page) { activate(join, std::move(page)); };
    bool queued = since ? history_.since(name, *since, options_.since_cap, done)
                        : history_.recent(name, options_.join_history, done);
    if (!queued) abandon(join, ErrorCode::busy, "the server is busy, try again");
}

void Membership::activate(Pending join, storage::Page page) {
    if (!page.ok)
        return abandon(join, ErrorCode::unavailable, "history could not be read, try again");
    const auto& channel = join.channel;
    std::unique_lock lock(channel->mutex);
    if (!channel->is_pending(join.p.get(), join.ticket)) {
        // A leave (and perhaps another join) overtook this join before its history came: it
        // never completed, and its id must not stay unanswered.
        lock.unlock();
        if (join.id)
            replies_.fail(join.p, join.id, ErrorCode::not_member,
                          "left " + channel->name() + " before the join completed");
        return;
    }
    auto& sequencer = channel->sequencer;
    if (sequencer.known() && page.head_seq < sequencer.delivered()) {
        // Live delivery got ahead of this read (pub/sub and reads race in a cluster, and reads
        // run beside commits on one node): read what lies between, so the member misses
        // nothing and gets nothing twice.
        lock.unlock();
        auto after = page.head_seq;
        auto more = [this, join, first = std::move(page)](storage::Page rest) mutable {
            if (!rest.ok) {
                first.ok = false;
            } else {
                first.gap = first.gap || rest.gap;
                first.head_seq = rest.head_seq;
                // A page shows messages as they are now: the changes made since it was read
                // apply to it. A replay lists them as they come.
                for (auto& event : rest.messages) {
                    if (join.page)
                        storage::apply_to_page(first.messages, std::move(event));
                    else if (first.messages.empty() || event.seq > first.messages.back().seq)
                        first.messages.push_back(std::move(event));
                }
            }
            activate(std::move(join), std::move(first));
        };
        if (!history_.since(channel->name(), after, options_.since_cap, std::move(more)))
            abandon(join, ErrorCode::busy, "the server is busy, try again");
        return;
    }
    std::string nick = *channel->nick_of(join.p.get());
    bool was_here = channel->present_here(nick);
    channel->activate(join.p.get(), join.ticket, page.head_seq);
    if (cluster_ && !was_here) cluster_->announce_presence(channel->name(), nick, true);
    protocol::Joined joined;
    joined.channel = channel->name();
    joined.member_count = channel->active_count();
    joined.history = std::move(page.messages);
    joined.gap = page.gap;
    describe(joined, *join.authority, identity_of(*join.p));
    if (joined.member_count <= options_.presence_limit) {
        joined.members = channel->active_nicks(options_.presence_limit);
        presence_.mark_dirty(channel);
    } else {
        channel->drop_presence_changes();
    }
    replies_.send(join.p, protocol::encode_joined(join.id, joined));
    // The first member to arrive tells the channel where live delivery starts.
    if (!sequencer.known()) fan_out_.release(channel, sequencer.start(page.head_seq));
}

void Membership::abandon(const Pending& join, ErrorCode code, const std::string& message) {
    const auto& name = join.channel->name();
    // Only this join's own place is given back: a later join of the channel keeps its own.
    if (HubAccess::state(*join.p).release_join(name, join.ticket)) drop(join.p, name);
    replies_.fail(join.p, join.id, code, message);
}

void Membership::leave(const ParticipantPtr& p, const protocol::RequestId& id,
                       const protocol::Leave& leave) {
    if (!HubAccess::state(*p).release_channel(leave.channel)) {
        replies_.fail(p, id, ErrorCode::not_member, "not a member of " + leave.channel);
        return;
    }
    drop(p, leave.channel);
    if (HubAccess::state(*p).standing().account)
        read_state_.forget(HubAccess::state(*p).key(), leave.channel);
    fan_out_.deliver_after_messages(p,
                                    ws::make_text_frame(protocol::encode_left(id, leave.channel)));
}

void Membership::drop(const ParticipantPtr& p, const std::string& name) {
    channels_.remove_member(
        name, p.get(), [&](const ChannelPtr& channel, const ChannelDirectory::Removal& removal) {
            if (cluster_ && removal.nick_left)
                cluster_->announce_presence(name, removal.nick, false);
            if (!channel->dead && channel->has_presence_changes()) presence_.mark_dirty(channel);
        });
}

}  // namespace parley::chat
