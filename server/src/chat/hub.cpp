#include "chat/hub.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <functional>
#include <map>

#include "ws/frame_writer.hpp"

namespace parley::chat {

using protocol::ErrorCode;
using ws::make_text_frame;

Hub::Hub(boost::asio::any_io_executor executor, HubOptions options, storage::History& history,
         metrics::Metrics& metrics, ClusterLink* cluster)
    : executor_(executor),
      options_(std::move(options)),
      history_(history),
      metrics_(metrics),
      cluster_(cluster),
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
    auto key = model::nick_key(nick);
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
        auto it = shard.map.find(key);
        if (it != shard.map.end() && !(authenticated && it->second.authenticated)) {
            fail(p, id, ErrorCode::nick_taken, "the nick " + it->second.nick + " is taken");
            return;
        }
    }
    if (!cluster_) {
        admit(p, id, nick, key, authenticated);
        return;
    }
    // Free here; the cluster decides whether it is free everywhere.
    cluster_->claim_nick(
        key, nick, authenticated, [this, p, id, nick, key, authenticated](NickClaim claim) {
            if (claim == NickClaim::taken)
                fail(p, id, ErrorCode::nick_taken, "the nick " + nick + " is taken");
            else if (claim == NickClaim::unavailable)
                fail(p, id, ErrorCode::unavailable, "the cluster cannot be reached, try again");
            else
                admit(p, id, nick, key, authenticated);
        });
}

