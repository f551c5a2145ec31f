#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/role.hpp>
#include <string>
#include <utility>

namespace parley::net {

// Where the bytes Beast itself writes (the 101 response, pong, ping and close frames) go: the
// session's own outbound queue, so they are ordered with the chat frames and share its writes.
class OutboundSink {
  public:
    virtual void queue_protocol_bytes(std::string bytes) = 0;  // called on the session's strand
    virtual void close_after_flush() = 0;                      // Beast's teardown
  protected:
    ~OutboundSink() = default;
};

// The layer under Beast's websocket::stream. Reads pass straight through. Writes never touch
// the socket: they are copied into the session's queue and complete at once, which lets the
// session gather every queued frame, Beast's and its own pre-framed chat frames alike, into one
// socket write. Beast writes only small control frames this way; chat frames bypass it.
template <class NextLayer>
class SessionStream {
  public:
    using executor_type = typename NextLayer::executor_type;

    template <class... Args>
    explicit SessionStream(Args&&... args) : next_(std::forward<Args>(args)...) {}

    executor_type get_executor() noexcept { return next_.get_executor(); }
    NextLayer& next_layer() noexcept { return next_; }
    const NextLayer& next_layer() const noexcept { return next_; }

    void set_sink(OutboundSink* sink) noexcept { sink_ = sink; }
    OutboundSink* sink() const noexcept { return sink_; }

    template <class MutableBufferSequence, class ReadHandler>
    auto async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
        return next_.async_read_some(buffers, std::forward<ReadHandler>(handler));
    }

    template <class ConstBufferSequence, class WriteHandler>
    auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
        return boost::asio::async_initiate<WriteHandler,
                                           void(boost::system::error_code, std::size_t)>(
            [this](auto completion, const ConstBufferSequence& data) {
                std::string bytes(boost::asio::buffer_size(data), '\0');
                boost::asio::buffer_copy(boost::asio::buffer(bytes), data);
                auto size = bytes.size();
                sink_->queue_protocol_bytes(std::move(bytes));
                auto executor = boost::asio::get_associated_executor(completion, get_executor());
                boost::asio::post(
                    executor, boost::beast::bind_front_handler(std::move(completion),
                                                               boost::system::error_code{}, size));
            },
            handler, buffers);
    }

  private:
    NextLayer next_;
    OutboundSink* sink_ = nullptr;
};

// Beast finds this by argument-dependent lookup when a close handshake ends: the socket is shut
// down only after everything queued before the close frame has been written.
template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type, SessionStream<NextLayer>& stream,
                    TeardownHandler&& handler) {
    stream.sink()->close_after_flush();
    auto executor = boost::asio::get_associated_executor(handler, stream.get_executor());
    boost::asio::post(executor,
                      boost::beast::bind_front_handler(std::forward<TeardownHandler>(handler),
                                                       boost::system::error_code{}));
}

}  // namespace parley::net
