#pragma once

#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "metrics/metrics.hpp"

namespace parley::net {

// What the registry needs of a WebSocket session, whatever its transport.
class SessionControl {
  public:
    virtual ~SessionControl() = default;
    // Closes the session if its hello, a pending write or the answer to its close frame is
    // overdue, or it has been silent for the idle timeout; pings it at half of that. Any thread;
    // never blocks.
    virtual void check_deadlines(std::chrono::steady_clock::time_point now) = 0;
    // Close 1001 after what is queued. Any thread.
    virtual void shut_down() = 0;
    virtual std::size_t queued_bytes() const = 0;
};

// Every open WebSocket session: one sweeper timer for all sessions' deadlines and keepalive
// (instead of a timer per session), and shutdown.
class SessionRegistry {
  public:
    explicit SessionRegistry(boost::asio::any_io_executor executor);

    void add(const std::shared_ptr<SessionControl>& session);
    void remove(const SessionControl* session);
    std::size_t size() const;
    std::size_t queued_bytes() const;

    // A session that ended had this many bytes queued at its peak. After large ones the sweep
    // gives freed memory back to the system (glibc keeps it otherwise), at most once a second.
    void note_peak_queue(std::size_t bytes);

    void start_sweeping(std::chrono::milliseconds period);
    void stop_sweeping();
    void shut_down_all();

  private:
    static constexpr std::size_t shard_count = 16;
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<const SessionControl*, std::shared_ptr<SessionControl>> sessions;
    };
    Shard& shard_for(const SessionControl* session);
    void sweep();

    std::array<Shard, shard_count> shards_;

    std::atomic<bool> trim_wanted_{false};
    std::chrono::steady_clock::time_point last_trim_{};

    boost::asio::steady_timer sweep_timer_;
    std::chrono::milliseconds sweep_period_{500};
    bool sweeping_ = false;
};

}  // namespace parley::net