void Hub::admit(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                const std::string& key, bool authenticated) {
    {
        auto& shard = user_shard(key);
        std::lock_guard lock(shard.mutex);
        auto it = shard.map.find(key);
        bool clash = it != shard.map.end() && !(authenticated && it->second.authenticated);
        // Checking `gone` and setting the nick under one lock: disconnect() either sees the nick
        // and removes this connection, or ran first and this admits nothing.
        std::unique_lock state_lock(p->hub_state.mutex);
        bool gone = p->hub_state.gone;
        bool again = !p->hub_state.nick.empty();  // a second hello sent before the first's answer
        if (gone || clash || again) {
            // Disconnected while the cluster answered, or another connection here won the race.
            state_lock.unlock();
            if (cluster_) cluster_->release_nick(key);
            if (again)
                fail(p, id, ErrorCode::already_identified, "this connection already said hello");
            else if (!gone)
                fail(p, id, ErrorCode::nick_taken, "the nick " + nick + " is taken");
            return;
        }
        p->hub_state.nick_key = key;
        p->hub_state.nick = nick;
        state_lock.unlock();
        if (it == shard.map.end()) it = shard.map.emplace(key, User{nick, authenticated, {}}).first;
        it->second.connections.push_back({p, false});
    }

    // Welcome after the recent direct messages are read; a dm committed before that read is in
    // `welcome.dms`, one committed after it is delivered live, never both.
    auto send_welcome = [this, p, id, nick, key](std::vector<model::DirectMessage> dms) {
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

std::vector<Hub::ChannelPtr> Hub::all_channels() const {
    std::vector<ChannelPtr> list;
    for (auto& shard : channels_) {
        std::lock_guard lock(shard.mutex);
        for (auto& [name, channel] : shard.map) list.push_back(channel);
    }
    return list;
}

void Hub::remove_member(const std::string& name, const Participant* participant) {
    auto& shard = channel_shard(name);
    std::lock_guard shard_lock(shard.mutex);
    auto it = shard.map.find(name);
    if (it == shard.map.end()) return;
    ChannelPtr channel = it->second;
    std::lock_guard lock(channel->mutex);
    const std::string* member_nick = channel->nick_of(participant);
    std::string nick = member_nick ? *member_nick : std::string();
    bool was_here = member_nick && channel->present_here(nick);
    if (!channel->remove(participant)) return;
    if (cluster_ && was_here && !channel->present_here(nick))
        cluster_->announce_presence(name, nick, false);
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
        if (cluster_) channel->begin_remote_snapshot();
    }
    if (!cluster_) {
        read_join_history(p, id, channel, join.since);
        return;
    }
    // Who is here from other nodes first, so `joined.members` lists them too.
    cluster_->read_presence(join.channel, [this, p, id, channel, since = join.since](
                                              std::optional<std::vector<RemoteMember>> members) {
        {
            std::lock_guard lock(channel->mutex);
            channel->apply_remote_snapshot(members, false);
            if (channel->has_presence_changes()) mark_presence_dirty(channel);
        }
        if (!members)
            abandon_join(p, id, channel->name(), ErrorCode::unavailable,
                         "the cluster cannot be reached, try again");
        else
            read_join_history(p, id, channel, since);
    });
}

void Hub::read_join_history(const ParticipantPtr& p, const protocol::RequestId& id,
                            const ChannelPtr& channel, std::optional<std::int64_t> since) {
    auto done = [this, p, id, channel](storage::Page page) {
        activate(p, id, channel, std::move(page));
    };
    bool queued = since ? history_.since(channel->name(), *since, options_.since_cap, done)
                        : history_.recent(channel->name(), options_.join_history, done);
    if (!queued)
        abandon_join(p, id, channel->name(), ErrorCode::busy, "the server is busy, try again");
}

void Hub::abandon_join(const ParticipantPtr& p, const protocol::RequestId& id,
                       const std::string& name, ErrorCode code, const std::string& message) {
    {
        std::lock_guard lock(p->hub_state.mutex);
        p->hub_state.channels.erase(name);
    }
    remove_member(name, p.get());
    fail(p, id, code, message);
}

void Hub::activate(const ParticipantPtr& p, const protocol::RequestId& id,
                   const ChannelPtr& channel, storage::Page page) {
    if (!page.ok) {
        abandon_join(p, id, channel->name(), ErrorCode::unavailable,
                     "history could not be read, try again");
        return;
    }
    std::unique_lock lock(channel->mutex);
    if (!channel->has_member(p.get()) || channel->is_active_member(p.get()))
        return;  // left before its history arrived
    auto& sequencer = channel->sequencer;
    if (sequencer.known() && page.head_seq < sequencer.delivered()) {
        // Live delivery got ahead of this read (in a cluster, pub/sub and reads race): read what
        // lies between, so the member misses nothing and gets nothing twice.
        lock.unlock();
        auto after = page.head_seq;
        auto more = [this, p, id, channel, first = std::move(page)](storage::Page rest) mutable {
            if (!rest.ok) {
                first.ok = false;
            } else {
                first.gap = first.gap || rest.gap;
                first.head_seq = rest.head_seq;
                for (auto& message : rest.messages)
                    if (first.messages.empty() || message.seq > first.messages.back().seq)
                        first.messages.push_back(std::move(message));
            }
            activate(p, id, channel, std::move(first));
        };
        if (!history_.since(channel->name(), after, options_.since_cap, std::move(more)))
            abandon_join(p, id, channel->name(), ErrorCode::busy, "the server is busy, try again");
        return;
    }
    std::string nick = *channel->nick_of(p.get());
    bool was_here = channel->present_here(nick);
    channel->activate(p.get(), page.head_seq);
    if (cluster_ && !was_here) cluster_->announce_presence(channel->name(), nick, true);
    protocol::Joined joined{channel->name(), channel->active_count(), std::nullopt,
                            std::move(page.messages), page.gap};
    if (joined.member_count <= options_.presence_limit) {
        joined.members = channel->active_nicks(options_.presence_limit);
        mark_presence_dirty(channel);
    } else {
        channel->drop_presence_changes();
    }
    reply(p, protocol::encode_joined(id, joined));
    // The first member to arrive tells the channel where live delivery starts.
    if (!sequencer.known()) fan_out(channel, sequencer.start(page.head_seq));
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
    model::ChatMessage message{say.channel, 0, nick, say.text, model::now_millis()};
    bool queued =
        history_.append(std::move(message), [this, p, id, received](storage::AppendResult result) {
            if (!result.committed) {
                fail(p, id, ErrorCode::unavailable, "the message could not be stored, try again");
                return;
            }
            auto seq = result.message.seq;
            // In a cluster the message comes back through Redis like everyone else's. Here it
            // fans out on an io thread rather than storage's, so channels fan out in parallel;
            // each channel's sequencer keeps its order.
            if (!cluster_)
                boost::asio::post(executor_, [this, message = std::move(result.message)]() mutable {
                    deliver_message(std::move(message));
                });
            if (id) reply(p, protocol::encode_ok(id, seq));
            metrics_.say_to_ok_seconds.observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count());
        });
    if (!queued) fail(p, id, ErrorCode::busy, "the server is busy, try again");
}

