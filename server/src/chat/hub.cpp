#include "chat/hub.hpp"

#include <boost/asio/post.hpp>

namespace parley::chat {

using protocol::ErrorCode;

Hub::Hub(boost::asio::any_io_executor executor, HubOptions options, storage::History& history,
         metrics::Metrics& metrics, ClusterLink* cluster)
    : executor_(executor),
      options_(std::move(options)),
      history_(history),
      metrics_(metrics),
      cluster_(cluster),
      replies_(metrics),
      channels_(metrics),
      presence_(executor, options_.presence_window, options_.presence_limit),
      fan_out_(channels_, history, metrics, options_),
      membership_(options_, channels_, fan_out_, presence_, history, cluster, replies_),
      dms_(nicks_, history, cluster, replies_, metrics),
      bridge_(channels_, nicks_, fan_out_, presence_, dms_, cluster) {}

std::string Hub::identified_nick(const ParticipantPtr& p, const protocol::RequestId& id) {
    auto nick = p->nick();
    if (nick.empty()) replies_.fail(p, id, ErrorCode::hello_required, "say hello first");
    return nick;
}

void Hub::hello(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                bool authenticated) {
    if (HubAccess::state(*p).identified()) {
        replies_.fail(p, id, ErrorCode::already_identified, "this connection already said hello");
        return;
    }
    auto key = model::nick_key(nick);
    if (!nicks_.available(key, nick, authenticated)) {
        replies_.fail(p, id, ErrorCode::nick_taken, "the nick " + nick + " is taken");
        return;
    }
    if (!cluster_) return admit(p, id, nick, key, authenticated);
    // Free here; the cluster decides whether it is free everywhere.
    cluster_->claim_nick(
        key, nick, authenticated, [this, p, id, nick, key, authenticated](NickClaim claim) {
            if (claim == NickClaim::taken)
                replies_.fail(p, id, ErrorCode::nick_taken, "the nick " + nick + " is taken");
            else if (claim == NickClaim::unavailable)
                replies_.fail(p, id, ErrorCode::unavailable,
                              "the cluster cannot be reached, try again");
            else
                admit(p, id, nick, key, authenticated);
        });
}

void Hub::admit(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                const std::string& key, bool authenticated) {
    auto admission = nicks_.admit(p, nick, key, authenticated);
    if (admission != NickRegistry::Admission::admitted) {
        // Disconnected while the cluster answered, another connection here won the race, or a
        // second hello was sent before the first was answered.
        if (cluster_) cluster_->release_nick(key);
        if (admission == NickRegistry::Admission::already_identified)
            replies_.fail(p, id, ErrorCode::already_identified,
                          "this connection already said hello");
        else if (admission == NickRegistry::Admission::taken)
            replies_.fail(p, id, ErrorCode::nick_taken, "the nick " + nick + " is taken");
        return;
    }
    // Welcome after the recent direct messages are read; a dm committed before that read is in
    // `welcome.dms`, one committed after it is delivered live, never both.
    auto send_welcome = [this, p, id, nick, key](std::vector<model::DirectMessage> dms) {
        nicks_.welcome(p, key, [&] {
            protocol::Welcome welcome{nick, std::string(p->session_id()), options_.node,
                                      options_.limits, std::move(dms)};
            replies_.send(p, protocol::encode_welcome(id, welcome));
        });
    };
    if (!history_.recent_dms(nick, options_.welcome_dms, send_welcome)) send_welcome({});
}

void Hub::join(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Join& join) {
    auto nick = identified_nick(p, id);
    if (!nick.empty()) membership_.join(p, id, nick, join);
}

void Hub::leave(const ParticipantPtr& p, const protocol::RequestId& id,
                const protocol::Leave& leave) {
    if (!identified_nick(p, id).empty()) membership_.leave(p, id, leave);
}

void Hub::say(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Say& say) {
    auto nick = identified_nick(p, id);
    if (nick.empty()) return;
    if (!HubAccess::state(*p).in_channel(say.channel)) {
        replies_.fail(p, id, ErrorCode::not_member,
                      "join " + say.channel + " before saying anything");
        return;
    }
    auto received = std::chrono::steady_clock::now();
    model::ChatMessage message{say.channel, 0, nick, say.text, model::now_millis()};
    auto stored = [this, p, id, received](storage::AppendResult result) {
        if (!result.committed) {
            replies_.fail(p, id, ErrorCode::unavailable,
                          "the message could not be stored, try again");
            return;
        }
        auto seq = result.message.seq;
        // In a cluster the message comes back through Redis like everyone else's. Here it
        // fans out on an io thread rather than storage's, so channels fan out in parallel;
        // each channel's sequencer keeps its order.
        if (!cluster_)
            boost::asio::post(executor_, [this, message = std::move(result.message)]() mutable {
                fan_out_.deliver(std::move(message));
            });
        if (id) replies_.send(p, protocol::encode_ok(id, seq));
        metrics_.say_to_ok_seconds.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count());
    };
    if (!history_.append(std::move(message), std::move(stored))) replies_.busy(p, id);
}

