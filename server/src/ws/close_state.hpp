#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::ws {

// How one WebSocket connection ends (RFC 6455 section 7), as a state machine with no I/O: each
// event returns the Step the session must take. The stages:
//
//   open ──close()──────────► close_sent ──peer_close()──► (flush) ─► draining ─► closed
//     │                          │ read_failed / deadline ─────────────────────────► closed
//     ├─peer_close()──► close_received (our echo queued) ─► (flush) ─► draining ─► closed
//     ├─protocol_error()─────► close_sent, but no answer awaited ─► (flush) ─► draining
//     └─read_failed() / deadline() ─────────────────────────────────────────────────► closed
//
// "Ending" the session (leaving the hub, counting the close code, the log line) happens once,
// at the first step that says `end`. Draining means: our close frame is out, the sending side is
// shut (TLS: close_notify first) and the socket is read until the peer closes too, so that
// unread input does not turn into a reset that destroys the close frame. A linger bound (the
// write timeout) and the close-answer deadline make sure no stage lasts for ever.
class CloseState {
  public:
    enum class Stage { open, close_sent, close_received, draining, closed };

    struct Step {
        bool send_close = false;         // queue a close frame with close_code()/close_reason()
        bool end = false;                // end the session: code() and reason() say how
        bool linger = false;             // with end: keep the socket until the close frame is out
        bool drain_after_flush = false;  // once the queue is empty, shut down and drain
        bool close_socket = false;       // close the socket now
        // With end: why, for the close log. Valid only while the event's own arguments are:
        // the session logs it at once rather than keep a copy in every connection.
        std::string_view reason;
    };

    // We close: policy, shutdown, slow consumer, an unsupported frame. Waits for the answer.
    // Our reasons are string literals (so are the frame reader's): only a view is kept.
    Step close(std::uint16_t code, std::string_view reason);
    // The peer's close frame: an answer to ours, or its own, which is echoed.
    Step peer_close(std::uint16_t code, std::string_view reason);
    // The peer broke the protocol: our close frame goes out, no answer is awaited.
    Step protocol_error(std::uint16_t code, std::string_view why);
    // The connection failed or the peer stopped sending.
    Step read_failed(std::string_view why);
    // A write pending longer than the write timeout, an unanswered close frame, or silence.
    enum class Overdue { write, close_answer, idle };
    Step deadline(Overdue what);
    // The queue is empty and drain_after_flush was asked for: start draining. Returns false
    // when there is nothing to do (already draining or closed).
    bool begin_draining();
    void socket_closed() { stage_ = Stage::closed; }

    Stage stage() const { return stage_; }
    bool reads_commands() const { return stage_ == Stage::open; }
    bool ended() const { return ended_; }
    // The close frame we send (or sent).
    std::uint16_t close_code() const { return close_code_; }
    std::string_view close_reason() const { return close_reason_; }
    // How the session ended, for the close-code counter.
    std::uint16_t code() const { return end_code_; }

  private:
    Step end(std::uint16_t code, std::string_view reason, Step step);

    Stage stage_ = Stage::open;
    bool ended_ = false;
    std::uint16_t close_code_ = 0;
    std::uint16_t end_code_ = 0;
    std::string_view close_reason_;
};

// When a connection's deadlines fall, from timestamps the session keeps (milliseconds on the
// steady clock, 0 for "none"). One sweep checks every connection with this, so no connection
// needs a timer of its own.
struct DeadlineLimits {
    std::int64_t write_ms;         // a write pending this long: the peer takes nothing
    std::int64_t close_answer_ms;  // our close frame unanswered this long
    std::int64_t idle_ms;          // silence this long drops the connection; pings at half
    std::int64_t hello_ms;         // no hello by then: close 1008
};

struct DeadlineTimes {
    std::int64_t opened_ms = 0;
    std::int64_t write_started_ms = 0;  // 0 while no write is pending
    std::int64_t close_sent_ms = 0;     // 0 until our close frame is queued
    std::int64_t last_read_ms = 0;      // when the peer last sent anything
};

enum class Due { nothing, ping, hello, write, close_answer, idle };

// What is due now. `pinged_for_ms` is the silence already pinged (a ping goes out once per
// silence); `said_hello` stops the hello deadline.
Due due(const DeadlineLimits& limits, const DeadlineTimes& times, std::int64_t now_ms,
        std::int64_t pinged_for_ms, bool said_hello);

}  // namespace parley::ws