void Hub::deliver_message(model::ChatMessage message) {
    auto channel = find_channel(message.channel);
    if (!channel) return;  // nobody here is in it
    std::lock_guard lock(channel->mutex);
    if (channel->dead) return;
    fan_out(channel, channel->sequencer.offer(std::move(message)));
}

void Hub::fan_out(const ChannelPtr& channel, Sequencer::Step step) {
    if (step.seqs_restarted) {
        spdlog::warn("{}: storage lost this channel's messages; its seqs start over",
                     channel->name());
        channel->forget_history_marks();
    }
    std::uint64_t count = 0;
    for (const auto& message : step.deliver) {
        auto frame = make_text_frame(protocol::encode_message(message));
        channel->for_each_receiver(message.seq, [&](const ParticipantPtr& member) {
            member->deliver(frame);
            ++count;
        });
    }
    metrics_.deliveries_total.fetch_add(count, std::memory_order_relaxed);
    if (step.catch_up_after) catch_up(channel, *step.catch_up_after);
}

void Hub::catch_up(const ChannelPtr& channel, std::int64_t after) {
    metrics_.cluster_catch_ups_total.fetch_add(1, std::memory_order_relaxed);
    auto done = [this, channel](storage::Page page) {
        std::lock_guard lock(channel->mutex);
        if (channel->dead) return;
        if (!page.ok) {
            channel->sequencer.catch_up_failed();
            return;
        }
        fan_out(channel, channel->sequencer.caught_up(std::move(page.messages), page.head_seq));
    };
    if (!history_.since(channel->name(), after, options_.since_cap, std::move(done)))
        channel->sequencer.catch_up_failed();
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
    if (cluster_ && channel->has_remote_members()) cluster_->announce_typing(typing.channel, nick);
}

