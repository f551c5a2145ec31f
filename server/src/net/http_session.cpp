#include "net/http_session.hpp"

#include <spdlog/spdlog.h>

#include <openssl/crypto.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "config/parse_number.hpp"
#include "net/plain_websocket_session.hpp"
#include "net/static_files.hpp"
#include "net/tls_websocket_session.hpp"
#include "protocol/events.hpp"
#include "ws/handshake.hpp"

namespace parley::net {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

// Compares in time that depends only on the length, so the token cannot be guessed byte by byte.
bool same_secret(std::string_view given, std::string_view expected) {
    return given.size() == expected.size() &&
           CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

constexpr int max_api_limit = 100;

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find_first_of("?#"));
}

template <class Body>
void set_common_headers(http::response<Body>& response, const std::string_view content_type) {
    response.set(http::field::server, "parley");
    response.set(http::field::content_type, content_type);
    response.set("X-Content-Type-Options", "nosniff");
}

// The web client loads only its own files and talks only to this server's WebSocket; saying so
// makes an injected script or a framing page useless.
constexpr std::string_view static_content_security_policy =
    "default-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'";

template <class Body>
void set_static_file_headers(http::response<Body>& response, const std::string_view content_type) {
    set_common_headers(response, content_type);
    response.set("Content-Security-Policy", static_content_security_policy);
    response.set(http::field::cache_control, "no-cache");
}

http::message_generator text_response(const http::request<http::string_body>& request,
                                      http::status status, std::string_view content_type,
                                      std::string body) {
    http::response<http::string_body> response{status, request.version()};
    set_common_headers(response, content_type);
    response.keep_alive(request.keep_alive());
    response.set(http::field::cache_control, "no-store");
    if (request.method() == http::verb::head) {
        response.content_length(body.size());
    } else {
        response.body() = std::move(body);
        response.prepare_payload();
    }
    return response;
}

http::message_generator json_error(const http::request<http::string_body>& request,
                                   http::status status, std::string_view code,
                                   std::string_view message) {
    std::string body = R"({"error":{"code":")" + std::string(code) + R"(","message":")" +
                       std::string(message) + R"("}})";
    return text_response(request, status, "application/json", std::move(body));
}

}  // namespace

