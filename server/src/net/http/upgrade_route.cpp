// The WebSocket upgrade at /ws: which pages may open one (Origin), whether the handshake is
// sound (RFC 6455 4.2.1), and whether there is room for one more session.
#include <spdlog/spdlog.h>

#include "net/http/routes.hpp"
#include "ws/handshake.hpp"

namespace parley::net::http {

Expected<Upgrade, Response> upgrade(ServerContext& context, const Request& request,
                                    const boost::urls::url_view& url, const std::string& peer) {
    auto shape = RequestShape::of(request);
    shape.keep_alive = false;
    auto refuse = [&](beast_http::status status, std::string_view why) {
        return plain_text(shape, status, why);
    };
    if (url.encoded_path() != "/ws")
        return refuse(beast_http::status::not_found, "WebSocket upgrades go to /ws");
    if (context.shutting_down.load())
        return refuse(beast_http::status::service_unavailable, "the server is shutting down");

    std::optional<std::string_view> origin;
    if (auto it = request.find(beast_http::field::origin); it != request.end())
        origin = it->value();
    if (!context.origins.allows(origin, request[beast_http::field::host])) {
        context.metrics.count_refused(metrics::RefusedReason::origin);
        spdlog::info("refused upgrade from {}: origin {} not allowed", peer,
                     std::string(origin.value_or("")));
        return refuse(beast_http::status::forbidden, "this origin may not open a WebSocket here");
    }
    if (auto refusal = ws::check_upgrade(request)) {
        spdlog::debug("refused upgrade from {}: {}", peer, refusal->reason);
        beast_http::response<beast_http::string_body> response{refusal->status, request.version()};
        set_common_headers(response, "text/plain");
        if (refusal->status == beast_http::status::upgrade_required)
            response.set(beast_http::field::sec_websocket_version, "13");
        response.keep_alive(false);
        response.body() = refusal->reason + "\n";
        response.prepare_payload();
        return Response(std::move(response));
    }
    auto slot = context.limits.admit_session();
    if (!slot) {
        context.metrics.count_refused(metrics::RefusedReason::max_connections);
        return refuse(beast_http::status::service_unavailable, "too many connections");
    }
    std::string token;
    if (auto it = url.params().find("token"); it != url.params().end()) token = (*it).value;
    return Upgrade{ws::switching_protocols_response(request[beast_http::field::sec_websocket_key]),
                   std::move(token), std::move(slot)};
}

}  // namespace parley::net::http
