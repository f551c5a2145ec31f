#pragma once
// Definitions of WebSocketSession, included only by the files that instantiate it: reading
// frames, and the deadlines the registry's sweep checks (keepalive among them).

#include <boost/asio/bind_allocator.hpp>

#include "net/exact_allocator.hpp"
#include "net/websocket_session_impl.hpp"

namespace parley::net {

// What one readiness of a plain socket reads at most before waiting again, so that a client that
// never stops sending cannot keep its io thread from other sessions.
inline constexpr std::size_t read_chunk_bytes = 16 * 1024;
inline constexpr int read_chunks_per_wakeup = 4;
inline constexpr std::size_t tls_read_buffer_bytes = 4 * 1024;

// ---- read path -----------------------------------------------------------------------------

template <class Socket>
void WebSocketSession<Socket>::do_read() {
    auto self = this->shared_from_this();
    if constexpr (is_tls) {
        if (!tls_read_buffer_) tls_read_buffer_ = std::make_unique<char[]>(tls_read_buffer_bytes);
        socket_.async_read_some(boost::asio::buffer(tls_read_buffer_.get(), tls_read_buffer_bytes),
                                [self](error_code ec, std::size_t n) { self->on_tls_read(ec, n); });
    } else {
        // A wait holds no buffer: an idle session costs its socket, this operation of about
        // 200 bytes and the session itself. (Asio re-arms epoll for the wait, so bytes that
        // arrived before it started still wake it.)
        socket_.async_wait(
            boost::asio::ip::tcp::socket::wait_read,
            boost::asio::bind_allocator(ExactAllocator<void>(),
                                        [self](error_code ec) { self->on_readable(ec); }));
    }
}

template <class Socket>
void WebSocketSession<Socket>::on_readable(error_code ec) {
    if (ended_) return;
    if (ec) return on_read_error(ec);
    // The stack serves every session on this thread; FrameReader copies out only a frame that a
    // read cut off.
    char chunk[read_chunk_bytes];
    for (int round = 0; round < read_chunks_per_wakeup; ++round) {
        std::size_t n = socket_.read_some(boost::asio::buffer(chunk), ec);
        if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) break;
        if (ec) return on_read_error(ec);
        if (!on_bytes({chunk, n})) return;
        if (n < sizeof chunk) break;  // a short read emptied the socket
    }
    do_read();
}

template <class Socket>
void WebSocketSession<Socket>::on_tls_read(error_code ec, std::size_t bytes) {
    if (ended_) return;
    if (ec) return on_read_error(ec);
    if (on_bytes({tls_read_buffer_.get(), bytes})) do_read();
}

template <class Socket>
bool WebSocketSession<Socket>::on_bytes(std::span<char> bytes) {
    last_read_ms_.store(steady_millis(), std::memory_order_relaxed);
    using Kind = ws::FrameReader::Kind;
    while (true) {
        auto event = reader_.next(bytes);
        switch (event.kind) {
            case Kind::need_more:
                return true;
            case Kind::text:
                context_.metrics.messages_in_total.fetch_add(1, std::memory_order_relaxed);
                if (!closing_) handle_frame(event.payload);
                break;
            case Kind::binary:
                context_.metrics.messages_in_total.fetch_add(1, std::memory_order_relaxed);
                close_with(1003, "binary frames are not supported");
                break;
            case Kind::ping:
                if (!closing_) queue_control(ws::make_pong_frame(event.payload), false);
                break;
            case Kind::pong:  // its bytes have already counted as a sign of life
                break;
            case Kind::close:
                on_peer_close(event.code, event.payload);
                return false;
            case Kind::error:
                on_protocol_error(event.code, event.payload);
                return false;
        }
        if (ended_) return false;
    }
}

template <class Socket>
void WebSocketSession<Socket>::on_read_error(error_code ec) {
    // The peer is gone or has stopped sending; a close frame of ours may still get out.
    if (closing_) {
        end_session(close_code_, close_reason_, true);
        close_after_flush();
    } else {
        end_session(1006, ec.message(), false);
    }
}

template <class Socket>
void WebSocketSession<Socket>::on_peer_close(std::uint16_t code, std::string_view reason) {
    if (!closing_) {
        closing_ = true;
        queue_control(ws::make_close_frame(code, {}), true);  // echo the code (RFC 5.5.1)
        end_session(code, reason, true);
    } else {
        end_session(close_code_, close_reason_, true);  // the answer to ours
    }
    close_after_flush();
}

template <class Socket>
void WebSocketSession<Socket>::on_protocol_error(std::uint16_t code, std::string_view why) {
    spdlog::debug("protocol error from {} session={}: {}", remote(), id_, why);
    if (!closing_) {
        closing_ = true;
        close_code_ = code;
        close_reason_ = why;
        queue_control(ws::make_close_frame(code, why), true);
    }
    // No reply is awaited from a peer that broke the protocol: out with the close frame, then
    // half-close and drain, so that unread input does not turn into a reset that destroys it.
    end_session(close_code_, close_reason_, true);
    close_after_flush();
}

// ---- deadlines -----------------------------------------------------------------------------

template <class Socket>
void WebSocketSession<Socket>::check_deadlines(std::chrono::steady_clock::time_point now) {
    if (deadline_hit_.load(std::memory_order_relaxed)) return;
    const auto& options = context_.options;
    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    auto started = write_started_ms_.load(std::memory_order_relaxed);
    auto close_sent = close_sent_ms_.load(std::memory_order_relaxed);
    auto silent_since = last_read_ms_.load(std::memory_order_relaxed);
    const auto idle_ms = options.idle_timeout.count();

    bool write_overdue = started != 0 && now_ms - started > options.write_timeout.count();
    bool close_overdue = close_sent != 0 && now_ms - close_sent > options.http_timeout.count();
    bool idle_overdue = now_ms - silent_since > idle_ms;
    if (!write_overdue && !close_overdue && !idle_overdue) {
        if (now_ms - silent_since > idle_ms / 2 && pinged_for_ms_ != silent_since) {
            // Half the idle timeout of silence: a ping asks for a sign of life, once.
            pinged_for_ms_ = silent_since;
            boost::asio::post(socket_.get_executor(), [self = this->shared_from_this()] {
                if (!self->closing_ && !self->ended_)
                    self->queue_control(ws::make_ping_frame(), false);
            });
        }
        if (close_sent == 0 && !said_hello_.load(std::memory_order_relaxed) &&
            now - opened_ > options.hello_timeout) {
            // Remembered once seen, so the sweep stops taking the hub state's lock for this
            // session. (Until close_with runs, later sweeps may post it again: it is idempotent.)
            if (identified())
                said_hello_.store(true, std::memory_order_relaxed);
            else
                boost::asio::post(socket_.get_executor(), [self = this->shared_from_this()] {
                    self->close_with(1008, "hello timeout");
                });
        }
        return;
    }
    deadline_hit_.store(true, std::memory_order_relaxed);
    boost::asio::post(socket_.get_executor(), [self = this->shared_from_this(), write_overdue] {
        if (write_overdue) {
            // The peer has not taken a byte for the whole write timeout: a close frame would
            // never get through either.
            self->context_.metrics.slow_consumers_total.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("slow consumer {} session={}: a write was pending for over {} ms",
                         self->remote(), self->id_, self->context_.options.write_timeout.count());
        }
        // Whatever ran out, a close we had sent says why the session ended.
        if (self->closing_)
            self->end_session(self->close_code_, self->close_reason_, false);
        else if (write_overdue)
            self->end_session(1013, "slow consumer", false);
        else
            self->end_session(1006, "idle timeout", false);
    });
}

}  // namespace parley::net
