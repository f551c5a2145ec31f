// The command side of a WebSocket session: decode a text frame, charge its sender, and hand the
// command to the hub.
#include <spdlog/spdlog.h>

#include <variant>

#include "net/websocket_session.hpp"
#include "protocol/events.hpp"

namespace parley::net {

void WebSocketSession::send_error(const protocol::RequestId& id, protocol::ErrorCode code,
                                  const std::string& message) {
    metrics_.count_error(code);
    deliver(ws::make_text_frame(protocol::encode_error(id, code, message)));
}

bool WebSocketSession::admit_command(const protocol::RequestId& id,
                                     const protocol::Command& command) {
    // Every command costs its sender: says, dms and typing notices count against the message
    // rate, everything else against the command budget, weighted by what it costs the server.
    // Over a budget the command is refused; far over it for seconds, the connection is closed
    // before the rest of what it sent is read.
    auto now = std::chrono::steady_clock::now();
    auto decision = protocol::is_rate_limited(command)
                        ? message_limiter_.on_message(now)
                        : command_limiter_.on_message(now, protocol::command_cost(command));
    switch (decision) {
        case auth::RateDecision::allow:
            return true;
        case auth::RateDecision::rate_limited:
            if (!std::holds_alternative<protocol::Ping>(command) || id)
                send_error(id, protocol::ErrorCode::rate_limited, "slow down");
            return false;
        case auth::RateDecision::flood:
            // Nothing more is read from a flooder: once the close frame is out the connection
            // is dropped, instead of draining what it keeps sending until it answers.
            close_with(1008, "flooding");
            drop_after_close_ = true;
            return false;
    }
    return false;
}

void WebSocketSession::handle_frame(std::string_view text) {
    auto decoded = protocol::decode(text, context_.decode_limits);
    const auto& id = decoded.id;
    if (!decoded.result) {
        // A malformed frame costs like a command: it was parsed all the same.
        const auto& error = decoded.result.error();
        if (admit_command(id, protocol::Ping{})) send_error(id, error.code, error.message);
        return;
    }
    auto& command = *decoded.result;
    if (!admit_command(id, command)) return;
    if (auto* hello = std::get_if<protocol::Hello>(&command)) {
        handle_hello(id, *hello);
        return;
    }
    if (auto* request = std::get_if<protocol::Register>(&command)) {
        url_token_.reset();
        context_.hub.register_account(self(), id, *request);
        return;
    }
    if (nick().empty()) {
        send_error(id, protocol::ErrorCode::hello_required, "say hello first");
        return;
    }
    auto self = this->self();
    auto& hub = context_.hub;
    std::visit(
        [&](auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, protocol::Join>)
                hub.join(self, id, c);
            else if constexpr (std::is_same_v<T, protocol::Leave>)
                hub.leave(self, id, c);
            else if constexpr (std::is_same_v<T, protocol::Say>)
                hub.say(self, id, c);
            else if constexpr (std::is_same_v<T, protocol::Dm>)
                hub.dm(self, id, c);
            else if constexpr (std::is_same_v<T, protocol::HistoryQuery>)
                hub.history(self, id, c);
            else if constexpr (std::is_same_v<T, protocol::Who>)
                hub.who(self, id, c);
            else if constexpr (std::is_same_v<T, protocol::ListChannels>)
                hub.channels(self, id);
            else if constexpr (std::is_same_v<T, protocol::Typing>)
                hub.typing(self, id, c);
            else if constexpr (std::is_same_v<T, protocol::Ping>)
                deliver(ws::make_text_frame(protocol::encode_pong(id)));
            else if constexpr (std::is_same_v<T, protocol::ChangePassword>)
                hub.change_password(self, id, c);
            else if constexpr (std::is_same_v<T, protocol::CreateChannel> ||
                               std::is_same_v<T, protocol::SetRole> ||
                               std::is_same_v<T, protocol::SetTopic> ||
                               std::is_same_v<T, protocol::Invite> ||
                               std::is_same_v<T, protocol::Moderate>)
                hub.authority(self, id, command);
            else if constexpr (std::is_same_v<T, protocol::Edit> ||
                               std::is_same_v<T, protocol::Delete> ||
                               std::is_same_v<T, protocol::React>)
                hub.change(self, id, command);
            else if constexpr (std::is_same_v<T, protocol::ConversationQuery>)
                hub.conversation(self, id, c);
            else if constexpr (std::is_same_v<T, protocol::MarkRead>)
                hub.mark_read(self, id, c);
        },
        command);
}

void WebSocketSession::handle_hello(const protocol::RequestId& id, const protocol::Hello& hello) {
    if (!nick().empty()) {
        send_error(id, protocol::ErrorCode::already_identified,
                   "this connection already said hello");
        return;
    }
    std::string url_token = url_token_ ? std::move(*url_token_) : std::string();
    url_token_.reset();  // needed only once
    const std::string& token = hello.token ? *hello.token : url_token;
    std::optional<std::int64_t> token_issued_at;
    if (!token.empty()) {
        auto verified = context_.verify_token(token);
        if (!verified || verified->subject != hello.nick) {
            send_error(id, protocol::ErrorCode::unauthorized,
                       "the token is not valid for this nick");
            metrics_.count_refused(metrics::RefusedReason::unauthorized);
            close_with(1008, "unauthorized");
            return;
        }
        token_issued_at = verified->issued_at;
    }
    context_.hub.hello(self(), id, hello, token_issued_at);
}

}  // namespace parley::net
