#include "net/plain_websocket_session.hpp"

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/write.hpp>

#include "net/exact_allocator.hpp"

namespace parley::net {

using boost::system::error_code;

namespace {

// What one readiness reads at most before waiting again, so that a client that never stops
// sending cannot keep its io thread from other sessions.
constexpr std::size_t read_chunk_bytes = 16 * 1024;
constexpr int read_chunks_per_wakeup = 4;

}  // namespace

PlainWebSocketSession::PlainWebSocketSession(boost::asio::ip::tcp::socket&& socket,
                                             ServerContext& context, std::uint16_t remote_port,
                                             std::string url_token)
    : WebSocketSession(context, remote_port, std::move(url_token)), socket_(std::move(socket)) {
    // Reads happen only after a wait said there is something, and must never block.
    error_code ignored;
    socket_.non_blocking(true, ignored);
}

void PlainWebSocketSession::read_more() {
    // A wait holds no buffer: an idle session costs its socket, this operation and the session
    // itself. (Asio re-arms epoll for the wait, so bytes that arrived before it started still
    // wake it.) Its memory is allocated at its exact size, not taken from Asio's cache of freed
    // operations, which could hand it a 1 KB block for as long as it waits.
    socket_.async_wait(
        boost::asio::ip::tcp::socket::wait_read,
        boost::asio::bind_allocator(ExactAllocator<void>(),
                                    [self = self(), this](error_code ec) { on_readable(ec); }));
}

void PlainWebSocketSession::on_readable(error_code ec) {
    if (ended()) return;
    if (ec) return on_read_error(ec);
    // The stack serves every session on this thread.
    char chunk[read_chunk_bytes];
    for (int round = 0; round < read_chunks_per_wakeup; ++round) {
        std::size_t n = socket_.read_some(boost::asio::buffer(chunk), ec);
        if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) break;
        if (ec) return on_read_error(ec);
        if (on_bytes({chunk, n}) == Input::stop) return;
        if (n < sizeof chunk) break;  // a short read emptied the socket
    }
    read_more();
}

void PlainWebSocketSession::write(std::span<const boost::asio::const_buffer> buffers) {
    boost::asio::async_write(
        socket_, buffers, [self = self(), this](error_code ec, std::size_t n) { on_write(ec, n); });
}

}  // namespace parley::net
