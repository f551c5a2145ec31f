#include "ws/close_state.hpp"

#include <string>

namespace parley::ws {

CloseState::Step CloseState::end(std::uint16_t code, std::string_view reason, Step step) {
    if (!ended_) {
        ended_ = true;
        step.end = true;
        end_code_ = code;
        step.reason = reason;
    }
    return step;
}

CloseState::Step CloseState::close(std::uint16_t code, std::string_view reason) {
    if (stage_ != Stage::open) return {};
    stage_ = Stage::close_sent;
    close_code_ = code;
    close_reason_ = reason;
    Step step;
    step.send_close = true;
    return step;
}

CloseState::Step CloseState::peer_close(std::uint16_t code, std::string_view reason) {
    Step step;
    step.linger = true;
    step.drain_after_flush = true;
    switch (stage_) {
        case Stage::open:
            // Echo its code (RFC 6455 5.5.1); the session ends as the peer said.
            stage_ = Stage::close_received;
            close_code_ = code;
            close_reason_ = {};
            step.send_close = true;
            return end(code, reason, step);
        case Stage::close_sent:
            return end(close_code_, close_reason_, step);  // the answer to ours
        default:
            return {};
    }
}

CloseState::Step CloseState::protocol_error(std::uint16_t code, std::string_view why) {
    Step step;
    step.linger = true;
    step.drain_after_flush = true;
    if (stage_ == Stage::open) {
        stage_ = Stage::close_sent;
        close_code_ = code;
        close_reason_ = why;
        step.send_close = true;
    } else if (stage_ != Stage::close_sent && stage_ != Stage::close_received) {
        return {};
    }
    return end(close_code_, close_reason_, step);
}

CloseState::Step CloseState::read_failed(std::string_view why) {
    Step step;
    switch (stage_) {
        case Stage::open:
            stage_ = Stage::closed;
            step.close_socket = true;
            return end(1006, why, step);
        case Stage::close_sent:
        case Stage::close_received:
            // The peer has stopped sending; our close frame may still get out.
            step.linger = true;
            step.drain_after_flush = true;
            return end(close_code_, close_reason_, step);
        default:
            return {};
    }
}

CloseState::Step CloseState::deadline(Overdue what) {
    if (stage_ == Stage::closed) return {};
    bool closing = stage_ != Stage::open;
    stage_ = Stage::closed;
    Step step;
    step.close_socket = true;
    // Whatever ran out, a close we had sent says why the session ended.
    if (closing) return end(close_code_, close_reason_, step);
    if (what == Overdue::write) return end(1013, "slow consumer", step);
    return end(1006, "idle timeout", step);
}

bool CloseState::begin_draining() {
    if (stage_ == Stage::draining || stage_ == Stage::closed) return false;
    stage_ = Stage::draining;
    return true;
}

Due due(const DeadlineLimits& limits, const DeadlineTimes& times, std::int64_t now_ms,
        std::int64_t pinged_for_ms, bool said_hello) {
    if (times.write_started_ms != 0 && now_ms - times.write_started_ms > limits.write_ms)
        return Due::write;
    if (times.close_sent_ms != 0 && now_ms - times.close_sent_ms > limits.close_answer_ms)
        return Due::close_answer;
    auto silent_for = now_ms - times.last_read_ms;
    if (silent_for > limits.idle_ms) return Due::idle;
    if (times.close_sent_ms == 0 && !said_hello && now_ms - times.opened_ms > limits.hello_ms)
        return Due::hello;
    if (silent_for > limits.idle_ms / 2 && pinged_for_ms != times.last_read_ms) return Due::ping;
    return Due::nothing;
}

}  // namespace parley::ws
