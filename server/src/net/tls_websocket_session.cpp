#include "net/tls_websocket_session.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

namespace parley::net {

using boost::system::error_code;

namespace {

constexpr std::size_t read_buffer_bytes = 4 * 1024;

}  // namespace

TlsWebSocketSession::TlsWebSocketSession(TlsStream&& stream, ServerContext& context,
                                         std::uint16_t remote_port, std::string url_token)
    : WebSocketSession(context, remote_port, std::move(url_token)), stream_(std::move(stream)) {}

void TlsWebSocketSession::read_more() {
    if (!read_buffer_) read_buffer_ = std::make_unique<char[]>(read_buffer_bytes);
    stream_.async_read_some(boost::asio::buffer(read_buffer_.get(), read_buffer_bytes),
                            [self = self(), this](error_code ec, std::size_t n) {
                                if (ended()) return;
                                if (ec) return on_read_error(ec);
                                if (on_bytes({read_buffer_.get(), n}) == Input::read_on)
                                    read_more();
                            });
}

void TlsWebSocketSession::write(std::span<const boost::asio::const_buffer> buffers) {
    boost::asio::async_write(
        stream_, buffers, [self = self(), this](error_code ec, std::size_t n) { on_write(ec, n); });
}

void TlsWebSocketSession::finish_sending() {
    // close_notify first. Nothing else writes by now (the queue is drained), and the linger
    // timer bounds a peer that never answers.
    stream_.async_shutdown([self = self(), this](error_code) { half_close_and_drain(); });
}

boost::asio::ip::tcp::socket& TlsWebSocketSession::tcp_socket() {
    return boost::beast::get_lowest_layer(stream_).socket();
}

}  // namespace parley::net
