#pragma once
// Definitions of WebSocketSession, included only by the files that instantiate it: set-up,
// commands, the write path and closing. Reading frames and the deadlines are in
// websocket_session_reads.hpp.

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <random>
#include <variant>

#include "net/websocket_session.hpp"
#include "protocol/events.hpp"

template <>
struct fmt::formatter<parley::net::RemoteAddress> : fmt::formatter<std::string_view> {
    auto format(const parley::net::RemoteAddress& remote, fmt::format_context& context) const {
        if (remote.ip.find(':') != std::string_view::npos)  // IPv6
            return fmt::format_to(context.out(), "[{}]:{}", remote.ip, remote.port);
        return fmt::format_to(context.out(), "{}:{}", remote.ip, remote.port);
    }
};

namespace parley::net {

using boost::system::error_code;

std::string make_session_id();
std::int64_t steady_millis();

template <class Socket>
WebSocketSession<Socket>::WebSocketSession(Socket&& socket, ServerContext& context,
                                           std::string remote_ip, std::uint16_t remote_port,
                                           std::string url_token)
    : context_(context),
      socket_(std::move(socket)),
      reader_(context.options.max_frame_bytes),
      id_(make_session_id()),
      remote_ip_(std::move(remote_ip)),
      url_token_(url_token.empty() ? nullptr : std::make_unique<std::string>(std::move(url_token))),
      metrics_(context.metrics),
      rate_limiter_(auth::RateLimits{context.options.rate_per_sec, context.options.burst}),
      remote_port_(remote_port),
      last_read_ms_(steady_millis()) {
    context_.metrics.connections_open.fetch_add(1, std::memory_order_relaxed);
    context_.metrics.connections_total.fetch_add(1, std::memory_order_relaxed);
}

template <class Socket>
WebSocketSession<Socket>::~WebSocketSession() {
    // Only metrics here: at shutdown a session can outlive the context, released by the
    // io_context's destructor.
    metrics_.connections_open.fetch_sub(1, std::memory_order_relaxed);
}

template <class Socket>
void WebSocketSession<Socket>::run(std::string response, std::string early) {
    if constexpr (!is_tls) {
        // Reads happen only after a wait said there is something, and must never block.
        error_code ignored;
        socket_.non_blocking(true, ignored);
    }
    context_.registry.add(this->shared_from_this());
    spdlog::info("open {} session={}", remote(), id_);
    queue_control(std::move(response), false);
    if (context_.shutting_down.load()) close_with(1001, "server shutting down");
    if (!early.empty() && !on_bytes(early)) return;
    do_read();
}

template <class Socket>
bool WebSocketSession<Socket>::identified() {
    std::lock_guard lock(hub_state.mutex);
    return !hub_state.nick.empty();
}

template <class Socket>
void WebSocketSession<Socket>::send_error(const protocol::RequestId& id, protocol::ErrorCode code,
                                          const std::string& message) {
    context_.metrics.count_error(code);
    deliver(ws::make_text_frame(protocol::encode_error(id, code, message)));
}

template <class Socket>
void WebSocketSession<Socket>::handle_frame(std::string_view text) {
    auto decoded = protocol::decode(text, context_.decode_limits);
    const auto& id = decoded.id;
    if (!decoded.result) {
        send_error(id, decoded.result.error().code, decoded.result.error().message);
        return;
    }
    auto& command = *decoded.result;
    if (auto* hello = std::get_if<protocol::Hello>(&command)) {
        handle_hello(id, *hello);
        return;
    }
    if (!identified()) {
        send_error(id, protocol::ErrorCode::hello_required, "say hello first");
        return;
    }
    if (protocol::is_rate_limited(command)) {
        switch (rate_limiter_.on_message(std::chrono::steady_clock::now())) {
            case auth::RateDecision::allow:
                break;
            case auth::RateDecision::rate_limited:
                send_error(id, protocol::ErrorCode::rate_limited, "slow down");
                return;
            case auth::RateDecision::flood:
                close_with(1008, "flooding");
                return;
        }
    }
    auto self = this->shared_from_this();
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
        },
        command);
}

