#pragma once

#include <functional>
#include <optional>
#include <string>

#include "net/connection_limits.hpp"
#include "net/http/responses.hpp"
#include "net/server_context.hpp"

namespace parley::net::http {

// An upgrade the router accepted: the 101 answer the session sends, the ?token= of the URL,
// and the connection's place under --max-connections.
struct Upgrade {
    std::string response;
    std::string token;
    ConnectionLimits::Slot session_slot;
};

// Called exactly once with the answer, perhaps later and from another thread.
using Respond = std::function<void(Response)>;

// What each HTTP request gets, decided without I/O (Beast's handle_request, as a class): the
// session reads a request, asks route(), and writes what it is given. One route family a file:
//   ops_routes.cpp      /healthz and /metrics
//   history_route.cpp   GET /api/channels/{name}/messages
//   publish_route.cpp   POST /api/channels/{name}/messages (API keys)
//   login_route.cpp     POST /api/login
//   upgrade_route.cpp   the WebSocket upgrade at /ws: origin, handshake, admission
//   static_route.cpp    the browser client's files
class Router {
  public:
    explicit Router(ServerContext& context) : context_(context) {}

    // Answers through `respond`, or returns the accepted upgrade (and does not call it).
    // `health_only`: the connection came in the reserve kept for health checks.
    std::optional<Upgrade> route(const Request& request, const std::string& peer, bool health_only,
                                 const Respond& respond) const;

  private:
    ServerContext& context_;
};

}  // namespace parley::net::http
