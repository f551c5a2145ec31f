#include "net/http_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "net/plain_websocket_session.hpp"
#include "net/remote_address.hpp"
#include "net/tls_websocket_session.hpp"

namespace parley::net {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using boost::system::error_code;

template <class Stream>
HttpSession<Stream>::HttpSession(Stream&& stream, ServerContext& context,
                                 ConnectionLimits::Slot slot, bool health_only)
    : stream_(std::move(stream)),
      context_(context),
      router_(context),
      slot_(std::move(slot)),
      health_only_(health_only) {
    error_code ec;
    auto endpoint = tcp().socket().remote_endpoint(ec);
    if (!ec) {
        remote_ip_ = endpoint.address().to_string();
        remote_port_ = endpoint.port();
    }
}

template <class Stream>
std::chrono::milliseconds HttpSession<Stream>::timeout() const {
    // A connection in the health reserve gets one quick answer, not a long wait: a health
    // check sends its request at once.
    using namespace std::chrono_literals;
    return health_only_ ? std::min<std::chrono::milliseconds>(context_.options.http_timeout, 1s)
                        : context_.options.http_timeout;
}

template <class Stream>
void HttpSession<Stream>::run() {
    auto self = this->shared_from_this();
    boost::asio::dispatch(stream_.get_executor(), [self] {
        if constexpr (is_tls) {
            // Bounded like a request: a client that opens TLS and stalls is dropped.
            self->tcp().expires_after(self->timeout());
            self->stream_.async_handshake(
                boost::asio::ssl::stream_base::server,
                beast::bind_front_handler(&HttpSession<Stream>::on_handshake, self));
        } else {
            self->do_read();
        }
    });
}

template <class Stream>
void HttpSession<Stream>::on_handshake(error_code ec) {
    if (ec) {
        // Scanners and clients that distrust the certificate end here; nothing to answer.
        spdlog::debug("TLS handshake from {} failed: {}", RemoteAddress{remote_ip_, remote_port_},
                      ec.message());
        return;
    }
    do_read();
}

template <class Stream>
void HttpSession<Stream>::do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(context_.options.max_http_header_bytes));
    parser_->body_limit(context_.options.max_http_body_bytes);
    tcp().expires_after(timeout());
    beast_http::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&HttpSession<Stream>::on_read, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_read(error_code ec, std::size_t) {
    if (ec == beast_http::error::end_of_stream) return close();
    if (ec) {
        http::RequestShape bare{11, false, false};
        if (ec == beast_http::error::header_limit)
            return send(http::plain_text(bare, beast_http::status::request_header_fields_too_large,
                                         "request headers too large"));
        if (ec == beast_http::error::body_limit)
            return send(http::plain_text(bare, beast_http::status::payload_too_large,
                                         "request body too large"));
        if (ec.category() == make_error_code(beast_http::error::bad_target).category())
            return send(
                http::plain_text(bare, beast_http::status::bad_request, "malformed request"));
        return close();  // timeout or connection error: nobody to answer
    }
    auto self = this->shared_from_this();
    auto respond = [self](http::Response response) {
        // Answers from storage arrive on its thread: write them from this connection's io thread.
        boost::asio::post(
            self->stream_.get_executor(),
            [self, response = std::move(response)]() mutable { self->send(std::move(response)); });
    };
    auto upgrade = router_.route(parser_->get(), remote_ip_, health_only_, respond);
    if (upgrade) become_websocket(std::move(*upgrade));
}

template <class Stream>
void HttpSession<Stream>::become_websocket(http::Upgrade upgrade) {
    // A client may send frames right behind its request; they are read along with it.
    auto early = beast::buffers_to_string(buffer_.data());
    tcp().expires_never();  // the WebSocket session keeps its own timeouts
    std::shared_ptr<WebSocketSession> session;
    if constexpr (is_tls)
        session = std::make_shared<TlsWebSocketSession>(std::move(stream_), context_, remote_port_,
                                                        std::move(upgrade.token));
    else
        session = std::make_shared<PlainWebSocketSession>(stream_.release_socket(), context_,
                                                          remote_port_, std::move(upgrade.token));
    session->hold(std::move(slot_), std::move(upgrade.session_slot));
    session->run(std::move(upgrade.response), std::move(early));
}

template <class Stream>
void HttpSession<Stream>::send(http::Response&& response) {
    bool keep_alive = response.keep_alive() && !health_only_;
    beast::async_write(stream_, std::move(response),
                       beast::bind_front_handler(&HttpSession<Stream>::on_write,
                                                 this->shared_from_this(), keep_alive));
}

template <class Stream>
void HttpSession<Stream>::on_write(bool keep_alive, error_code ec, std::size_t) {
    if (ec) return;
    if (!keep_alive) return close();
    do_read();
}

template <class Stream>
void HttpSession<Stream>::close() {
    if constexpr (is_tls) {
        // close_notify tells the client the response was complete, not cut off.
        tcp().expires_after(timeout());
        stream_.async_shutdown([self = this->shared_from_this()](error_code) {
            error_code ignored;
            self->tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        });
    } else {
        error_code ignored;
        tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    }
}

template class HttpSession<beast::tcp_stream>;
template class HttpSession<TlsStream>;

}  // namespace parley::net