void Hub::deliver_typing(const std::string& name, const std::string& nick) {
    auto channel = find_channel(name);
    if (!channel) return;
    std::lock_guard lock(channel->mutex);
    if (channel->active_count() > options_.presence_limit) return;
    auto frame = make_text_frame(protocol::encode_typing(name, nick));
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
    for (const auto& channel : all_channels()) {
        std::lock_guard lock(channel->mutex);
        if (channel->active_count() > 0) list.push_back({channel->name(), channel->active_count()});
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
        if (!page.channel_exists && !has_members(channel)) {
            fail(p, id, ErrorCode::no_such_channel, "no channel named " + channel);
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
    // In a cluster the recipient may be on any node: storage checks, atomically with storing.
    std::string to_nick = dm.to;
    if (!cluster_) {
        to_nick.clear();
        auto to_key = model::nick_key(dm.to);
        auto& shard = user_shard(to_key);
        std::lock_guard lock(shard.mutex);
        auto it = shard.map.find(to_key);
        if (it != shard.map.end()) to_nick = it->second.nick;
    }
    if (to_nick.empty()) {
        fail(p, id, ErrorCode::no_such_user, dm.to + " is not connected");
        return;
    }
    model::DirectMessage message{nick, to_nick, dm.text, model::now_millis(),
                                 std::string(p->session_id())};
    auto done = [this, p, id, to = dm.to](storage::DmAppendResult r) {
        if (r.no_such_user) {
            fail(p, id, ErrorCode::no_such_user, to + " is not connected");
            return;
        }
        if (!r.committed) {
            fail(p, id, ErrorCode::unavailable, "the message could not be stored, try again");
            return;
        }
        if (!cluster_) deliver_dm(r.message, p->session_id());
        metrics_.dms_total.fetch_add(1, std::memory_order_relaxed);
        if (id) reply(p, protocol::encode_ok(id, std::nullopt, r.message.ts));
    };
    if (!history_.append_dm(std::move(message), std::move(done)))
        fail(p, id, ErrorCode::busy, "the server is busy, try again");
}

void Hub::deliver_dm(const model::DirectMessage& message, std::string_view origin_session) {
    auto frame = make_text_frame(protocol::encode_dm(message));
    auto from_key = model::nick_key(message.from);
    auto to_key = model::nick_key(message.to);
    deliver_to_user(to_key, frame, {});
    if (from_key != to_key) deliver_to_user(from_key, frame, origin_session);
}

void Hub::deliver_to_user(const std::string& key, const ws::Frame& frame,
                          std::string_view except_session) {
    auto& shard = user_shard(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) return;
    for (const auto& connection : it->second.connections)
        if (connection.welcomed && connection.participant->session_id() != except_session)
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
    if (cluster_) cluster_->release_nick(key);
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
        std::map<std::size_t, ws::Frame> frames;
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

namespace parley::chat {

// ---- the cluster ---------------------------------------------------------------------------

void Hub::on_cluster_message(model::ChatMessage message) {
    deliver_message(std::move(message));
}

void Hub::on_cluster_dm(model::DirectMessage message, const std::string& origin_session) {
    deliver_dm(message, origin_session);
}

void Hub::on_cluster_presence(const std::string& node, const std::string& name,
                              const std::string& nick, bool present) {
    auto channel = find_channel(name);
    if (!channel) return;
    std::lock_guard lock(channel->mutex);
    if (channel->dead) return;
    channel->apply_remote(node, nick, present);
    if (channel->has_presence_changes()) mark_presence_dirty(channel);
}

void Hub::on_cluster_typing(const std::string& channel, const std::string& nick) {
    deliver_typing(channel, nick);
}

void Hub::on_node_gone(const std::string& node) {
    for (const auto& channel : all_channels()) {
        std::lock_guard lock(channel->mutex);
        if (channel->dead) continue;
        channel->drop_remote_node(node);
        if (channel->has_presence_changes()) mark_presence_dirty(channel);
    }
}

void Hub::on_cluster_reconnected() {
    for (const auto& channel : all_channels()) {
        {
            std::lock_guard lock(channel->mutex);
            if (channel->dead) continue;
            channel->begin_remote_snapshot();
            fan_out(channel, channel->sequencer.resync());
        }
        cluster_->read_presence(channel->name(),
                                [this, channel](std::optional<std::vector<RemoteMember>> members) {
                                    std::lock_guard lock(channel->mutex);
                                    channel->apply_remote_snapshot(members, true);
                                    if (!channel->dead && channel->has_presence_changes())
                                        mark_presence_dirty(channel);
                                });
    }
}

LocalRegistrations Hub::local_registrations() {
    LocalRegistrations registrations;
    for (auto& shard : users_) {
        std::lock_guard lock(shard.mutex);
        for (const auto& [key, user] : shard.map)
            registrations.nicks.push_back(
                {key, user.nick, user.authenticated, static_cast<int>(user.connections.size())});
    }
    for (const auto& channel : all_channels()) {
        std::lock_guard lock(channel->mutex);
        for (const auto& nick : channel->nicks_here())
            registrations.presence.emplace_back(channel->name(), nick);
    }
    return registrations;
}

}  // namespace parley::chat
