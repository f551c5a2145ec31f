#pragma once

#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "auth/rate_limiter.hpp"
#include "chat/participant.hpp"
#include "net/connection_limits.hpp"
#include "net/remote_address.hpp"
#include "net/server_context.hpp"
#include "net/session_registry.hpp"
#include "protocol/command.hpp"
#include "ws/close_state.hpp"
#include "ws/frame_reader.hpp"
#include "ws/write_queue.hpp"

namespace parley::net {

// One WebSocket connection after its upgrade: reads frames, turns them into commands for the
// hub, and writes whatever the hub delivers. Everything it decides is in I/O-free pieces with
// tests of their own: ws::FrameReader parses what the client sends, ws::WriteQueue holds what
// goes out, ws::CloseState says how the connection ends and when its deadlines fall. What is
// left here is I/O, and the transport seam below is all that tells a plain connection from a
// TLS one (PlainWebSocketSession, TlsWebSocketSession).
//
// Threading: every member runs on the connection's io thread except deliver(), queued_bytes() and
// check_deadlines(), which any thread may call: deliver() only touches the WriteQueue (it has
// its own mutex), and the sweep reads the deadline timestamps, which are atomics.
//
// The read path holds as little as possible, since most connections are idle most of the time;
// see PlainWebSocketSession. Keepalive needs no timer either: the registry's sweep pings a
// silent connection at half the idle timeout and drops it at the timeout.
class WebSocketSession : public chat::Participant,
                         public SessionControl,
                         public std::enable_shared_from_this<WebSocketSession> {
  public:
    ~WebSocketSession() override;

    // Keeps the connection's place under the connection limits: `connection` until the socket
    // closes, `session` until the session ends.
    void hold(ConnectionLimits::Slot connection, ConnectionLimits::Slot session);
    // Sends the handshake's 101 `response` and reads frames, starting with `early`: whatever the
    // client sent after its upgrade request without waiting for the answer.
    void run(std::string response, std::string early);

    // chat::Participant
    void deliver(const ws::Frame& frame) override;
    std::string_view session_id() const override { return id_; }
    std::string_view address() const override { return remote().ip; }
    void close(std::uint16_t code, const char* reason) override;

    // WriteCork: writes what was queued during the batch that just ended. Its io thread only.
    void flush() { do_write(); }

    // SessionControl
    void check_deadlines(std::chrono::steady_clock::time_point now) override;
    void shut_down() override;
    std::size_t queued_bytes() const override { return queue_.queued_bytes(); }

  protected:
    // Constructed on the io thread it will live on.
    WebSocketSession(ServerContext& context, std::uint16_t remote_port, std::string url_token);

    // ---- the transport seam ----
    // Reads what the peer sends and hands it to on_bytes() (errors to on_read_error()), once;
    // on_bytes() says whether to read again.
    virtual void read_more() = 0;
    // Writes all of `buffers` (which stay valid until then), then calls on_write().
    virtual void write(std::span<const boost::asio::const_buffer> buffers) = 0;
    // Writes what the socket takes now, without waiting, and returns how many bytes that was
    // (`ec`: would_block when it took none). A transport that cannot sets would_block, and
    // everything goes through write().
    virtual std::size_t write_now(std::span<const boost::asio::const_buffer> /*buffers*/,
                                  boost::system::error_code& ec) {
        ec = boost::asio::error::would_block;
        return 0;
    }
    // Ends the sending direction politely (TLS: close_notify), then calls half_close_and_drain().
    virtual void finish_sending() = 0;
    virtual boost::asio::ip::tcp::socket& tcp_socket() = 0;
    // The connection's io thread: every member but the thread-safe ones runs on it.
    virtual boost::asio::any_io_executor executor() = 0;

    // ---- for the transports ----
    enum class Input { read_on, stop };
    Input on_bytes(std::span<char> bytes);
    void on_read_error(boost::system::error_code ec);
    void on_write(boost::system::error_code ec, std::size_t bytes);
    void half_close_and_drain();
    bool ended() const { return close_.ended(); }
    std::shared_ptr<WebSocketSession> self() { return shared_from_this(); }
    ServerContext& context_;

  private:
    void handle_frame(std::string_view text);  // websocket_session_commands.cpp
    void handle_hello(const protocol::RequestId& id, const protocol::Hello& hello);
    bool admit_command(const protocol::RequestId& id, const protocol::Command& command);
    void send_error(const protocol::RequestId& id, protocol::ErrorCode code,
                    const std::string& message);
    void resume_backlog();

    void queued(ws::WriteQueue::Push pushed);
    void do_write();
    void count_write(std::size_t bytes);
    void on_slow_consumer();
    void close_with(std::uint16_t code, std::string_view reason);
    void apply(const ws::CloseState::Step& step);
    void end_session(const ws::CloseState::Step& step);
    void abandon_flooder();
    // What the peer still sends after our close is read into a buffer of the session's own
    // and thrown away; it exists only while the session drains.
    using DrainBuffer = std::array<char, 512>;
    void drain(std::unique_ptr<DrainBuffer> buffer);
    void close_socket();
    RemoteAddress remote() const;

    // Kept small: every idle connection has all of this.
    ws::FrameReader reader_;
    ws::WriteQueue queue_;
    ws::CloseState close_;
    std::string id_;
    std::unique_ptr<std::string> url_token_;  // the ?token= of the upgrade, until hello
    metrics::Metrics& metrics_;
    auth::RateLimiter message_limiter_;     // say, dm, typing
    auth::RateLimiter command_limiter_;     // every command, weighted by what it costs
    std::unique_ptr<std::string> backlog_;  // input left when a wakeup's frame budget ran out
    std::vector<boost::asio::const_buffer> buffers_;
    bool writing_ = false;
    bool drain_after_flush_ = false;
    bool drop_after_close_ = false;  // a flooder: no more reading, no waiting for its answer
    std::unique_ptr<boost::asio::steady_timer> linger_timer_;  // only after the session ended
    ConnectionLimits::Slot connection_slot_;                   // also knows the client's address
    ConnectionLimits::Slot session_slot_;
    const std::int64_t opened_ms_;
    std::uint16_t remote_port_;

    // The deadlines, read by the registry's sweep on the main io thread.
    std::atomic<std::int64_t> write_started_ms_{0};  // 0 while no write is pending
    std::atomic<std::int64_t> last_read_ms_;         // keepalive: when the peer last sent bytes
    std::atomic<std::int64_t> close_sent_ms_{0};     // 0 until our close frame is queued
    std::int64_t pinged_for_ms_ = 0;                 // the sweep's own: silence already pinged
    std::atomic<bool> deadline_hit_{false};
    std::atomic<bool> said_hello_{false};
};

std::int64_t steady_millis();

}  // namespace parley::net
