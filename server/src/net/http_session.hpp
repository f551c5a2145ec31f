#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>

#include "net/connection_limits.hpp"
#include "net/http/router.hpp"
#include "net/server_context.hpp"
#include "net/tls_stream.hpp"

namespace parley::net {

// One HTTP/1.1 connection, I/O only: it reads requests (header and body sizes limited, the TLS
// handshake and each request due within --http-timeout, so a slow client cannot hold a
// connection for free), asks the Router what to answer, writes it, and turns into a WebSocket
// session when the router accepts an upgrade. `Stream` is a beast::tcp_stream, or a TlsStream
// when the server runs with a certificate.
template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
  public:
    // `slot` counts the connection until its socket closes; `health_only`: it was accepted in
    // the reserve kept for health checks, and only /healthz is answered on it.
    HttpSession(Stream&& stream, ServerContext& context, ConnectionLimits::Slot slot,
                bool health_only);
    void run();

  private:
    static constexpr bool is_tls = std::is_same_v<Stream, TlsStream>;

    void on_handshake(boost::system::error_code ec);
    void do_read();
    void on_read(boost::system::error_code ec, std::size_t bytes);
    void become_websocket(http::Upgrade upgrade);
    void send(http::Response&& response);
    void on_write(bool keep_alive, boost::system::error_code ec, std::size_t bytes);
    void close();
    boost::beast::tcp_stream& tcp() { return boost::beast::get_lowest_layer(stream_); }
    std::chrono::milliseconds timeout() const;

    Stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    ServerContext& context_;
    http::Router router_;
    ConnectionLimits::Slot slot_;
    bool health_only_;
    std::string remote_ip_;
    std::uint16_t remote_port_ = 0;
};

using PlainHttpSession = HttpSession<boost::beast::tcp_stream>;
using TlsHttpSession = HttpSession<TlsStream>;
extern template class HttpSession<boost::beast::tcp_stream>;
extern template class HttpSession<TlsStream>;

}  // namespace parley::net
