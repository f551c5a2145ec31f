#include "ws/write_queue.hpp"

#include <algorithm>
#include <memory>

namespace parley::ws {

WriteQueue::Push WriteQueue::append_locked(Frame frame) {
    queued_bytes_ += frame->size();
    peak_bytes_ = std::max(peak_bytes_, queued_bytes_);
    pending_.push_back(std::move(frame));
    if (flush_posted_) return Push::queued;
    flush_posted_ = true;
    return Push::queued_flush;
}

WriteQueue::Push WriteQueue::push(const Frame& frame) {
    std::lock_guard lock(mutex_);
    if (closed_) return Push::closed;
    if (queued_bytes_ + frame->size() > max_bytes_) {
        closed_ = true;
        return Push::over_limit;
    }
    return append_locked(frame);
}

WriteQueue::Push WriteQueue::push_control(std::string bytes) {
    return push(std::make_shared<const std::string>(std::move(bytes)));
}

WriteQueue::Push WriteQueue::push_pong(std::string_view payload) {
    auto frame = std::make_shared<const std::string>(make_pong_frame(payload));
    std::lock_guard lock(mutex_);
    if (closed_) return Push::closed;
    if (pong_index_ != npos) {
        // The earlier ping is still unanswered: answer only the latest one.
        auto& waiting = pending_[pong_index_];
        auto grown = queued_bytes_ - waiting->size() + frame->size();
        if (grown > max_bytes_) {
            closed_ = true;
            return Push::over_limit;
        }
        queued_bytes_ = grown;
        peak_bytes_ = std::max(peak_bytes_, queued_bytes_);
        waiting = std::move(frame);
        return Push::queued;
    }
    if (queued_bytes_ + frame->size() > max_bytes_) {
        closed_ = true;
        return Push::over_limit;
    }
    pong_index_ = pending_.size();
    return append_locked(std::move(frame));
}

WriteQueue::Push WriteQueue::push_close(std::string bytes) {
    std::lock_guard lock(mutex_);
    if (close_queued_) return Push::closed;
    close_queued_ = closed_ = true;
    return append_locked(std::make_shared<const std::string>(std::move(bytes)));
}

const std::vector<Frame>& WriteQueue::take() {
    std::lock_guard lock(mutex_);
    flush_posted_ = false;
    pong_index_ = npos;
    in_flight_.swap(pending_);
    in_flight_bytes_ = 0;
    for (const auto& frame : in_flight_) in_flight_bytes_ += frame->size();
    return in_flight_;
}

std::size_t WriteQueue::written() {
    auto frames = in_flight_.size();
    {
        std::lock_guard lock(mutex_);
        queued_bytes_ -= in_flight_bytes_;
    }
    in_flight_bytes_ = 0;
    in_flight_.clear();  // keeps its capacity: no allocation on the next write
    return frames;
}

void WriteQueue::discard_pending() {
    std::lock_guard lock(mutex_);
    for (const auto& frame : pending_) queued_bytes_ -= frame->size();
    pending_.clear();
    pong_index_ = npos;
    closed_ = true;
}

std::size_t WriteQueue::queued_bytes() const {
    std::lock_guard lock(mutex_);
    return queued_bytes_;
}

std::size_t WriteQueue::peak_bytes() const {
    std::lock_guard lock(mutex_);
    return peak_bytes_;
}

}  // namespace parley::ws
