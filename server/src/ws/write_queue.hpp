#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ws/frame_writer.hpp"

namespace parley::ws {

// The frames waiting for one connection's socket, bounded in bytes: a broadcast appends a
// shared frame from any thread, and the connection's own io thread takes everything pending at
// once and writes it with one gathered write. Every byte queued counts against the limit,
// control frames included: a client that pings without reading cannot grow it for free. Past
// the limit the queue refuses everything and says so once; the session closes the connection.
//
// It does no I/O: it only says when a flush must be started (the first frame into an idle
// queue) and hands over the batch to write.
class WriteQueue {
  public:
    explicit WriteQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    enum class Push {
        queued,        // a flush is already on its way
        queued_flush,  // start a flush: the queue was idle
        over_limit,    // refused: the limit is passed (returned once; then `closed`)
        closed,        // refused: past the limit, or after the close frame
    };
    // A frame for this connection. Any thread.
    Push push(const Frame& frame);
    // A pong for the client's ping. Only the latest unanswered ping is answered (RFC 6455
    // 5.5.3): a pong still waiting replaces its payload instead of queueing another.
    Push push_pong(std::string_view payload);
    // A control frame of the server's own (ping).
    Push push_control(std::string bytes);
    // The close frame: the last one; nothing is queued after it (RFC 6455 5.5.1). It is queued
    // even past the limit, since it is what tells the client why.
    Push push_close(std::string bytes);

    // The connection's thread only: moves everything pending into the batch being written and
    // returns it (empty when there is nothing). Frames pushed meanwhile wait for the next take().
    const std::vector<Frame>& take();
    // The connection's thread only: the batch from take() was written (or failed); its bytes no
    // longer count. Returns how many frames it held.
    std::size_t written();
    // Drops what is pending (not the batch being written), after the connection is closed.
    void discard_pending();

    std::size_t queued_bytes() const;  // pending and in flight
    std::size_t max_bytes() const { return max_bytes_; }
    // The most bytes it ever held at once: after a large one dies, freed memory may be given
    // back to the system.
    std::size_t peak_bytes() const;

  private:
    Push append_locked(Frame frame);  // with mutex_ held

    const std::size_t max_bytes_;
    mutable std::mutex mutex_;
    std::vector<Frame> pending_;
    std::size_t queued_bytes_ = 0;
    std::size_t peak_bytes_ = 0;
    std::size_t pong_index_ = npos;  // the unsent pong in pending_, if any
    bool flush_posted_ = false;      // a flush is scheduled or running
    bool closed_ = false;            // refuses frames: past the limit, or closing
    bool close_queued_ = false;

    // The connection's thread only.
    std::vector<Frame> in_flight_;
    std::size_t in_flight_bytes_ = 0;

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

}  // namespace parley::ws
