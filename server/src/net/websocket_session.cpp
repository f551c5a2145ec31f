#include "net/websocket_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <cstdio>
#include <random>

#include "net/io_threads.hpp"
#include "net/write_cork.hpp"

namespace parley::net {

using boost::system::error_code;

namespace {

constexpr auto relaxed = std::memory_order_relaxed;

// Frames one wakeup handles at most before the session lets the thread's other sessions have a
// turn: a client cannot buy a long stretch of an io thread with one big read of small commands.
constexpr int max_frames_per_wakeup = 64;

std::string make_session_id() {
    // A random per-process prefix keeps ids from two runs or two nodes apart.
    static const std::uint32_t prefix = std::random_device{}();
    static std::atomic<std::uint64_t> counter{0};
    char id[32];
    std::snprintf(id, sizeof id, "%08x-%llx", prefix, static_cast<unsigned long long>(++counter));
    return id;
}

}  // namespace

std::int64_t steady_millis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

WebSocketSession::WebSocketSession(ServerContext& context, std::uint16_t remote_port,
                                   std::string url_token)
    : chat::Participant(IoThreads::current() == IoThreads::none ? 0 : IoThreads::current()),
      context_(context),
      reader_(context.options.max_frame_bytes),
      queue_(context.options.max_queue_bytes),
      id_(make_session_id()),
      url_token_(url_token.empty() ? nullptr : std::make_unique<std::string>(std::move(url_token))),
      metrics_(context.metrics),
      message_limiter_(context.message_rules),
      command_limiter_(context.command_rules),
      opened_ms_(steady_millis()),
      remote_port_(remote_port),
      last_read_ms_(opened_ms_) {
    metrics_.connections_open.fetch_add(1, relaxed);
    metrics_.connections_total.fetch_add(1, relaxed);
}

WebSocketSession::~WebSocketSession() {
    // Only metrics here: at shutdown a session can outlive the context, released by the
    // io_context's destructor.
    metrics_.connections_open.fetch_sub(1, relaxed);
}

RemoteAddress WebSocketSession::remote() const {
    static const std::string unknown = "-";
    return {connection_slot_ ? connection_slot_.address() : unknown, remote_port_};
}

void WebSocketSession::hold(ConnectionLimits::Slot connection, ConnectionLimits::Slot session) {
    connection_slot_ = std::move(connection);
    session_slot_ = std::move(session);
}

void WebSocketSession::run(std::string response, std::string early) {
    context_.registry.add(self());
    spdlog::info("open {} session={}", remote(), id_);
    queued(queue_.push_control(std::move(response)));
    if (context_.shutting_down.load()) close_with(1001, "server shutting down");
    if (!early.empty() && on_bytes({early.data(), early.size()}) == Input::stop) return;
    read_more();
}

// ---- read path -----------------------------------------------------------------------------

WebSocketSession::Input WebSocketSession::on_bytes(std::span<char> bytes) {
    last_read_ms_.store(steady_millis(), relaxed);
    using Kind = ws::FrameReader::Kind;
    for (int handled = 0;; ++handled) {
        if (handled == max_frames_per_wakeup && !bytes.empty()) {
            // Let the thread's other sessions have a turn; the rest waits in its queue.
            backlog_ = std::make_unique<std::string>(bytes.data(), bytes.size());
            boost::asio::post(executor(), [self = self()] { self->resume_backlog(); });
            return Input::stop;
        }
        auto event = reader_.next(bytes);
        switch (event.kind) {
            case Kind::need_more:
                return Input::read_on;
            case Kind::text:
                metrics_.messages_in_total.fetch_add(1, relaxed);
                if (close_.reads_commands()) handle_frame(event.payload);
                break;
            case Kind::binary:
                metrics_.messages_in_total.fetch_add(1, relaxed);
                close_with(1003, "binary frames are not supported");
                break;
            case Kind::ping:
                // A ping costs its sender like a command; a flood of them is closed 1008.
                if (close_.reads_commands() && admit_command({}, protocol::Ping{}))
                    queued(queue_.push_pong(event.payload));
                break;
            case Kind::pong:  // its bytes have already counted as a sign of life
                break;
            case Kind::close:
                apply(close_.peer_close(event.code, event.payload));
                return Input::stop;
            case Kind::error:
                spdlog::debug("protocol error from {} session={}: {}", remote(), id_,
                              event.payload);
                apply(close_.protocol_error(event.code, event.payload));
                return Input::stop;
        }
        if (close_.ended() || drop_after_close_) return Input::stop;
    }
}

void WebSocketSession::resume_backlog() {
    auto input = std::move(backlog_);
    if (close_.ended() || !input) return;
    if (on_bytes({input->data(), input->size()}) == Input::read_on) read_more();
}

void WebSocketSession::on_read_error(error_code ec) {
    if (close_.ended()) return;
    apply(close_.read_failed(ec.message()));
}

// ---- write path ----------------------------------------------------------------------------

void WebSocketSession::deliver(const ws::Frame& frame) {
    queued(queue_.push(frame));
}

void WebSocketSession::queued(ws::WriteQueue::Push pushed) {
    if (pushed == ws::WriteQueue::Push::queued_flush) {
        // On its own thread the write waits for the end of the batch, with whatever else the
        // batch brings; from elsewhere it is posted to that thread.
        if (IoThreads::current() == lane())
            WriteCork::here().mark(self(), executor());
        else
            boost::asio::post(executor(), [self = self()] { self->do_write(); });
    } else if (pushed == ws::WriteQueue::Push::over_limit)
        boost::asio::post(executor(), [self = self()] { self->on_slow_consumer(); });
}

void WebSocketSession::do_write() {
    if (writing_) return;  // on_write comes back here
    for (;;) {
        if (close_.stage() == ws::CloseState::Stage::draining ||
            close_.stage() == ws::CloseState::Stage::closed) {
            // Past the close frame and the shutdown: these frames could only fail to send.
            queue_.discard_pending();
            return;
        }
        const auto& batch = queue_.take();
        if (batch.empty()) {
            if (drop_after_close_)
                abandon_flooder();
            else if (drain_after_flush_ && close_.begin_draining())
                finish_sending();
            return;
        }
        buffers_.clear();
        std::size_t total = 0;
        for (const auto& frame : batch) {
            buffers_.emplace_back(frame->data(), frame->size());
            total += frame->size();
        }
        // Most writes fit in the socket's buffer: one non-blocking writev, and no handler.
        error_code ec;
        auto done = write_now(buffers_, ec);
        if (done > 0) count_write(done);
        if (done == total) {
            metrics_.frames_out_total.fetch_add(queue_.written(), relaxed);
            continue;  // frames may have come meanwhile
        }
        if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) {
            queue_.written();
            return close_socket();
        }
        // The socket is full: the rest waits for it to take more, under the write timeout.
        while (done > 0) {
            auto& first = buffers_.front();
            if (done < first.size()) {
                first += done;
                break;
            }
            done -= first.size();
            buffers_.erase(buffers_.begin());
        }
        writing_ = true;
        write_started_ms_.store(steady_millis(), relaxed);
        write(buffers_);
        return;
    }
}

