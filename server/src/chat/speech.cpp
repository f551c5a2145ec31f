#include "chat/speech.hpp"

#include "chat/rules.hpp"

namespace parley::chat {

using protocol::ErrorCode;

void Speech::unless_muted(const ParticipantPtr& p, const protocol::RequestId& id,
                          const std::string& channel,
                          std::function<void(const AuthorityPtr&)> then) {
    // The member's channel was read when it joined: this is nearly always from memory.
    authority_.get(channel, [=, this, then = std::move(then)](Expected<AuthorityPtr> authority,
                                                              bool busy) {
        if (!authority) {
            if (busy) return replies_.busy(p, id);
            return replies_.fail(p, id, ErrorCode::unavailable, "the channel could not be read");
        }
        if (is_muted(**authority, identity_of(*p)))
            return replies_.fail(p, id, ErrorCode::muted, "you are muted in " + channel);
        then(*authority);
    });
}

void Speech::say(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                 const protocol::Say& say) {
    model::ChatMessage message{say.channel, 0, nick, say.text, model::now_millis()};
    message.reply_to = say.reply_to;
    message.idempotency = say.key;  // qualified by the author in speak()
    speak(p, id, std::move(message));
}

void Speech::edit(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                  const protocol::Edit& edit) {
    model::ChatMessage event{edit.channel, 0, nick, edit.text, model::now_millis()};
    event.type = model::EventType::edited;
    event.target = edit.seq;
    speak(p, id, std::move(event));
}

void Speech::remove(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                    const protocol::Delete& request) {
    model::ChatMessage event{request.channel, 0, nick, {}, model::now_millis()};
    event.type = model::EventType::deleted;
    event.target = request.seq;
    speak(p, id, std::move(event));
}

void Speech::react(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                   const protocol::React& react) {
    model::ChatMessage event{react.channel, 0, nick, {}, model::now_millis()};
    event.type = model::EventType::reaction;
    event.target = react.seq;
    event.emoji = react.emoji;
    event.on = react.on;
    speak(p, id, std::move(event));
}

void Speech::speak(const ParticipantPtr& p, const protocol::RequestId& id,
                   model::ChatMessage event) {
    const auto& channel = event.channel;
    if (!HubAccess::state(*p).in_channel(channel)) {
        replies_.fail(p, id, ErrorCode::not_member, "join " + channel + " before saying anything");
        return;
    }
    // Who may edit it later: the identity that holds the nick (an account, or this stay of a
    // guest), not just the nick, which a stranger can take once a guest has left.
    auto holder = nicks_.holder(model::nick_key(event.from));
    if (!holder) return;  // gone meanwhile
    event.author = holder->identity;
    event.idempotency = model::idempotency_key(event.author, event.idempotency);
    // The event moves into the callback, which runs once: the channel's name is copied first,
    // as the callback may take the event before unless_muted() reads the name.
    auto name = channel;
    unless_muted(p, id, name,
                 [=, this, event = std::move(event)](const AuthorityPtr& authority) mutable {
                     bool may_delete_any = event.type == model::EventType::deleted &&
                                           rank_in(*authority, identity_of(*p)) >= Rank::op;
                     event.to_webhooks = options_.to_webhooks(event.channel, authority->is_private);
                     store(p, id, std::move(event), may_delete_any);
                 });
}

void Speech::store(const ParticipantPtr& p, const protocol::RequestId& id, model::ChatMessage event,
                   bool may_delete_any) {
    auto answer = [this, p, id](const storage::AppendResult& result) {
        const auto& event = result.message;
        switch (result.refused) {
            case storage::Refusal::none:
                break;
            case storage::Refusal::unchanged:
                // Nothing to tell anyone: the reaction was already as asked.
                if (id) replies_.send(p, protocol::encode_ok(id, std::nullopt));
                return;
            case storage::Refusal::repeated:
                // A resend of what was stored already (its key says so): the first seq again.
                if (id) replies_.send(p, protocol::encode_ok(id, event.seq));
                return;
            case storage::Refusal::no_such_message:
                return replies_.fail(
                    p, id, ErrorCode::no_such_message,
                    "no message " +
                        std::to_string(event.type == model::EventType::message ? event.reply_to
                                                                               : event.target) +
                        " in " + event.channel);
            case storage::Refusal::forbidden:
                return replies_.fail(p, id, ErrorCode::forbidden,
                                     event.type == model::EventType::edited
                                         ? "only its author may edit a message"
                                         : "only its author or the channel's ops may delete "
                                           "a message");
            case storage::Refusal::too_many_reactions:
                return replies_.fail(p, id, ErrorCode::bad_request,
                                     "a message has at most " +
                                         std::to_string(model::max_reactions_per_message) +
                                         " different reactions");
        }
        if (!result.committed)
            return replies_.fail(p, id, ErrorCode::unavailable,
                                 result.unreplicated
                                     ? "stored, but not yet on as many replicas as the server "
                                       "waits for: resend with the same key to learn its seq"
                                     : "the message could not be stored, try again");
        if (id) replies_.send(p, protocol::encode_ok(id, event.seq));
    };
    if (!commit(std::move(event), may_delete_any, std::move(answer))) replies_.busy(p, id);
}

void Speech::publish(model::ChatMessage message, Answer done) {
    // The key is trusted with every channel, private ones too: it only decides the webhooks.
    authority_.get(message.channel, [this, message, done](Expected<AuthorityPtr> authority,
                                                          bool busy) mutable {
        if (!authority) {
            storage::AppendResult failed;
            failed.busy = busy;
            return done(failed);
        }
        message.to_webhooks = options_.to_webhooks(message.channel, (*authority)->is_private);
        if (!commit(std::move(message), false, done)) {
            storage::AppendResult failed;
            failed.busy = true;
            done(failed);
        }
    });
}

bool Speech::commit(model::ChatMessage event, bool may_delete_any, Answer answer) {
    auto received = std::chrono::steady_clock::now();
    auto type = event.type;
    auto stored = [this, received, answer = std::move(answer)](storage::AppendResult result) {
        answer(result);
        if (!result.committed) return;
        auto type = result.message.type;
        // In a cluster the event comes back through Redis like everyone else's. Here storage's
        // thread only sequences and encodes it: the members' share goes to their io threads.
        if (!cluster_) fan_out_.deliver(std::move(result.message));
        if (type != model::EventType::message)
            metrics_.message_changes_total[static_cast<std::size_t>(type) - 1].fetch_add(
                1, std::memory_order_relaxed);
        else
            metrics_.say_to_ok_seconds.observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count());
    };
    return type == model::EventType::message
               ? history_.append(std::move(event), std::move(stored))
               : history_.change(std::move(event), may_delete_any, std::move(stored));
}

void Speech::typing(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                    const protocol::Typing& typing) {
    unless_muted(p, id, typing.channel, [=, this](const AuthorityPtr&) {
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
