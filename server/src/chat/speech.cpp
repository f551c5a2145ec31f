#include "chat/speech.hpp"

#include <boost/asio/post.hpp>

#include "chat/rules.hpp"

namespace parley::chat {

using protocol::ErrorCode;

void Speech::unless_muted(const ParticipantPtr& p, const protocol::RequestId& id,
                          const std::string& channel, std::function<void()> then) {
    // The member's channel was read when it joined: this is nearly always from memory.
    authority_.get(channel, [=, this](Expected<AuthorityPtr> authority, bool busy) {
        if (!authority) {
            if (busy) return replies_.busy(p, id);
            return replies_.fail(p, id, ErrorCode::unavailable, "the channel could not be read");
        }
        if (is_muted(**authority, identity_of(*p)))
            return replies_.fail(p, id, ErrorCode::muted, "you are muted in " + channel);
        then();
    });
}

void Speech::say(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                 const protocol::Say& say) {
    if (!HubAccess::state(*p).in_channel(say.channel)) {
        replies_.fail(p, id, ErrorCode::not_member,
                      "join " + say.channel + " before saying anything");
        return;
    }
    model::ChatMessage message{say.channel, 0, nick, say.text, model::now_millis()};
    unless_muted(p, id, say.channel, [=, this] { store(p, id, message); });
}

void Speech::store(const ParticipantPtr& p, const protocol::RequestId& id,
                   model::ChatMessage message) {
    auto received = std::chrono::steady_clock::now();
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

void Speech::typing(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                    const protocol::Typing& typing) {
    unless_muted(p, id, typing.channel, [=, this] {
        auto channel = channels_.find(typing.channel);
        std::unique_lock<std::mutex> lock;
        if (channel) lock = std::unique_lock(channel->mutex);
        if (!channel || !channel->is_active_member(p.get())) {
            replies_.fail(p, id, ErrorCode::not_member, "not a member of " + typing.channel);
            return;
        }
        if (fan_out_.typing(*channel, nick) && cluster_ && channel->has_remote_members())
            cluster_->announce_typing(typing.channel, nick);
    });
}

}  // namespace parley::chat
