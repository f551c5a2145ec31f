#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "chat/channel_directory.hpp"

namespace parley::chat {

// Gathers the joins and leaves of a short window into one `presence` frame per channel, so a
// crowd arriving at once costs each member one frame rather than one per arrival. One timer
// serves every channel: it is armed by the first change of a window and flushes all the
// channels that changed.
class PresenceBatcher {
  public:
    PresenceBatcher(boost::asio::any_io_executor executor, std::chrono::milliseconds window,
                    std::size_t presence_limit);

    // Call with the channel's mutex held, after a change was noted in it.
    void mark_dirty(const ChannelPtr& channel);
    // Sends every dirty channel's changes now (the timer calls it; tests may too).
    void flush();

  private:
    std::chrono::milliseconds window_;
    std::size_t presence_limit_;
    std::mutex mutex_;  // after any channel's mutex in the lock order
    std::vector<std::weak_ptr<Channel>> dirty_;
    bool armed_ = false;
    boost::asio::steady_timer timer_;
};

}  // namespace parley::chat
