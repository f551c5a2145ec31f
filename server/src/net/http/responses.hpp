#pragma once

#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

namespace parley::net::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::message_generator;

// The parts of a request an answer depends on, kept so an answer can be made after the request
// itself is gone (an answer from storage arrives later, on another thread).
struct RequestShape {
    unsigned version = 11;
    bool keep_alive = false;
    bool head = false;

    static RequestShape of(const Request& request);
};

// Headers every answer carries: who answered, the type, and no content sniffing.
template <class Body>
void set_common_headers(beast_http::response<Body>& response, std::string_view content_type) {
    response.set(beast_http::field::server, "parley");
    response.set(beast_http::field::content_type, content_type);
    response.set("X-Content-Type-Options", "nosniff");
}

// The web client loads only its own files and talks only to this server's WebSocket; saying so
// makes an injected script or a framing page useless.
template <class Body>
void set_static_file_headers(beast_http::response<Body>& response, std::string_view content_type) {
    set_common_headers(response, content_type);
    response.set("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
                 "frame-ancestors 'none'");
    response.set(beast_http::field::cache_control, "no-cache");
}

// A small answer built in memory (no body for HEAD, with its length).
Response text_response(const RequestShape& shape, beast_http::status status,
                       std::string_view content_type, std::string body);
Response plain_text(const RequestShape& shape, beast_http::status status, std::string_view line);
// {"error":{"code":...,"message":...}} for the HTTP API.
Response json_error(const RequestShape& shape, beast_http::status status, std::string_view code,
                    std::string_view message);

}  // namespace parley::net::http
