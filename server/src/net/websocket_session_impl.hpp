#pragma once
// Definitions of WebSocketSession, included only by the files that instantiate it.

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/error.hpp>
#include <random>
#include <variant>

#include "net/websocket_session.hpp"
#include "protocol/events.hpp"

namespace parley::net {

namespace websocket = boost::beast::websocket;
using boost::system::error_code;

std::string make_session_id();
std::int64_t steady_millis();

template <class Socket>
WebSocketSession<Socket>::WebSocketSession(Socket&& socket, ServerContext& context,
                                           std::string remote_ip, std::string remote,
                                           std::string url_token)
    : context_(context),
      ws_(std::move(socket)),
      id_(make_session_id()),
      remote_ip_(std::move(remote_ip)),
      remote_(std::move(remote)),
      url_token_(std::move(url_token)),
      metrics_(context.metrics),
      rate_limiter_(auth::RateLimits{context.options.rate_per_sec, context.options.burst}) {
    ws_.next_layer().set_sink(this);
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
void WebSocketSession<Socket>::run(
    boost::beast::http::request<boost::beast::http::string_body> request) {
    const auto& options = context_.options;
    // Beast's close handshake uses the handshake timeout too; pings keep idle peers honest.
    websocket::stream_base::timeout timeout{options.http_timeout, options.idle_timeout, true};
    ws_.set_option(timeout);
    ws_.read_message_max(options.max_frame_bytes);
    ws_.auto_fragment(false);  // Beast would otherwise hold a 4 KiB write buffer per session
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
        response.set(boost::beast::http::field::server, "parley");
    }));
    ws_.async_accept(request,
                     [self = this->shared_from_this()](error_code ec) { self->on_accept(ec); });
}

template <class Socket>
void WebSocketSession<Socket>::on_accept(error_code ec) {
    if (ec) {
        spdlog::debug("websocket handshake from {} failed: {}", remote_, ec.message());
        ended_ = true;
        context_.registry.release(remote_ip_);
        return;
    }
    accepted_ = true;
    context_.registry.add(this->shared_from_this());
    spdlog::info("open {} session={}", remote_, id_);
    if (context_.shutting_down.load()) close_with(1001, "server shutting down");
    do_read();
}

