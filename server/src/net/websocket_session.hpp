#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
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
#include "net/tls_stream.hpp"
#include "ws/frame_reader.hpp"

namespace parley::net {

// A peer's address for logs, formatted only when a line is actually written.
struct RemoteAddress {
    std::string_view ip;
    std::uint16_t port;
};

// One WebSocket connection after its upgrade: reads frames, turns them into commands for the hub,
// and writes whatever the hub delivers. `Socket` is a TCP socket or a TlsStream over one; either
// way only do_write() writes to it, so a TLS stream never sees two writes at once.
//
// The read path holds as little as possible, since most connections are idle most of the time:
// on a plain socket an idle session waits for readability with no buffer at all, then reads into
// a buffer on the stack and parses the frames there (FrameReader copies only what a read cut
// off). Keepalive needs no timer of its own either: the registry's sweep pings a silent
// connection at half the idle timeout and drops it at the timeout.
//
// The write path: deliver() appends the shared frame to `pending_` under a small mutex and posts
// one write to the strand if none is queued. The strand swaps `pending_` out and writes every
// frame in it with one gathered socket write; frames arriving meanwhile wait for the next. So
// a busy connection gets many frames per system call, and a stalled one grows `pending_` until
// the byte limit closes it with 1013 while nobody else waits. Control frames (the 101 response,
// pong, ping, close) go through the same queue, in order with the chat frames.
template <class Socket>
class WebSocketSession final : public chat::Participant,
                               public SessionControl,
                               public std::enable_shared_from_this<WebSocketSession<Socket>> {
  public:
    WebSocketSession(Socket&& socket, ServerContext& context, std::string remote_ip,
                     std::uint16_t remote_port, std::string url_token);
    ~WebSocketSession() override;

    // Sends the handshake's 101 `response` and reads frames, starting with `early`: whatever the
    // client sent after its upgrade request without waiting for the answer.
    void run(std::string response, std::string early);

    // chat::Participant
    void deliver(const ws::Frame& frame) override;
    std::string_view session_id() const override { return id_; }

    // SessionControl
    void check_deadlines(std::chrono::steady_clock::time_point now) override;
    void shut_down() override;
    std::size_t queued_bytes() const override;

  private:
    static constexpr bool is_tls = std::is_same_v<Socket, TlsStream>;

    void do_read();
    void on_readable(boost::system::error_code ec);
    void on_tls_read(boost::system::error_code ec, std::size_t bytes);
    bool on_bytes(std::span<char> bytes);  // false once frames are no longer read
    void on_read_error(boost::system::error_code ec);
    void on_peer_close(std::uint16_t code, std::string_view reason);
    void on_protocol_error(std::uint16_t code, std::string_view why);
    void handle_frame(std::string_view text);
    void handle_hello(const protocol::RequestId& id, const protocol::Hello& hello);
    void send_error(const protocol::RequestId& id, protocol::ErrorCode code,
                    const std::string& message);

    void queue_control(std::string bytes, bool last);  // last: a close frame
    void do_write();
    void on_write(boost::system::error_code ec, std::size_t bytes);
    void on_slow_consumer();
    void close_with(std::uint16_t code, std::string_view reason);
    void close_after_flush();
    void close_socket();
    void finish_close();  // after the close frame is out
    void half_close_and_drain();
    void drain();
    // `linger`: a close frame is on its way, so the socket closes only after it is written and
    // the peer has closed too, bounded by the write timeout.
    void end_session(std::uint16_t code, std::string_view reason, bool linger);
    boost::asio::ip::tcp::socket& tcp_socket();
    bool identified();
    RemoteAddress remote() const { return {remote_ip_, remote_port_}; }

    ServerContext& context_;
    Socket socket_;
    ws::FrameReader reader_;
    std::string id_;
    std::string remote_ip_;                   // the key of the per-address connection count
    std::unique_ptr<std::string> url_token_;  // the ?token= of the upgrade, until hello
    metrics::Metrics& metrics_;
    auth::RateLimiter rate_limiter_;
    const std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();
    std::unique_ptr<char[]> tls_read_buffer_;  // TLS only: decrypted bytes need a home
    std::uint16_t remote_port_;

    // Shared with deliver() on other threads.
    mutable std::mutex out_mutex_;
    std::vector<ws::Frame> pending_;
    std::size_t queued_bytes_ = 0;  // pending_ and in flight
    bool write_posted_ = false;
    bool out_closed_ = false;  // past the byte limit, or a close frame queued: frames are dropped

    // Strand only.
    std::vector<ws::Frame> in_flight_;
    std::vector<boost::asio::const_buffer> buffers_;
    std::size_t in_flight_bytes_ = 0;
    bool writing_ = false;
    bool close_after_flush_ = false;
    bool draining_ = false;
    bool closing_ = false;  // our close frame is queued: nothing but a close is read any more
    bool ended_ = false;
    std::uint16_t close_code_ = 0;  // the code we sent, if we closed
    std::string close_reason_;
    std::unique_ptr<boost::asio::steady_timer> linger_timer_;  // only after the session ended

    // Read by the registry's sweep, on its own strand.
    std::atomic<std::int64_t> write_started_ms_{0};  // 0 while no write is pending
    std::atomic<std::int64_t> last_read_ms_;         // keepalive: when the peer last sent bytes
    std::atomic<std::int64_t> close_sent_ms_{0};     // 0 until close_with()
    std::int64_t pinged_for_ms_ = 0;                 // the sweep's own: silence already pinged
    std::atomic<bool> deadline_hit_{false};
    std::atomic<bool> said_hello_{false};
};

using PlainWebSocketSession = WebSocketSession<boost::asio::ip::tcp::socket>;
using TlsWebSocketSession = WebSocketSession<TlsStream>;
extern template class WebSocketSession<boost::asio::ip::tcp::socket>;
extern template class WebSocketSession<TlsStream>;

}  // namespace parley::net
