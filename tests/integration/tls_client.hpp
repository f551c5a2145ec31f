#pragma once
// Clients for a server started with --tls-cert: HTTPS requests and a wss:// WebSocket. Both
// verify the server's certificate against a CA file and the host name "localhost", as a browser
// would; a test that wants them to fail passes a CA the server's certificate is not signed by.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <string>

#include "harness.hpp"

namespace parley::test {

// One HTTPS request; throws when the TLS handshake fails.
HttpResponse https_get(std::uint16_t port, const std::string& ca_file, const std::string& target);

class TlsClient {
  public:
    TlsClient(std::uint16_t port, const std::string& ca_file, const std::string& target = "/ws");

    void send(const json& frame);
    json next_of_type(const std::string& type, std::chrono::milliseconds timeout = default_timeout);
    // Reads until the server closes; returns its close code.
    Closed wait_closed(std::chrono::milliseconds timeout = default_timeout);
    // Closes with 1000 and waits for the whole close handshake, TLS close_notify included;
    // returns the error it ended with (none when the server closed cleanly).
    boost::system::error_code close();

  private:
    // Reads one frame into the backlog; false on close or timeout.
    bool read_one(std::chrono::milliseconds timeout);
    void run_until(const bool& done, std::chrono::milliseconds timeout, const char* what);

    boost::asio::io_context io_;
    boost::asio::ssl::context tls_;
    boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>> ws_;
    boost::beast::flat_buffer buffer_;
    std::deque<json> backlog_;
    std::optional<Closed> closed_;
};

}  // namespace parley::test