template <class Socket>
void WebSocketSession<Socket>::do_read() {
    // Beast allocates the read buffer before data arrives. Waiting for a new message it gets only
    // a few bytes to offer, so an idle session holds almost nothing; once a message has begun,
    // the rest is read in as few steps as its size allows.
    constexpr std::size_t idle_read_bytes = 64;
    std::size_t limit =
        read_buffer_.size() == 0 ? idle_read_bytes : context_.options.max_frame_bytes;
    ws_.async_read_some(
        read_buffer_, limit,
        [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

template <class Socket>
void WebSocketSession<Socket>::on_read(error_code ec, std::size_t) {
    if (ec) {
        end_session(ec);
        return;
    }
    if (!ws_.is_message_done()) return do_read();
    context_.metrics.messages_in_total.fetch_add(1, std::memory_order_relaxed);
    if (!closing_) {
        if (!ws_.got_text()) {
            close_with(1003, "binary frames are not supported");
        } else {
            auto data = read_buffer_.cdata();
            handle_frame({static_cast<const char*>(data.data()), data.size()});
        }
    }
    // Idle sessions hold no read memory: the buffer is allocated again for the next message.
    read_buffer_.clear();
    read_buffer_.shrink_to_fit();
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
    deliver(protocol::make_text_frame(protocol::encode_error(id, code, message)));
}

template <class Socket>
void WebSocketSession<Socket>::handle_frame(std::string_view text) {
    auto decoded = protocol::decode(text, context_.decode_limits);
    const auto& id = decoded.id;
    if (auto* error = std::get_if<protocol::Error>(&decoded.result)) {
        send_error(id, error->code, error->message);
        return;
    }
    auto& command = std::get<protocol::Command>(decoded.result);
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
                deliver(protocol::make_text_frame(protocol::encode_pong(id)));
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
    std::string url_token = std::exchange(url_token_, std::string());  // needed only once
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
void WebSocketSession<Socket>::deliver(const protocol::Frame& frame) {
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
        boost::asio::post(ws_.get_executor(),
                          [self = this->shared_from_this()] { self->do_write(); });
    if (slow)
        boost::asio::post(ws_.get_executor(),
                          [self = this->shared_from_this()] { self->on_slow_consumer(); });
}

template <class Socket>
void WebSocketSession<Socket>::queue_protocol_bytes(std::string bytes) {
    {
        std::lock_guard lock(out_mutex_);
        queued_bytes_ += bytes.size();
        pending_.push_back(std::make_shared<const std::string>(std::move(bytes)));
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
        raw_stream(), std::span<const boost::asio::const_buffer>(buffers_),
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
                 remote_, hub_state.nick, id_, context_.options.max_queue_bytes);
    close_with(1013, "slow consumer");
}

// ---- closing -------------------------------------------------------------------------------

template <class Socket>
void WebSocketSession<Socket>::close_with(std::uint16_t code, const std::string& reason) {
    if (closing_ || ended_) return;
    closing_ = true;
    close_code_ = code;
    close_reason_ = reason;
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                    [self = this->shared_from_this()](error_code) {});
}

template <class Socket>
boost::asio::ip::tcp::socket& WebSocketSession<Socket>::tcp_socket() {
    if constexpr (is_tls)
        return boost::beast::get_lowest_layer(ws_).socket();
    else
        return boost::beast::get_lowest_layer(ws_);
}

template <class Socket>
void WebSocketSession<Socket>::finish_close() {
    if (draining_) return;
    draining_ = true;
    if constexpr (is_tls) {
        // close_notify first, so that a TLS peer can tell a finished conversation from a cut
        // one. Nothing else writes by now (do_write stops once draining_ is set), and the
        // linger timer set in end_session bounds a peer that never answers.
        raw_stream().async_shutdown(
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
void WebSocketSession<Socket>::end_session(error_code ec) {
    if (ended_) return;
    ended_ = true;
    {
        std::lock_guard lock(out_mutex_);
        out_closed_ = true;
    }
    std::uint16_t code = close_code_;
    std::string reason = close_reason_;
    if (code == 0) {
        if (ec == websocket::error::closed) {
            code = ws_.reason().code;
            reason = std::string(ws_.reason().reason.c_str());
            if (code == 0) code = 1005;
        } else if (ec == websocket::error::message_too_big) {
            code = 1009;
            reason = "frame too big";
        } else if (ec == websocket::error::bad_frame_payload) {
            code = 1007;
            reason = "invalid UTF-8";
        } else if (ec == boost::beast::error::timeout) {
            code = 1006;
            reason = "idle timeout";
        } else {
            code = 1006;
            reason = ec.message();
        }
    }
    context_.metrics.count_close(code);
    auto self = this->shared_from_this();
    context_.hub.disconnect(self);
    context_.registry.remove(this);
    context_.registry.release(remote_ip_);
    auto lived = std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_).count();
    spdlog::info("close {} nick={} session={} code={} reason=\"{}\" after {:.1f}s", remote_,
                 hub_state.nick.empty() ? "-" : hub_state.nick, id_, code, reason, lived);
    // After a close handshake the socket closes once the close frame is out and the peer has
    // closed its side; give that at most the write timeout. Other errors leave nothing to send.
    bool handshake_close = ec == websocket::error::closed ||
                           ec == websocket::error::message_too_big ||
                           ec == websocket::error::bad_frame_payload || closing_;
    if (!handshake_close) {
        close_socket();
        return;
    }
    if (!tcp_socket().is_open()) return;
    linger_timer_ = std::make_unique<boost::asio::steady_timer>(ws_.get_executor(),
                                                                context_.options.write_timeout);
    linger_timer_->async_wait([self](error_code ec) {
        if (!ec) self->close_socket();
    });
}

// ---- deadlines -----------------------------------------------------------------------------

template <class Socket>
void WebSocketSession<Socket>::check_deadlines(std::chrono::steady_clock::time_point now) {
    if (deadline_hit_.load(std::memory_order_relaxed)) return;
    const auto& options = context_.options;
    auto started = write_started_ms_.load(std::memory_order_relaxed);
    bool write_overdue = started != 0 && steady_millis() - started > options.write_timeout.count();
    bool hello_overdue = false;
    if (!said_hello_.load(std::memory_order_relaxed) && now - opened_ > options.hello_timeout) {
        // Remembered once seen, so the sweep stops taking the hub state's lock for this session.
        if (identified())
            said_hello_.store(true, std::memory_order_relaxed);
        else
            hello_overdue = true;
    }
    if (!write_overdue && !hello_overdue) return;
    deadline_hit_.store(true, std::memory_order_relaxed);
    boost::asio::post(ws_.get_executor(), [self = this->shared_from_this(), write_overdue] {
        if (write_overdue) {
            // The peer has not taken a byte for the whole write timeout: a close frame would
            // never get through either.
            self->context_.metrics.slow_consumers_total.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("slow consumer {} session={}: a write was pending for over {} ms",
                         self->remote_, self->id_, self->context_.options.write_timeout.count());
            if (!self->closing_) {
                self->closing_ = true;
                self->close_code_ = 1013;
                self->close_reason_ = "slow consumer";
            }
            self->close_socket();
        } else {
            self->close_with(1008, "hello timeout");
        }
    });
}

template <class Socket>
void WebSocketSession<Socket>::shut_down() {
    boost::asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
        self->close_with(1001, "server shutting down");
    });
}

template <class Socket>
std::size_t WebSocketSession<Socket>::queued_bytes() const {
    std::lock_guard lock(out_mutex_);
    return queued_bytes_;
}

}  // namespace parley::net
