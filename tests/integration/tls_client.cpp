#include "tls_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/error.hpp>
#include <stdexcept>

namespace parley::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;

namespace {

const char* const verified_host = "localhost";

ssl::context client_context(const std::string& ca_file) {
    ssl::context context(ssl::context::tls_client);
    context.load_verify_file(ca_file);
    context.set_verify_mode(ssl::verify_peer);
    return context;
}

// Connects to 127.0.0.1:port and completes a verified TLS handshake, within the timeout.
void connect_tls(beast::ssl_stream<beast::tcp_stream>& stream, asio::io_context& io,
                 std::uint16_t port) {
    if (!SSL_set_tlsext_host_name(stream.native_handle(), verified_host))
        throw std::runtime_error("cannot set SNI");
    stream.set_verify_callback(ssl::host_name_verification(verified_host));
    auto& tcp = beast::get_lowest_layer(stream);
    tcp.expires_after(default_timeout);
    error_code result = asio::error::timed_out;
    tcp.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                      [&](error_code ec) {
                          if (ec) {
                              result = ec;
                              return;
                          }
                          stream.async_handshake(ssl::stream_base::client,
                                                 [&](error_code handshake) { result = handshake; });
                      });
    io.run();
    io.restart();
    tcp.expires_never();
    if (result) throw std::runtime_error("TLS connect failed: " + result.message());
}

}  // namespace

HttpResponse https_get(std::uint16_t port, const std::string& ca_file, const std::string& target) {
    asio::io_context io;
    auto context = client_context(ca_file);
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    connect_tls(stream, io, port);

    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, std::string(verified_host) + ":" + std::to_string(port));
    request.keep_alive(false);
    http::response<http::string_body> response;
    beast::flat_buffer buffer;
    error_code result = asio::error::timed_out;
    beast::get_lowest_layer(stream).expires_after(default_timeout);
    http::async_write(stream, request, [&](error_code ec, std::size_t) {
        if (ec) {
            result = ec;
            return;
        }
        http::async_read(stream, buffer, response,
                         [&](error_code read, std::size_t) { result = read; });
    });
    io.run();
    if (result) throw std::runtime_error("HTTPS request failed: " + result.message());

    HttpResponse out;
    out.status = static_cast<int>(response.result_int());
    for (const auto& field : response)
        out.headers +=
            "\r\n" + std::string(field.name_string()) + ": " + std::string(field.value());
    out.headers += "\r\n";
    out.body = response.body();
    return out;
}

TlsClient::TlsClient(std::uint16_t port, const std::string& ca_file, const std::string& target)
    : tls_(client_context(ca_file)), ws_(io_, tls_) {
    connect_tls(ws_.next_layer(), io_, port);
    ws_.read_message_max(64 * 1024 * 1024);
    bool done = false;
    error_code result;
    ws_.async_handshake(std::string(verified_host) + ":" + std::to_string(port), target,
                        [&](error_code ec) {
                            result = ec;
                            done = true;
                        });
    run_until(done, default_timeout, "WebSocket handshake");
    if (result) throw std::runtime_error("WebSocket handshake failed: " + result.message());
}

void TlsClient::run_until(const bool& done, std::chrono::milliseconds timeout, const char* what) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
        io_.restart();
        io_.run_one_for(deadline - std::chrono::steady_clock::now());
    }
    if (!done) throw std::runtime_error(std::string(what) + " timed out");
}

void TlsClient::send(const json& frame) {
    bool done = false;
    error_code result;
    auto text = std::make_shared<std::string>(frame.dump());
    ws_.text(true);
    ws_.async_write(asio::buffer(*text), [&, text](error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    run_until(done, default_timeout, "send");
    if (result) throw std::runtime_error("send failed: " + result.message());
}

bool TlsClient::read_one(std::chrono::milliseconds timeout) {
    if (closed_) return false;
    bool done = false;
    error_code result;
    ws_.async_read(buffer_, [&](error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
        io_.restart();
        io_.run_one_for(deadline - std::chrono::steady_clock::now());
    }
    if (!done) {
        // Cancel the read so that it cannot complete into this stack frame later.
        beast::get_lowest_layer(ws_).close();
        io_.restart();
        io_.run();
        closed_ = Closed{1006, "client timed out"};
        return false;
    }
    if (result) {
        closed_ = result == websocket::error::closed
                      ? Closed{static_cast<std::uint16_t>(ws_.reason().code),
                               std::string(ws_.reason().reason.c_str())}
                      : Closed{1006, result.message()};
        return false;
    }
    backlog_.push_back(json::parse(beast::buffers_to_string(buffer_.data()), nullptr, false));
    buffer_.consume(buffer_.size());
    return true;
}

json TlsClient::next_of_type(const std::string& type, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        for (auto it = backlog_.begin(); it != backlog_.end(); ++it) {
            if (it->value("type", "") == type) {
                json found = std::move(*it);
                backlog_.erase(it);
                return found;
            }
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !read_one(left))
            throw std::runtime_error("no '" + type + "' frame arrived over wss");
    }
}

Closed TlsClient::wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw std::runtime_error("the server did not close the wss connection");
        read_one(left);
    }
    return *closed_;
}

error_code TlsClient::close() {
    bool done = false;
    error_code result;
    ws_.async_close(websocket::close_code::normal, [&](error_code ec) {
        result = ec;
        done = true;
    });
    run_until(done, default_timeout, "close");
    return result;
}

}  // namespace parley::test
