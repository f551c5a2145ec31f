#pragma once

#include <atomic>
#include <cstdint>

namespace bench {

// A counter written by one worker thread and read by the main thread while the run goes on.
// Single writer, so a relaxed load + store is enough and avoids a locked add per delivery.
class Counter {
  public:
    void add(std::uint64_t amount = 1) {
        value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
    }
    void subtract(std::uint64_t amount) {
        value_.store(value_.load(std::memory_order_relaxed) - amount, std::memory_order_relaxed);
    }
    std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

// One worker's running totals; cache-line aligned so workers do not share lines.
struct alignas(64) WorkerCounters {
    Counter deliveries;  // message events (raw: text frames) received by this worker's clients
    Counter sent;        // messages sent by this worker's senders
    Counter acked;       // `ok` replies
    Counter errors;      // `error` replies after setup
    Counter expected;    // deliveries the sent messages should cause (members of the channel)
    Counter gaps;        // sequence numbers skipped, per receiver and sender
    Counter duplicates;  // sequence numbers seen again or out of order
    Counter ready;       // clients that finished the handshake (and join)
    Counter failed;      // clients that gave up after their last attempt
    Counter lost;        // ready clients that the server closed or that broke
    Counter handshakes;  // connect scenario: completed open + hello cycles while measuring
};

}  // namespace bench
