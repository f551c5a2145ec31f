#include "chat/hub.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "protocol/wire_frame.hpp"

namespace parley::chat {

using protocol::ErrorCode;
using protocol::make_text_frame;

Hub::Hub(boost::asio::any_io_executor executor, HubOptions options, storage::History& history,
         metrics::Metrics& metrics)
    : executor_(executor),
      options_(std::move(options)),
      history_(history),
      metrics_(metrics),
      presence_timer_(executor) {}

auto Hub::channel_shard(const std::string& name)
    -> Shard<std::unordered_map<std::string, ChannelPtr>>& {
    return channels_[std::hash<std::string>{}(name) % shard_count];
}

auto Hub::channel_shard(const std::string& name) const
    -> const Shard<std::unordered_map<std::string, ChannelPtr>>& {
    return channels_[std::hash<std::string>{}(name) % shard_count];
}

auto Hub::user_shard(const std::string& key) -> Shard<std::unordered_map<std::string, User>>& {
    return users_[std::hash<std::string>{}(key) % shard_count];
}

void Hub::reply(const ParticipantPtr& p, const std::string& json) {
    p->deliver(make_text_frame(json));
}

void Hub::fail(const ParticipantPtr& p, const protocol::RequestId& id, ErrorCode code,
               const std::string& message) {
    metrics_.count_error(code);
    reply(p, protocol::encode_error(id, code, message));
}

std::string Hub::identified_nick(const ParticipantPtr& p, const protocol::RequestId& id) {
    std::string nick;
    {
        std::lock_guard lock(p->hub_state.mutex);
        nick = p->hub_state.nick;
    }
    if (nick.empty()) fail(p, id, ErrorCode::hello_required, "say hello first");
    return nick;
}

// ---- identity ------------------------------------------------------------------------------

void Hub::hello(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                bool authenticated) {
    auto key = nick_key(nick);
    {
        std::lock_guard lock(p->hub_state.mutex);
        if (!p->hub_state.nick.empty()) {
            fail(p, id, ErrorCode::already_identified, "this connection already said hello");
            return;
        }
    }
    {
        auto& shard = user_shard(key);
        std::lock_guard lock(shard.mutex);
        auto [it, inserted] = shard.map.try_emplace(key);
        User& user = it->second;
        if (!inserted && !(authenticated && user.authenticated)) {
            fail(p, id, ErrorCode::nick_taken, "the nick " + user.nick + " is taken");
            return;
        }
        if (inserted) user = User{nick, authenticated, {}};
        user.connections.push_back({p, false});
    }
    {
        std::lock_guard lock(p->hub_state.mutex);
        p->hub_state.nick_key = key;
        p->hub_state.nick = nick;
    }

    // Welcome after the recent direct messages are read; a dm committed before that read is in
    // `welcome.dms`, one committed after it is delivered live, never both.
    auto send_welcome = [this, p, id, nick, key](std::vector<chat::DirectMessage> dms) {
        {
            auto& shard = user_shard(key);
            std::lock_guard lock(shard.mutex);
            auto it = shard.map.find(key);
            if (it == shard.map.end()) return;
            auto& connections = it->second.connections;
            auto c = std::find_if(connections.begin(), connections.end(),
                                  [&](const Connection& c) { return c.participant == p; });
            if (c == connections.end()) return;
            c->welcomed = true;
            protocol::Welcome welcome{nick, std::string(p->session_id()), options_.node,
                                      options_.limits, std::move(dms)};
            reply(p, protocol::encode_welcome(id, welcome));
        }
    };
    if (!history_.recent_dms(nick, options_.welcome_dms, send_welcome)) send_welcome({});
}

// ---- channels ------------------------------------------------------------------------------

Hub::ChannelPtr Hub::find_channel(const std::string& name) const {
    auto& shard = channel_shard(name);
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(name);
    return it == shard.map.end() ? nullptr : it->second;
}

Hub::ChannelPtr Hub::get_or_create_channel(const std::string& name) {
    auto& shard = channel_shard(name);
    std::lock_guard lock(shard.mutex);
    auto& slot = shard.map[name];
    if (!slot) {
        slot = std::make_shared<Channel>(name);
        metrics_.channels.fetch_add(1, std::memory_order_relaxed);
    }
    return slot;
}

void Hub::remove_member(const std::string& name, const Participant* participant) {
    auto& shard = channel_shard(name);
    std::lock_guard shard_lock(shard.mutex);
    auto it = shard.map.find(name);
    if (it == shard.map.end()) return;
    ChannelPtr channel = it->second;
    std::lock_guard lock(channel->mutex);
    if (!channel->remove(participant)) return;
    if (channel->empty()) {
        channel->dead = true;
        shard.map.erase(it);
        metrics_.channels.fetch_sub(1, std::memory_order_relaxed);
    } else if (channel->has_presence_changes()) {
        mark_presence_dirty(channel);
    }
}

void Hub::join(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Join& join) {
    auto nick = identified_nick(p, id);
    if (nick.empty()) return;
    bool already_member = false;
    {
        std::lock_guard lock(p->hub_state.mutex);
        already_member = p->hub_state.channels.count(join.channel) > 0;
        if (!already_member) {
            if (p->hub_state.channels.size() >= options_.max_channels_per_session) {
                fail(p, id, ErrorCode::too_many_channels,
                     "at most " + std::to_string(options_.max_channels_per_session) +
                         " channels per connection");
                return;
            }
            p->hub_state.channels.insert(join.channel);
        }
    }
    if (already_member) {
        // Everything since the first join was delivered live: no history, so nothing twice.
        protocol::Joined joined{join.channel, 0, std::nullopt, {}, false};
        if (auto channel = find_channel(join.channel)) {
            std::lock_guard channel_lock(channel->mutex);
            joined.member_count = channel->active_count();
            if (joined.member_count <= options_.presence_limit)
                joined.members = channel->active_nicks(options_.presence_limit);
        }
        reply(p, protocol::encode_joined(id, joined));
        return;
    }

    ChannelPtr channel = get_or_create_channel(join.channel);
    {
        std::lock_guard lock(channel->mutex);
        channel->add_pending(p, nick);
    }

    auto activate = [this, p, id, channel](storage::Page page) {
        std::lock_guard lock(channel->mutex);
        if (!channel->activate(p.get())) return;  // left before its history arrived
        protocol::Joined joined{channel->name(), channel->active_count(), std::nullopt,
                                std::move(page.messages), page.gap};
        if (joined.member_count <= options_.presence_limit) {
            joined.members = channel->active_nicks(options_.presence_limit);
            mark_presence_dirty(channel);
        } else {
            channel->drop_presence_changes();
        }
        reply(p, protocol::encode_joined(id, joined));
    };
    bool queued = join.since
                      ? history_.since(join.channel, *join.since, options_.since_cap, activate)
                      : history_.recent(join.channel, options_.join_history, activate);
    if (!queued) {
        {
            std::lock_guard lock(p->hub_state.mutex);
            p->hub_state.channels.erase(join.channel);
        }
        remove_member(join.channel, p.get());
        fail(p, id, ErrorCode::busy, "the server is busy, try again");
    }
}

void Hub::leave(const ParticipantPtr& p, const protocol::RequestId& id,
                const protocol::Leave& leave) {
    if (identified_nick(p, id).empty()) return;
    {
        std::lock_guard lock(p->hub_state.mutex);
        if (p->hub_state.channels.erase(leave.channel) == 0) {
            fail(p, id, ErrorCode::not_member, "not a member of " + leave.channel);
            return;
        }
    }
    remove_member(leave.channel, p.get());
    reply(p, protocol::encode_left(id, leave.channel));
}

void Hub::say(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Say& say) {
    auto nick = identified_nick(p, id);
    if (nick.empty()) return;
    {
        std::lock_guard lock(p->hub_state.mutex);
        if (!p->hub_state.channels.count(say.channel)) {
            fail(p, id, ErrorCode::not_member, "join " + say.channel + " before saying anything");
            return;
        }
    }
    auto received = std::chrono::steady_clock::now();
    ChatMessage message{say.channel, 0, nick, say.text, now_millis()};
    bool queued =
        history_.append(std::move(message), [this, p, id, received](storage::AppendResult result) {
            if (!result.committed) {
                fail(p, id, ErrorCode::unavailable, "the message could not be stored");
                return;
            }
            broadcast(result.message.channel,
                      make_text_frame(protocol::encode_message(result.message)));
            if (id) reply(p, protocol::encode_ok(id, result.message.seq));
            metrics_.say_to_ok_seconds.observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count());
        });
    if (!queued) fail(p, id, ErrorCode::busy, "the server is busy, try again");
}