void Hub::dm(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Dm& dm) {
    auto nick = identified_nick(p, id);
    if (!nick.empty()) dms_.send(p, id, nick, dm);
}

void Hub::typing(const ParticipantPtr& p, const protocol::RequestId& id,
                 const protocol::Typing& typing) {
    auto nick = identified_nick(p, id);
    if (nick.empty()) return;
    auto channel = channels_.find(typing.channel);
    std::unique_lock<std::mutex> lock;
    if (channel) lock = std::unique_lock(channel->mutex);
    if (!channel || !channel->is_active_member(p.get())) {
        replies_.fail(p, id, ErrorCode::not_member, "not a member of " + typing.channel);
        return;
    }
    if (fan_out_.typing(*channel, nick) && cluster_ && channel->has_remote_members())
        cluster_->announce_typing(typing.channel, nick);
}

void Hub::who(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Who& who) {
    if (identified_nick(p, id).empty()) return;
    std::size_t count = 0;
    std::vector<std::string> members;
    if (auto channel = channels_.find(who.channel)) {
        std::lock_guard lock(channel->mutex);
        count = channel->active_count();
        members = channel->active_nicks(options_.presence_limit);
    }
    replies_.send(p, protocol::encode_who(id, who.channel, count, members));
}

void Hub::channels(const ParticipantPtr& p, const protocol::RequestId& id) {
    if (identified_nick(p, id).empty()) return;
    constexpr std::size_t max_listed = 1000;
    constexpr std::chrono::seconds max_age{1};
    replies_.send(p, protocol::encode_channels(id, *channels_.listing(max_listed, max_age)));
}

void Hub::history(const ParticipantPtr& p, const protocol::RequestId& id,
                  const protocol::HistoryQuery& query) {
    if (identified_nick(p, id).empty()) return;
    if (!channel_known(query.channel)) {
        replies_.fail(p, id, ErrorCode::no_such_channel, "no channel named " + query.channel);
        return;
    }
    // One connection may not keep more than a few reads waiting for storage at a time.
    auto& state = HubAccess::state(*p);
    if (!state.begin_history_read(options_.max_history_reads_per_session)) {
        replies_.fail(p, id, ErrorCode::busy, "wait for your earlier history requests");
        return;
    }
    auto send = [this, p, id, channel = query.channel](storage::Page page) {
        HubAccess::state(*p).end_history_read();
        if (!page.ok)
            return replies_.fail(p, id, ErrorCode::unavailable, "history could not be read");
        if (!page.channel_exists && !has_members(channel))
            return replies_.fail(p, id, ErrorCode::no_such_channel, "no channel named " + channel);
        replies_.send(p, protocol::encode_history(id, channel, page.messages));
    };
    if (!history_.before(query.channel, query.before, query.limit, send)) {
        state.end_history_read();
        replies_.busy(p, id);
    }
}

bool Hub::channel_known(const std::string& name) const {
    return has_members(name) || history_.knows_channel(name);
}

void Hub::disconnect(const ParticipantPtr& p) {
    auto departure = HubAccess::state(*p).depart();
    if (!departure) return;
    for (const auto& [name, ticket] : departure->channels) membership_.drop(p, name);
    if (departure->key.empty()) return;
    if (nicks_.remove(p, departure->key) && cluster_) cluster_->release_nick(departure->key);
}

}  // namespace parley::chat
