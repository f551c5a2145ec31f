#pragma once

#include <memory>

#include "net/tls_stream.hpp"
#include "net/websocket_session.hpp"

namespace parley::net {

// A WebSocket session over TLS. It reads through a small buffer of its own (a TLS record must
// be decrypted somewhere), allocated at the first read, and says close_notify before it
// half-closes, so a TLS peer can tell a finished conversation from a cut one.
class TlsWebSocketSession final : public WebSocketSession {
  public:
    TlsWebSocketSession(TlsStream&& stream, ServerContext& context, std::uint16_t remote_port,
                        std::string url_token);

  private:
    void read_more() override;
    void write(std::span<const boost::asio::const_buffer> buffers) override;
    void finish_sending() override;
    boost::asio::ip::tcp::socket& tcp_socket() override;
    boost::asio::any_io_executor executor() override { return stream_.get_executor(); }

    TlsStream stream_;
    std::unique_ptr<char[]> read_buffer_;
};

}  // namespace parley::net
