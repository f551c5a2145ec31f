// /healthz and /metrics: what operators and load balancers ask.
#include "auth/random_id.hpp"
#include "net/http/routes.hpp"

namespace parley::net::http {

Response health(const ServerContext& context, const RequestShape& shape) {
    bool stopping = context.shutting_down.load();
    return text_response(
        shape, stopping ? beast_http::status::service_unavailable : beast_http::status::ok,
        "application/json", stopping ? R"({"status":"shutting down"})" : R"({"status":"ok"})");
}

Response metrics(const ServerContext& context, const Request& request,
                 const boost::urls::url_view& url) {
    auto shape = RequestShape::of(request);
    if (const auto& token = context.options.metrics_token; !token.empty()) {
        auto header = request[beast_http::field::authorization];
        auto query = url.params().find("token");
        bool ok = (header.starts_with("Bearer ") && auth::same_secret(header.substr(7), token)) ||
                  (query != url.params().end() && auth::same_secret((*query).value, token));
        if (!ok)
            return plain_text(shape, beast_http::status::unauthorized,
                              "a metrics token is required");
    }
    context.metrics.queue_bytes.store(static_cast<std::int64_t>(context.registry.queued_bytes()),
                                      std::memory_order_relaxed);
    context.metrics.tcp_connections_open.store(static_cast<std::int64_t>(context.limits.open()),
                                               std::memory_order_relaxed);
    return text_response(shape, beast_http::status::ok, "text/plain; version=0.0.4",
                         context.metrics.render_prometheus());
}

}  // namespace parley::net::http
