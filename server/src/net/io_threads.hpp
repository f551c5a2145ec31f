#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <vector>

namespace parley::net {

// The io threads: one io_context per thread, each run by that thread alone. A connection is
// handed to one of them when it is accepted and lives its whole life there, so its state needs
// no strand and no lock, and what the hub delivers to the members on one thread is written out
// together at the end of the batch (see WriteCork).
//
// Context 0 also runs what belongs to no connection: the listener, the registry's sweep, the
// hub's timers, Redis and the webhooks.
class IoThreads {
  public:
    explicit IoThreads(int count);

    std::size_t size() const { return contexts_.size(); }
    boost::asio::io_context& main() { return *contexts_.front(); }
    boost::asio::io_context& at(std::size_t index) { return *contexts_[index]; }
    // Where the next accepted connection goes: round-robin, so connections (and with them the
    // members of a channel) spread evenly over the threads.
    boost::asio::io_context& next();
    // One executor per thread, in thread order: where the hub hands each thread its share of a
    // fan-out.
    std::vector<boost::asio::any_io_executor> executors() const;

    // Runs context 0 on the calling thread and the others on threads of their own; returns
    // when all have stopped.
    void run();
    void stop();  // any thread

    // The index of the io thread the caller runs on, or `none` on any other thread (storage,
    // hashing, tests).
    static constexpr std::size_t none = static_cast<std::size_t>(-1);
    static std::size_t current();

  private:
    using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<Guard> guards_;  // an idle thread waits for work instead of returning
    std::atomic<std::size_t> next_{0};
};

}  // namespace parley::net