template <class Socket>
void WebSocketSession<Socket>::handle_hello(const protocol::RequestId& id,
                                            const protocol::Hello& hello) {
    if (identified()) {
        send_error(id, protocol::ErrorCode::already_identified,
                   "this connection already said hello");
        return;
    }
    bool authenticated = false;
    std::string url_token = url_token_ ? std::move(*url_token_) : std::string();
    url_token_.reset();  // needed only once
    if (context_.verify_token) {
        const std::string& token = hello.token ? *hello.token : url_token;
        auto subject = token.empty() ? std::nullopt : context_.verify_token(token);
        if (!subject || *subject != hello.nick) {
            send_error(
                id, protocol::ErrorCode::unauthorized,
                token.empty() ? "a token is required" : "the token is not valid for this nick");
            context_.metrics.count_refused(metrics::RefusedReason::unauthorized);
            close_with(1008, "unauthorized");
            return;
        }
        authenticated = true;
    }
    context_.hub.hello(this->shared_from_this(), id, hello.nick, authenticated);
}

// ---- write path ----------------------------------------------------------------------------

template <class Socket>
void WebSocketSession<Socket>::deliver(const ws::Frame& frame) {
    bool post_write = false;
    bool slow = false;
    {
        std::lock_guard lock(out_mutex_);
        if (out_closed_) return;
        if (queued_bytes_ + frame->size() > context_.options.max_queue_bytes) {
            out_closed_ = true;
            slow = true;
        } else {
            pending_.push_back(frame);
            queued_bytes_ += frame->size();
            post_write = !write_posted_;
            write_posted_ = true;
        }
    }
    if (post_write)
        boost::asio::post(socket_.get_executor(),
                          [self = this->shared_from_this()] { self->do_write(); });
    if (slow)
        boost::asio::post(socket_.get_executor(),
                          [self = this->shared_from_this()] { self->on_slow_consumer(); });
}

template <class Socket>
void WebSocketSession<Socket>::queue_control(std::string bytes, bool last) {
    {
        std::lock_guard lock(out_mutex_);
        queued_bytes_ += bytes.size();
        pending_.push_back(std::make_shared<const std::string>(std::move(bytes)));
        // After a close frame a WebSocket may send nothing more (RFC 6455 5.5.1).
        if (last) out_closed_ = true;
    }
    do_write();
}

template <class Socket>
void WebSocketSession<Socket>::do_write() {
    if (writing_) return;  // on_write comes back here
    {
        std::lock_guard lock(out_mutex_);
        write_posted_ = false;
        in_flight_.swap(pending_);
    }
    if (draining_) {
        // Past the close frame and the shutdown: these frames could only fail to send.
        std::lock_guard lock(out_mutex_);
        for (const auto& frame : in_flight_) queued_bytes_ -= frame->size();
        in_flight_.clear();
        return;
    }
    if (in_flight_.empty()) {
        if (close_after_flush_) finish_close();
        return;
    }
    buffers_.clear();
    in_flight_bytes_ = 0;
    for (const auto& frame : in_flight_) {
        buffers_.emplace_back(frame->data(), frame->size());
        in_flight_bytes_ += frame->size();
    }
    writing_ = true;
    write_started_ms_.store(steady_millis(), std::memory_order_relaxed);
    boost::asio::async_write(
        socket_, std::span<const boost::asio::const_buffer>(buffers_),
        [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_write(ec, n); });
}

template <class Socket>
void WebSocketSession<Socket>::on_write(error_code ec, std::size_t bytes) {
    writing_ = false;
    write_started_ms_.store(0, std::memory_order_relaxed);
    auto& metrics = context_.metrics;
    metrics.bytes_out_total.fetch_add(bytes, std::memory_order_relaxed);
    metrics.frames_out_total.fetch_add(in_flight_.size(), std::memory_order_relaxed);
    metrics.socket_writes_total.fetch_add(1, std::memory_order_relaxed);
    {
        std::lock_guard lock(out_mutex_);
        queued_bytes_ -= in_flight_bytes_;
    }
    in_flight_.clear();  // keeps its capacity: no allocation on the next write
    if (ec) {
        close_socket();
        return;
    }
    do_write();
}

