#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <vector>

namespace parley::net {

class WebSocketSession;

// Corked writes, one cork per io thread: a session that gets frames while its thread is busy
// with a batch (a fan-out's share, a command's replies) is marked here instead of writing at
// once, and when the tasks queued before the flush have run, each marked session writes
// everything it got in one gathered write. A socket so costs one syscall per batch, not one
// per frame, however many messages came in the meantime; and under load batches grow by
// themselves, since what arrives while a flush runs waits for the next one.
class WriteCork {
  public:
    // The calling io thread's cork.
    static WriteCork& here();
    // Marks `session`, which lives on this thread (whose executor is `executor`), to write
    // at the end of the batch. The flush is posted once, with the first mark.
    void mark(std::shared_ptr<WebSocketSession> session,
              const boost::asio::any_io_executor& executor);

    // When the thread's io_context has stopped: lets go of the sessions still marked, while
    // what they count into still exists.
    void release() { marked_.clear(); }

  private:
    void flush();

    std::vector<std::shared_ptr<WebSocketSession>> marked_;
    std::vector<std::shared_ptr<WebSocketSession>> flushing_;  // kept: its capacity is reused
    bool flush_posted_ = false;
};

}  // namespace parley::net
