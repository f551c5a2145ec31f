#pragma once

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "auth/rate_limiter.hpp"
#include "chat/participant.hpp"
#include "net/server_context.hpp"
#include "net/session_registry.hpp"
#include "net/session_stream.hpp"
#include "net/tls_stream.hpp"

namespace parley::net {

// One WebSocket connection: reads frames, turns them into commands for the hub, and writes
// whatever the hub delivers. `Socket` is a TCP socket or a TlsStream over one; either way only
// do_write() writes to it, so a TLS stream never sees two writes at once.
//
// The write path: deliver() appends the shared frame to `pending_` under a small mutex and posts
// one write to the strand if none is queued. The strand swaps `pending_` out and writes every
// frame in it with one gathered socket write; frames arriving meanwhile wait for the next. So
// a busy connection gets many frames per system call, and a stalled one grows `pending_` until
// the byte limit closes it with 1013 while nobody else waits.
template <class Socket>
class WebSocketSession final : public chat::Participant,
                               public SessionControl,
                               public OutboundSink,
                               public std::enable_shared_from_this<WebSocketSession<Socket>> {
  public:
    WebSocketSession(Socket&& socket, ServerContext& context, std::string remote_ip,
                     std::string remote, std::string url_token);
    ~WebSocketSession() override;

    // Completes the WebSocket handshake for this upgrade request, then reads commands.
    void run(boost::beast::http::request<boost::beast::http::string_body> request);

    // chat::Participant
    void deliver(const protocol::Frame& frame) override;
    std::string_view session_id() const override { return id_; }

    // SessionControl
    void check_deadlines(std::chrono::steady_clock::time_point now) override;
    void shut_down() override;
    std::size_t queued_bytes() const override;

    // OutboundSink
    void queue_protocol_bytes(std::string bytes) override;
    void close_after_flush() override;

  private:
    using WebSocket = boost::beast::websocket::stream<SessionStream<Socket>>;

    void on_accept(boost::system::error_code ec);
    void do_read();
    void on_read(boost::system::error_code ec, std::size_t bytes);
    void handle_frame(std::string_view text);
    void handle_hello(const protocol::RequestId& id, const protocol::Hello& hello);
    void send_error(const protocol::RequestId& id, protocol::ErrorCode code,
                    const std::string& message);

    void do_write();
    void on_write(boost::system::error_code ec, std::size_t bytes);
    void on_slow_consumer();
    void close_with(std::uint16_t code, const std::string& reason);
    void close_socket();
    void finish_close();  // after the close frame is out
    void half_close_and_drain();
    void drain();
    void end_session(boost::system::error_code ec);
    Socket& raw_stream() { return ws_.next_layer().next_layer(); }
    boost::asio::ip::tcp::socket& tcp_socket();
    static constexpr bool is_tls = std::is_same_v<Socket, TlsStream>;
    bool identified();

    ServerContext& context_;
    WebSocket ws_;
    boost::beast::flat_buffer read_buffer_;
    std::string id_;
    std::string remote_ip_;
    std::string remote_;
    std::string url_token_;
    metrics::Metrics& metrics_;
    auth::RateLimiter rate_limiter_;
    const std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();

    // Shared with deliver() on other threads.
    mutable std::mutex out_mutex_;
    std::vector<protocol::Frame> pending_;
    std::size_t queued_bytes_ = 0;  // pending_ and in flight
    bool write_posted_ = false;
    bool out_closed_ = false;  // past the byte limit, or ended: deliver() drops frames

    // Strand only.
    std::vector<protocol::Frame> in_flight_;
    std::vector<boost::asio::const_buffer> buffers_;
    std::size_t in_flight_bytes_ = 0;
    bool writing_ = false;
    bool close_after_flush_ = false;
    bool draining_ = false;
    bool closing_ = false;
    bool ended_ = false;
    bool accepted_ = false;
    std::uint16_t close_code_ = 0;  // the code we sent, if we closed
    std::string close_reason_;
    std::unique_ptr<boost::asio::steady_timer> linger_timer_;  // only after the session ended

    // Read by the registry's sweeper.
    std::atomic<std::int64_t> write_started_ms_{0};  // 0 while no write is pending
    std::atomic<bool> deadline_hit_{false};
    std::atomic<bool> said_hello_{false};
};

using PlainWebSocketSession = WebSocketSession<boost::asio::ip::tcp::socket>;
using TlsWebSocketSession = WebSocketSession<TlsStream>;
extern template class WebSocketSession<boost::asio::ip::tcp::socket>;
extern template class WebSocketSession<TlsStream>;

}  // namespace parley::net