template <class Socket>
void WebSocketSession<Socket>::on_slow_consumer() {
    std::size_t dropped = 0;
    {
        std::lock_guard lock(out_mutex_);
        for (const auto& frame : pending_) dropped += frame->size();
        queued_bytes_ -= dropped;
        pending_.clear();
    }
    context_.metrics.slow_consumers_total.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("slow consumer {} nick={} session={}: send queue passed {} bytes, closing 1013",
                 remote(), hub_state.nick, id_, context_.options.max_queue_bytes);
    close_with(1013, "slow consumer");
}

// ---- closing -------------------------------------------------------------------------------

template <class Socket>
void WebSocketSession<Socket>::close_with(std::uint16_t code, std::string_view reason) {
    if (closing_ || ended_) return;
    closing_ = true;
    close_code_ = code;
    close_reason_ = reason;
    // The peer's answering close frame ends the session; the sweep gives up on it after the
    // HTTP timeout.
    close_sent_ms_.store(steady_millis(), std::memory_order_relaxed);
    queue_control(ws::make_close_frame(code, reason), true);
}

template <class Socket>
boost::asio::ip::tcp::socket& WebSocketSession<Socket>::tcp_socket() {
    if constexpr (is_tls)
        return boost::beast::get_lowest_layer(socket_).socket();
    else
        return socket_;
}

template <class Socket>
void WebSocketSession<Socket>::finish_close() {
    if (draining_) return;
    draining_ = true;
    if constexpr (is_tls) {
        // close_notify first, so that a TLS peer can tell a finished conversation from a cut
        // one. Nothing else writes by now (do_write stops once draining_ is set), and the
        // linger timer set in end_session bounds a peer that never answers.
        socket_.async_shutdown(
            [self = this->shared_from_this()](error_code) { self->half_close_and_drain(); });
    } else {
        half_close_and_drain();
    }
}

template <class Socket>
void WebSocketSession<Socket>::half_close_and_drain() {
    // Closing with unread input makes the kernel send a reset, which can destroy the close
    // frame before the peer reads it. Half-close instead, and read until the peer closes too.
    error_code ignored;
    tcp_socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    drain();
}

template <class Socket>
void WebSocketSession<Socket>::drain() {
    // What is drained is thrown away: one buffer serves every session.
    static char discarded[512];
    tcp_socket().async_read_some(boost::asio::buffer(discarded),
                                 [self = this->shared_from_this()](error_code ec, std::size_t) {
                                     if (ec) return self->close_socket();
                                     self->drain();
                                 });
}

template <class Socket>
void WebSocketSession<Socket>::close_after_flush() {
    close_after_flush_ = true;
    if (!writing_) do_write();
}

template <class Socket>
void WebSocketSession<Socket>::close_socket() {
    error_code ignored;
    if (linger_timer_) linger_timer_->cancel();
    auto& socket = tcp_socket();
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

template <class Socket>
void WebSocketSession<Socket>::end_session(std::uint16_t code, std::string_view reason,
                                           bool linger) {
    if (ended_) return;
    ended_ = true;
    {
        std::lock_guard lock(out_mutex_);
        out_closed_ = true;
    }
    context_.metrics.count_close(code);
    auto self = this->shared_from_this();
    context_.hub.disconnect(self);
    context_.registry.remove(this);
    context_.registry.release(remote_ip_);
    auto lived = std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_).count();
    spdlog::info("close {} nick={} session={} code={} reason=\"{}\" after {:.1f}s", remote(),
                 hub_state.nick.empty() ? "-" : hub_state.nick, id_, code, reason, lived);
    if (!linger) {
        close_socket();
        return;
    }
    if (!tcp_socket().is_open()) return;
    linger_timer_ = std::make_unique<boost::asio::steady_timer>(socket_.get_executor(),
                                                                context_.options.write_timeout);
    linger_timer_->async_wait([self](error_code ec) {
        if (!ec) self->close_socket();
    });
}

template <class Socket>
void WebSocketSession<Socket>::shut_down() {
    boost::asio::post(socket_.get_executor(), [self = this->shared_from_this()] {
        self->close_with(1001, "server shutting down");
    });
}

template <class Socket>
std::size_t WebSocketSession<Socket>::queued_bytes() const {
    std::lock_guard lock(out_mutex_);
    return queued_bytes_;
}

}  // namespace parley::net