void Hub::broadcast(const std::string& name, const protocol::Frame& frame) {
    auto channel = find_channel(name);
    if (!channel) return;
    std::lock_guard lock(channel->mutex);
    std::uint64_t count = 0;
    channel->for_each_active([&](const ParticipantPtr& member, const std::string&) {
        member->deliver(frame);
        ++count;
    });
    metrics_.deliveries_total.fetch_add(count, std::memory_order_relaxed);
}

void Hub::typing(const ParticipantPtr& p, const protocol::RequestId& id,
                 const protocol::Typing& typing) {
    auto nick = identified_nick(p, id);
    if (nick.empty()) return;
    auto channel = find_channel(typing.channel);
    if (!channel) {
        fail(p, id, ErrorCode::not_member, "not a member of " + typing.channel);
        return;
    }
    std::lock_guard lock(channel->mutex);
    if (!channel->is_active_member(p.get())) {
        fail(p, id, ErrorCode::not_member, "not a member of " + typing.channel);
        return;
    }
    // Above the presence limit a keystroke would cost a frame per member: stay quiet there.
    if (channel->active_count() > options_.presence_limit) return;
    auto frame = make_text_frame(protocol::encode_typing(typing.channel, nick));
    channel->for_each_active([&](const ParticipantPtr& member, const std::string& member_nick) {
        if (member_nick != nick) member->deliver(frame);
    });
}

