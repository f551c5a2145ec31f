#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>

#include "net/server_context.hpp"
#include "net/tls_stream.hpp"

namespace parley::net {

// One HTTP/1.1 connection: static files, /healthz, /metrics, the history API, and the upgrade to
// a WebSocket session at /ws. Header and body sizes are limited and the TLS handshake and each
// request must arrive within --http-timeout, so a slow client cannot hold a connection for free.
// `Stream` is a beast::tcp_stream, or a TlsStream when the server runs with a certificate.
template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
  public:
    HttpSession(Stream&& stream, ServerContext& context);
    void run();

  private:
    using Request = boost::beast::http::request<boost::beast::http::string_body>;
    static constexpr bool is_tls = std::is_same_v<Stream, TlsStream>;

    void on_handshake(boost::system::error_code ec);
    void do_read();
    void on_read(boost::system::error_code ec, std::size_t bytes);
    void upgrade(Request&& request);
    void serve_history_api(const Request& request, const std::string& channel);
    void send(boost::beast::http::message_generator&& response);
    void on_write(bool keep_alive, boost::system::error_code ec, std::size_t bytes);
    void close();
    boost::beast::tcp_stream& tcp() { return boost::beast::get_lowest_layer(stream_); }

    Stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    ServerContext& context_;
    std::string remote_ip_;
    std::string remote_;
    std::uint16_t remote_port_ = 0;
};

using PlainHttpSession = HttpSession<boost::beast::tcp_stream>;
using TlsHttpSession = HttpSession<TlsStream>;
extern template class HttpSession<boost::beast::tcp_stream>;
extern template class HttpSession<TlsStream>;

// The value of one query parameter of a request target, percent-decoded.
std::optional<std::string> query_parameter(std::string_view target, std::string_view name);

}  // namespace parley::net
