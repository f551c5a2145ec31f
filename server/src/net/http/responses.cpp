#include "net/http/responses.hpp"

#include <nlohmann/json.hpp>

namespace parley::net::http {

RequestShape RequestShape::of(const Request& request) {
    return {request.version(), request.keep_alive(), request.method() == beast_http::verb::head};
}

Response text_response(const RequestShape& shape, beast_http::status status,
                       std::string_view content_type, std::string body) {
    beast_http::response<beast_http::string_body> response{status, shape.version};
    set_common_headers(response, content_type);
    response.keep_alive(shape.keep_alive);
    response.set(beast_http::field::cache_control, "no-store");
    if (shape.head) {
        response.content_length(body.size());
    } else {
        response.body() = std::move(body);
        response.prepare_payload();
    }
    return response;
}

Response plain_text(const RequestShape& shape, beast_http::status status, std::string_view line) {
    return text_response(shape, status, "text/plain", std::string(line) + "\n");
}

Response json_error(const RequestShape& shape, beast_http::status status, std::string_view code,
                    std::string_view message) {
    nlohmann::json body{{"error", {{"code", code}, {"message", message}}}};
    return text_response(shape, status, "application/json", body.dump());
}

}  // namespace parley::net::http