std::optional<std::string> query_parameter(std::string_view target, std::string_view name) {
    auto question = target.find('?');
    if (question == std::string_view::npos) return std::nullopt;
    auto query = target.substr(question + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        auto eq = pair.find('=');
        if (pair.substr(0, eq) == name)
            return eq == std::string_view::npos ? std::string()
                                                : percent_decode(pair.substr(eq + 1), true);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

template <class Stream>
HttpSession<Stream>::HttpSession(Stream&& stream, ServerContext& context)
    : stream_(std::move(stream)), context_(context) {
    error_code ec;
    auto endpoint = tcp().socket().remote_endpoint(ec);
    if (!ec) {
        remote_ip_ = endpoint.address().to_string();
        remote_port_ = endpoint.port();
        remote_ = endpoint.address().is_v6()
                      ? "[" + remote_ip_ + "]:" + std::to_string(endpoint.port())
                      : remote_ip_ + ":" + std::to_string(endpoint.port());
    }
}

template <class Stream>
void HttpSession<Stream>::run() {
    auto self = this->shared_from_this();
    boost::asio::dispatch(stream_.get_executor(), [self] {
        if constexpr (is_tls) {
            // Bounded like a request: a client that opens TLS and stalls is dropped.
            self->tcp().expires_after(self->context_.options.http_timeout);
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
        spdlog::debug("TLS handshake from {} failed: {}", remote_, ec.message());
        return;
    }
    do_read();
}

template <class Stream>
void HttpSession<Stream>::do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(context_.options.max_http_header_bytes));
    parser_->body_limit(context_.options.max_http_body_bytes);
    tcp().expires_after(context_.options.http_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&HttpSession<Stream>::on_read, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_read(error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return close();
    if (ec) {
        http::request<http::string_body> bare;
        bare.version(11);
        bare.keep_alive(false);
        if (ec == http::error::header_limit)
            return send(text_response(bare, http::status::request_header_fields_too_large,
                                      "text/plain", "request headers too large\n"));
        if (ec == http::error::body_limit)
            return send(text_response(bare, http::status::payload_too_large, "text/plain",
                                      "request body too large\n"));
        if (ec.category() == make_error_code(http::error::bad_target).category())
            return send(text_response(bare, http::status::bad_request, "text/plain",
                                      "malformed request\n"));
        return close();  // timeout or connection error: nobody to answer
    }
    context_.metrics.http_requests_total.fetch_add(1, std::memory_order_relaxed);
    Request& request = parser_->get();

    if (beast::websocket::is_upgrade(request)) return upgrade(parser_->release());

    auto target = request.target();
    auto path = path_of(target);
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
        http::response<http::string_body> response{http::status::method_not_allowed,
                                                   request.version()};
        set_common_headers(response, "text/plain");
        response.set(http::field::allow, "GET, HEAD");
        response.keep_alive(request.keep_alive());
        response.body() = "method not allowed\n";
        response.prepare_payload();
        return send(std::move(response));
    }
    if (path == "/healthz") {
        bool stopping = context_.shutting_down.load();
        return send(text_response(
            request, stopping ? http::status::service_unavailable : http::status::ok,
            "application/json", stopping ? R"({"status":"shutting down"})" : R"({"status":"ok"})"));
    }
    if (path == "/metrics") {
        const auto& token = context_.options.metrics_token;
        if (!token.empty()) {
            auto header = request[http::field::authorization];
            auto from_query = query_parameter(target, "token");
            bool ok = (header.starts_with("Bearer ") && same_secret(header.substr(7), token)) ||
                      (from_query && same_secret(*from_query, token));
            if (!ok)
                return send(text_response(request, http::status::unauthorized, "text/plain",
                                          "a metrics token is required\n"));
        }
        context_.metrics.queue_bytes.store(
            static_cast<std::int64_t>(context_.registry.queued_bytes()), std::memory_order_relaxed);
        return send(text_response(request, http::status::ok, "text/plain; version=0.0.4",
                                  context_.metrics.render_prometheus()));
    }
    constexpr std::string_view api_prefix = "/api/channels/";
    constexpr std::string_view api_suffix = "/messages";
    if (path.rfind(api_prefix, 0) == 0 && path.size() > api_prefix.size() + api_suffix.size() &&
        path.substr(path.size() - api_suffix.size()) == api_suffix) {
        auto name = percent_decode(
            path.substr(api_prefix.size(), path.size() - api_prefix.size() - api_suffix.size()));
        return serve_history_api(request, name.value_or(""));
    }
    if (path == "/ws")
        return send(
            text_response(request, http::status::upgrade_required, "text/plain",
                          "this is the WebSocket endpoint: connect with a WebSocket client\n"));

    auto file_path = resolve_static_path(context_.web_root, target);
    if (!file_path)
        return send(text_response(request, http::status::not_found, "text/plain", "not found\n"));
    http::file_body::value_type file;
    file.open(file_path->c_str(), beast::file_mode::scan, ec);
    if (ec)
        return send(text_response(request, http::status::not_found, "text/plain", "not found\n"));
    auto size = file.size();
    auto content_type = content_type_for(*file_path);
    if (request.method() == http::verb::head) {
        http::response<http::empty_body> response{http::status::ok, request.version()};
        set_static_file_headers(response, content_type);
        response.content_length(size);
        response.keep_alive(request.keep_alive());
        return send(std::move(response));
    }
    http::response<http::file_body> response{std::piecewise_construct,
                                             std::make_tuple(std::move(file)),
                                             std::make_tuple(http::status::ok, request.version())};
    set_static_file_headers(response, content_type);
    response.content_length(size);
    response.keep_alive(request.keep_alive());
    send(std::move(response));
}

template <class Stream>
void HttpSession<Stream>::serve_history_api(const Request& request, const std::string& channel) {
    if (!protocol::is_valid_channel(channel))
        return send(json_error(request, http::status::bad_request, "channel_invalid",
                               "not a valid channel name"));
    auto target = request.target();
    std::optional<std::int64_t> before;
    int limit = 50;
    if (auto text = query_parameter(target, "before"); text && !text->empty()) {
        before = config::parse_number<std::int64_t>(*text);
        if (!before || *before < 1)
            return send(json_error(request, http::status::bad_request, "bad_request",
                                   "before must be a positive integer"));
    }
    if (auto text = query_parameter(target, "limit"); text && !text->empty()) {
        auto value = config::parse_number<std::int64_t>(*text);
        if (!value || *value < 1 || *value > max_api_limit)
            return send(json_error(request, http::status::bad_request, "bad_request",
                                   "limit must be between 1 and 100"));
        limit = static_cast<int>(*value);
    }
    if (!context_.hub.channel_known(channel))
        return send(json_error(request, http::status::not_found, "no_such_channel",
                               "no channel with that name"));

    // The page arrives on the storage thread; the response is written from this connection's
    // strand.
    auto version = request.version();
    bool keep_alive = request.keep_alive();
    bool head = request.method() == http::verb::head;
    auto self = this->shared_from_this();
    auto respond = [self, channel, version, keep_alive, head](storage::Page page) {
        boost::asio::post(self->stream_.get_executor(), [self, channel, version, keep_alive, head,
                                                         page = std::move(page)] {
            Request shape;
            shape.version(version);
            shape.keep_alive(keep_alive);
            shape.method(head ? http::verb::head : http::verb::get);
            if (!page.ok)
                return self->send(json_error(shape, http::status::service_unavailable,
                                             "unavailable", "history could not be read"));
            if (!page.channel_exists && !self->context_.hub.has_members(channel))
                return self->send(json_error(shape, http::status::not_found, "no_such_channel",
                                             "no channel with that name"));
            self->send(text_response(shape, http::status::ok, "application/json",
                                     protocol::encode_messages_page(channel, page.messages)));
        });
    };
    if (!context_.hub.history_store().before(channel, before, limit, respond))
        send(json_error(request, http::status::service_unavailable, "busy",
                        "the server is busy, try again"));
}

template <class Stream>
void HttpSession<Stream>::upgrade(Request&& request) {
    auto refuse = [&](http::status status, std::string_view why) {
        auto response = text_response(request, status, "text/plain", std::string(why) + "\n");
        parser_.reset();
        send(std::move(response));
    };
    auto target = request.target();
    if (path_of(target) != "/ws")
        return refuse(http::status::not_found, "WebSocket upgrades go to /ws");
    if (context_.shutting_down.load())
        return refuse(http::status::service_unavailable, "the server is shutting down");

    std::optional<std::string_view> origin;
    if (auto it = request.find(http::field::origin); it != request.end()) origin = it->value();
    if (context_.origin_allowed && !context_.origin_allowed(origin, request[http::field::host])) {
        context_.metrics.count_refused(metrics::RefusedReason::origin);
        spdlog::info("refused upgrade from {}: origin {} not allowed", remote_,
                     std::string(origin.value_or("")));
        return refuse(http::status::forbidden, "this origin may not open a WebSocket here");
    }
    if (auto refusal = ws::check_upgrade(request)) {
        spdlog::debug("refused upgrade from {}: {}", remote_, refusal->reason);
        http::response<http::string_body> response{refusal->status, request.version()};
        set_common_headers(response, "text/plain");
        if (refusal->status == http::status::upgrade_required)
            response.set(http::field::sec_websocket_version, "13");
        response.keep_alive(false);
        response.body() = refusal->reason + "\n";
        response.prepare_payload();
        parser_.reset();
        return send(std::move(response));
    }
    switch (context_.registry.admit(remote_ip_)) {
        case SessionRegistry::Admission::admitted:
            break;
        case SessionRegistry::Admission::over_total:
            context_.metrics.count_refused(metrics::RefusedReason::max_connections);
            return refuse(http::status::service_unavailable, "too many connections");
        case SessionRegistry::Admission::over_per_ip:
            context_.metrics.count_refused(metrics::RefusedReason::max_connections_per_ip);
            return refuse(http::status::service_unavailable,
                          "too many connections from this address");
    }
    auto token = query_parameter(target, "token").value_or("");
    auto response = ws::switching_protocols_response(request[http::field::sec_websocket_key]);
    // A client may send frames right behind its request; they are read along with it.
    auto early = beast::buffers_to_string(buffer_.data());
    tcp().expires_never();  // the WebSocket session keeps its own timeouts
    if constexpr (is_tls) {
        auto session = std::make_shared<TlsWebSocketSession>(
            std::move(stream_), context_, remote_ip_, remote_port_, std::move(token));
        session->run(std::move(response), std::move(early));
    } else {
        auto session = std::make_shared<PlainWebSocketSession>(
            stream_.release_socket(), context_, remote_ip_, remote_port_, std::move(token));
        session->run(std::move(response), std::move(early));
    }
}

template <class Stream>
void HttpSession<Stream>::send(http::message_generator&& response) {
    bool keep_alive = response.keep_alive();
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
        tcp().expires_after(context_.options.http_timeout);
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