void Hub::who(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Who& who) {
    if (identified_nick(p, id).empty()) return;
    std::size_t count = 0;
    std::vector<std::string> members;
    if (auto channel = find_channel(who.channel)) {
        std::lock_guard lock(channel->mutex);
        count = channel->active_count();
        members = channel->active_nicks(options_.presence_limit);
    }
    reply(p, protocol::encode_who(id, who.channel, count, members));
}

void Hub::channels(const ParticipantPtr& p, const protocol::RequestId& id) {
    if (identified_nick(p, id).empty()) return;
    constexpr std::size_t max_listed = 1000;
    std::vector<protocol::ChannelSummary> list;
    for (auto& shard : channels_) {
        std::vector<ChannelPtr> snapshot;
        {
            std::lock_guard lock(shard.mutex);
            for (auto& [name, channel] : shard.map) snapshot.push_back(channel);
        }
        for (auto& channel : snapshot) {
            std::lock_guard lock(channel->mutex);
            if (channel->active_count() > 0)
                list.push_back({channel->name(), channel->active_count()});
        }
    }
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
        return a.member_count != b.member_count ? a.member_count > b.member_count : a.name < b.name;
    });
    if (list.size() > max_listed) list.resize(max_listed);
    reply(p, protocol::encode_channels(id, list));
}

void Hub::history(const ParticipantPtr& p, const protocol::RequestId& id,
                  const protocol::HistoryQuery& query) {
    if (identified_nick(p, id).empty()) return;
    if (!channel_known(query.channel)) {
        fail(p, id, ErrorCode::no_such_channel, "no channel named " + query.channel);
        return;
    }
    // Reads share the storage thread with everyone's messages: one connection may not queue
    // more than a few at a time.
    if (p->hub_state.history_reads.fetch_add(1) >= options_.max_history_reads_per_session) {
        p->hub_state.history_reads.fetch_sub(1);
        fail(p, id, ErrorCode::busy, "wait for your earlier history requests");
        return;
    }
    auto send = [this, p, id, channel = query.channel](storage::Page page) {
        p->hub_state.history_reads.fetch_sub(1);
        if (!page.ok) {
            fail(p, id, ErrorCode::unavailable, "history could not be read");
            return;
        }
        reply(p, protocol::encode_history(id, channel, page.messages));
    };
    if (!history_.before(query.channel, query.before, query.limit, send)) {
        p->hub_state.history_reads.fetch_sub(1);
        fail(p, id, ErrorCode::busy, "the server is busy, try again");
    }
}