void WebSocketSession::count_write(std::size_t bytes) {
    metrics_.bytes_out_total.fetch_add(bytes, relaxed);
    metrics_.socket_writes_total.fetch_add(1, relaxed);
}

void WebSocketSession::on_write(error_code ec, std::size_t bytes) {
    writing_ = false;
    write_started_ms_.store(0, relaxed);
    count_write(bytes);
    metrics_.frames_out_total.fetch_add(queue_.written(), relaxed);
    if (ec) return close_socket();
    do_write();
}

void WebSocketSession::on_slow_consumer() {
    queue_.discard_pending();
    metrics_.slow_consumers_total.fetch_add(1, relaxed);
    spdlog::warn("slow consumer {} nick={} session={}: send queue passed {} bytes, closing 1013",
                 remote(), nick(), id_, queue_.max_bytes());
    close_with(1013, "slow consumer");
}

// ---- closing -------------------------------------------------------------------------------

void WebSocketSession::close_with(std::uint16_t code, std::string_view reason) {
    auto step = close_.close(code, reason);
    // The peer's answering close frame ends the session; the sweep gives up on it after the
    // HTTP timeout.
    if (step.send_close) close_sent_ms_.store(steady_millis(), relaxed);
    apply(step);
}

void WebSocketSession::apply(const ws::CloseState::Step& step) {
    if (step.send_close) {
        auto pushed =
            queue_.push_close(ws::make_close_frame(close_.close_code(), close_.close_reason()));
        if (pushed == ws::WriteQueue::Push::queued_flush) do_write();
    }
    if (step.end) end_session(step);
    if (step.drain_after_flush) {
        drain_after_flush_ = true;
        if (!writing_) do_write();
    }
    if (step.close_socket) close_socket();
}

