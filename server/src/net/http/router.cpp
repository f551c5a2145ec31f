#include "net/http/router.hpp"

#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>

#include "net/http/routes.hpp"

namespace parley::net::http {

namespace {

bool is_api_path(const boost::urls::url_view& url, std::string& channel) {
    auto segments = url.segments();
    if (segments.size() != 4) return false;
    auto it = segments.begin();
    if (*it++ != "api" || *it++ != "channels") return false;
    channel = *it++;
    return *it == "messages";
}

// What a request must get right before anything else looks at it. A request that names two
// hosts, or encodes its body in a way this server does not speak, could mean one thing here and
// another to a proxy in front: it is refused and the connection closed.
std::optional<Response> check_framing(const Request& request, RequestShape shape) {
    shape.keep_alive = false;
    auto hosts = std::distance(request.equal_range(beast_http::field::host).first,
                               request.equal_range(beast_http::field::host).second);
    if (hosts > 1 || (hosts == 0 && request.version() >= 11))
        return plain_text(shape, beast_http::status::bad_request,
                          "a request needs exactly one Host header");
    if (auto coding = request.find(beast_http::field::transfer_encoding);
        coding != request.end() && !boost::beast::iequals(coding->value(), "chunked"))
        return plain_text(shape, beast_http::status::not_implemented,
                          "the only transfer coding supported is chunked");
    return std::nullopt;
}

}  // namespace

std::optional<Upgrade> Router::route(const Request& request, const std::string& peer,
                                     bool health_only, const Respond& respond) const {
    context_.metrics.http_requests_total.fetch_add(1, std::memory_order_relaxed);
    auto shape = RequestShape::of(request);
    if (auto refusal = check_framing(request, shape)) {
        respond(std::move(*refusal));
        return std::nullopt;
    }
    if (!context_.hosts.allows(request[beast_http::field::host])) {
        respond(plain_text(shape, beast_http::status::misdirected_request,
                           "this server does not answer for that host"));
        return std::nullopt;
    }
    auto url = boost::urls::parse_origin_form(request.target());
    if (!url) {
        respond(plain_text(shape, beast_http::status::bad_request, "malformed request target"));
        return std::nullopt;
    }
    if (health_only && url->encoded_path() != "/healthz") {
        context_.metrics.count_refused_connection(metrics::ConnectionRefusal::health_reserve);
        shape.keep_alive = false;
        respond(plain_text(shape, beast_http::status::service_unavailable,
                           "the server is at its connection limit, try again"));
        return std::nullopt;
    }
    if (boost::beast::websocket::is_upgrade(request)) {
        auto accepted = upgrade(context_, request, *url, peer);
        if (accepted) return std::move(*accepted);
        respond(std::move(accepted).error());
        return std::nullopt;
    }
    if (url->encoded_path() == "/api/login") {
        if (request.method() == beast_http::verb::post) {
            login(context_, request, peer, respond);
            return std::nullopt;
        }
        beast_http::response<beast_http::string_body> response{
            beast_http::status::method_not_allowed, request.version()};
        set_common_headers(response, "text/plain");
        response.set(beast_http::field::allow, "POST");
        response.keep_alive(request.keep_alive());
        response.body() = "log in with POST\n";
        response.prepare_payload();
        respond(std::move(response));
        return std::nullopt;
    }
    std::string channel;
    bool api = is_api_path(*url, channel);
    if (api && request.method() == beast_http::verb::post) {
        publish_api(context_, request, channel, respond);
        return std::nullopt;
    }
    if (request.method() != beast_http::verb::get && request.method() != beast_http::verb::head) {
        beast_http::response<beast_http::string_body> response{
            beast_http::status::method_not_allowed, request.version()};
        set_common_headers(response, "text/plain");
        response.set(beast_http::field::allow, api ? "GET, HEAD, POST" : "GET, HEAD");
        response.keep_alive(request.keep_alive());
        response.body() = "method not allowed\n";
        response.prepare_payload();
        respond(std::move(response));
        return std::nullopt;
    }
    auto path = url->encoded_path();
    if (path == "/healthz")
        respond(health(context_, shape));
    else if (path == "/metrics")
        respond(metrics(context_, request, *url));
    else if (api)
        history_api(context_, request, *url, channel, respond);
    else if (path == "/ws")
        respond(plain_text(shape, beast_http::status::upgrade_required,
                           "this is the WebSocket endpoint: connect with a WebSocket client"));
    else
        respond(static_file(context_, request));
    return std::nullopt;
}

}  // namespace parley::net::http