bool Hub::channel_known(const std::string& name) const {
    return find_channel(name) != nullptr || history_.knows_channel(name);
}

// ---- direct messages -----------------------------------------------------------------------

void Hub::dm(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Dm& dm) {
    auto nick = identified_nick(p, id);
    if (nick.empty()) return;
    auto to_key = nick_key(dm.to);
    std::string to_nick;
    {
        auto& shard = user_shard(to_key);
        std::lock_guard lock(shard.mutex);
        auto it = shard.map.find(to_key);
        if (it != shard.map.end()) to_nick = it->second.nick;
    }
    if (to_nick.empty()) {
        fail(p, id, ErrorCode::no_such_user, dm.to + " is not connected");
        return;
    }
    DirectMessage message{nick, to_nick, dm.text, now_millis()};
    bool queued = history_.append_dm(std::move(message), [this, p, id](storage::DmAppendResult r) {
        if (!r.committed) {
            fail(p, id, ErrorCode::unavailable, "the message could not be stored");
            return;
        }
        auto frame = make_text_frame(protocol::encode_dm(r.message));
        auto from_key = nick_key(r.message.from);
        auto to_key = nick_key(r.message.to);
        deliver_to_user(to_key, frame, nullptr);
        if (from_key != to_key) deliver_to_user(from_key, frame, p.get());
        metrics_.dms_total.fetch_add(1, std::memory_order_relaxed);
        if (id) reply(p, protocol::encode_ok(id, std::nullopt, r.message.ts));
    });
    if (!queued) fail(p, id, ErrorCode::busy, "the server is busy, try again");
}

void Hub::deliver_to_user(const std::string& key, const protocol::Frame& frame,
                          const Participant* except) {
    auto& shard = user_shard(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) return;
    for (const auto& connection : it->second.connections)
        if (connection.welcomed && connection.participant.get() != except)
            connection.participant->deliver(frame);
}

// ---- leaving -------------------------------------------------------------------------------

void Hub::disconnect(const ParticipantPtr& p) {
    std::set<std::string> channels;
    std::string key;
    {
        std::lock_guard lock(p->hub_state.mutex);
        if (p->hub_state.gone) return;
        p->hub_state.gone = true;
        channels.swap(p->hub_state.channels);
        key = p->hub_state.nick_key;
    }
    for (const auto& name : channels) remove_member(name, p.get());
    if (key.empty()) return;
    auto& shard = user_shard(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) return;
    auto& connections = it->second.connections;
    connections.erase(std::remove_if(connections.begin(), connections.end(),
                                     [&](const Connection& c) { return c.participant == p; }),
                      connections.end());
    if (connections.empty()) shard.map.erase(it);
}

// ---- presence ------------------------------------------------------------------------------

void Hub::mark_presence_dirty(const ChannelPtr& channel) {
    std::lock_guard lock(presence_mutex_);
    presence_dirty_.push_back(channel);
    if (presence_flush_armed_) return;
    presence_flush_armed_ = true;
    presence_timer_.expires_after(options_.presence_window);
    presence_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) flush_presence();
    });
}

void Hub::flush_presence() {
    std::vector<std::weak_ptr<Channel>> dirty;
    {
        std::lock_guard lock(presence_mutex_);
        dirty.swap(presence_dirty_);
        presence_flush_armed_ = false;
    }
    for (auto& weak : dirty) {
        auto channel = weak.lock();
        if (!channel) continue;
        std::lock_guard lock(channel->mutex);
        if (channel->dead || !channel->has_presence_changes()) continue;
        if (channel->active_count() > options_.presence_limit) {
            channel->drop_presence_changes();
            continue;
        }
        // One frame per distinct list (nearly always one), shared by the members that get it.
        std::map<std::size_t, protocol::Frame> frames;
        channel->flush_presence([&](const ParticipantPtr& member, std::size_t from,
                                    const std::vector<std::string>& joined,
                                    const std::vector<std::string>& left) {
            auto& frame = frames[from];
            if (!frame)
                frame = make_text_frame(protocol::encode_presence(channel->name(), joined, left));
            member->deliver(frame);
        });
    }
}

}  // namespace parley::chat
