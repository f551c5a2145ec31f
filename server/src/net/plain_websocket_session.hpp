#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "net/websocket_session.hpp"

namespace parley::net {

// A WebSocket session on a plain TCP socket. Most connections are idle most of the time, so an
// idle one holds no read buffer at all: it waits for readability (one operation of about 200
// bytes), then reads with non-blocking recv into a buffer on the io thread's stack and parses
// the frames where they lie (ws::FrameReader copies only what a read cut off).
class PlainWebSocketSession final : public WebSocketSession {
  public:
    PlainWebSocketSession(boost::asio::ip::tcp::socket&& socket, ServerContext& context,
                          std::uint16_t remote_port, std::string url_token);

  private:
    void read_more() override;
    void write(std::span<const boost::asio::const_buffer> buffers) override;
    std::size_t write_now(std::span<const boost::asio::const_buffer> buffers,
                          boost::system::error_code& ec) override {
        return socket_.write_some(buffers, ec);  // the socket is non-blocking
    }
    void finish_sending() override { half_close_and_drain(); }
    boost::asio::ip::tcp::socket& tcp_socket() override { return socket_; }
    boost::asio::any_io_executor executor() override { return socket_.get_executor(); }
    void on_readable(boost::system::error_code ec);

    boost::asio::ip::tcp::socket socket_;
};

}  // namespace parley::net
