#include "net/write_cork.hpp"

#include <boost/asio/post.hpp>

#include "net/websocket_session.hpp"

namespace parley::net {

WriteCork& WriteCork::here() {
    thread_local WriteCork cork;
    return cork;
}

void WriteCork::mark(std::shared_ptr<WebSocketSession> session,
                     const boost::asio::any_io_executor& executor) {
    marked_.push_back(std::move(session));
    if (flush_posted_) return;
    flush_posted_ = true;
    boost::asio::post(executor, [this] { flush(); });
}

void WriteCork::flush() {
    flush_posted_ = false;
    // A session whose write waits for the socket marks itself no more until it is done; one
    // marked during this flush (by a close, say) is written by the next one.
    flushing_.swap(marked_);
    for (auto& session : flushing_) session->flush();
    flushing_.clear();
}

}  // namespace parley::net