void WebSocketSession::end_session(const ws::CloseState::Step& step) {
    metrics_.count_close(close_.code());
    context_.hub.disconnect(self());
    context_.registry.remove(this);
    context_.registry.note_peak_queue(queue_.peak_bytes());
    session_slot_.reset();
    auto lived = (steady_millis() - opened_ms_) / 1000.0;
    auto nick = this->nick();
    spdlog::info("close {} nick={} session={} code={} reason=\"{}\" after {:.1f}s", remote(),
                 nick.empty() ? "-" : nick, id_, close_.code(), step.reason, lived);
    if (!step.linger || !tcp_socket().is_open()) return;
    // The close frame is on its way: the socket closes once it is out and the peer has closed
    // too, or after the write timeout.
    linger_timer_ =
        std::make_unique<boost::asio::steady_timer>(executor(), context_.options.write_timeout);
    linger_timer_->async_wait([self = self()](error_code ec) {
        if (!ec) self->close_socket();
    });
}

void WebSocketSession::abandon_flooder() {
    // The close frame is out: send FIN behind it and read nothing more. What the flooder keeps
    // sending fills the kernel's buffer and then its own window, costing no CPU; the socket
    // closes after the linger (a reset then is harmless: the close frame was read long before).
    error_code ignored;
    tcp_socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    auto step = close_.deadline(ws::CloseState::Overdue::close_answer);
    step.close_socket = false;
    step.linger = true;
    apply(step);
}

void WebSocketSession::half_close_and_drain() {
    // Closing with unread input makes the kernel send a reset, which can destroy the close
    // frame before the peer reads it. Half-close instead, and read until the peer closes too.
    error_code ignored;
    tcp_socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    drain(std::make_unique<DrainBuffer>());
}

void WebSocketSession::drain(std::unique_ptr<DrainBuffer> buffer) {
    // Not one buffer shared by every session: sessions drain on several io threads at once, and
    // their reads would all write into it together.
    auto space = boost::asio::buffer(*buffer);
    tcp_socket().async_read_some(
        space, [self = self(), buffer = std::move(buffer)](error_code ec, std::size_t) mutable {
            if (ec) return self->close_socket();
            self->drain(std::move(buffer));
        });
}

void WebSocketSession::close_socket() {
    error_code ignored;
    if (linger_timer_) linger_timer_->cancel();
    auto& socket = tcp_socket();
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    close_.socket_closed();
    connection_slot_.reset();
}

void WebSocketSession::close(std::uint16_t code, const char* reason) {
    boost::asio::post(executor(),
                      [self = self(), code, reason] { self->close_with(code, reason); });
}

void WebSocketSession::shut_down() {
    boost::asio::post(executor(),
                      [self = self()] { self->close_with(1001, "server shutting down"); });
}

// ---- deadlines -----------------------------------------------------------------------------

void WebSocketSession::check_deadlines(std::chrono::steady_clock::time_point now) {
    if (deadline_hit_.load(relaxed)) return;
    const auto& options = context_.options;
    const ws::DeadlineLimits limits{options.write_timeout.count(), options.http_timeout.count(),
                                    options.idle_timeout.count(), options.hello_timeout.count()};
    const ws::DeadlineTimes times{opened_ms_, write_started_ms_.load(relaxed),
                                  close_sent_ms_.load(relaxed), last_read_ms_.load(relaxed)};
    auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    auto due = ws::due(limits, times, now_ms, pinged_for_ms_, said_hello_.load(relaxed));
    using ws::Due;
    switch (due) {
        case Due::nothing:
            return;
        case Due::ping:
            // Half the idle timeout of silence: a ping asks for a sign of life, once.
            pinged_for_ms_ = times.last_read_ms;
            boost::asio::post(executor(), [self = self()] {
                if (self->close_.reads_commands())
                    self->queued(self->queue_.push_control(ws::make_ping_frame()));
            });
            return;
        case Due::hello:
            // Remembered once seen, so the sweep stops asking. (Until close_with runs, later
            // sweeps may post it again: it is idempotent.)
            if (!nick().empty())
                said_hello_.store(true, relaxed);
            else
                boost::asio::post(executor(),
                                  [self = self()] { self->close_with(1008, "hello timeout"); });
            return;
        case Due::write:
        case Due::close_answer:
        case Due::idle:
            break;
    }
    deadline_hit_.store(true, relaxed);
    using Overdue = ws::CloseState::Overdue;
    auto what = due == Due::write          ? Overdue::write
                : due == Due::close_answer ? Overdue::close_answer
                                           : Overdue::idle;
    boost::asio::post(executor(), [self = self(), what] {
        if (what == Overdue::write) {
            // The peer has not taken a byte for the whole write timeout: a close frame would
            // never get through either.
            self->metrics_.slow_consumers_total.fetch_add(1, relaxed);
            spdlog::warn("slow consumer {} session={}: a write was pending for over {} ms",
                         self->remote(), self->id_, self->context_.options.write_timeout.count());
        }
        self->apply(self->close_.deadline(what));
    });
}

}  // namespace parley::net
