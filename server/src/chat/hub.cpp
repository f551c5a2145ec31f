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
      identification_(options_, nicks_, history, cluster, replies_),
      channels_(metrics),
      presence_(executor, options_.presence_window, options_.presence_limit),
      fan_out_(channels_, history, metrics, options_),
      membership_(options_, channels_, fan_out_, presence_, history, cluster, replies_),
      history_reads_(options_, channels_, history, replies_),
      dms_(nicks_, history, cluster, replies_, metrics),
      bridge_(channels_, nicks_, fan_out_, presence_, dms_, cluster) {}

std::string Hub::identified_nick(const ParticipantPtr& p, const protocol::RequestId& id) {
    auto nick = p->nick();
    if (nick.empty()) replies_.fail(p, id, ErrorCode::hello_required, "say hello first");
    return nick;
}

void Hub::hello(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                bool authenticated, const std::optional<std::string>& resume) {
    identification_.hello(p, id, nick, authenticated, resume);
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
    std::shared_ptr<const std::string> members;
    if (auto channel = channels_.find(who.channel)) {
        std::lock_guard lock(channel->mutex);
        count = channel->active_count();
        members = channel->member_list(options_.presence_limit);
    }
    replies_.send(p, protocol::encode_who(id, who.channel, count, members ? *members : "[]"));
}

void Hub::channels(const ParticipantPtr& p, const protocol::RequestId& id) {
    if (identified_nick(p, id).empty()) return;
    constexpr std::size_t max_listed = 1000;
    constexpr std::chrono::seconds max_age{1};
    replies_.send(p, protocol::encode_channels(id, *channels_.listing(max_listed, max_age)));
}

void Hub::history(const ParticipantPtr& p, const protocol::RequestId& id,
                  const protocol::HistoryQuery& query) {
    if (!identified_nick(p, id).empty()) history_reads_.page(p, id, query);
}

bool Hub::channel_known(const std::string& name) const {
    return history_reads_.channel_known(name);
}

void Hub::disconnect(const ParticipantPtr& p) {
    auto departure = HubAccess::state(*p).depart();
    if (!departure) return;
    for (const auto& [name, ticket] : departure->channels) membership_.drop(p, name);
    if (!departure->key.empty()) identification_.release(p, departure->key);
}

}  // namespace parley::chat
