#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "auth/rate_limiter.hpp"
#include "chat/hub.hpp"
#include "config/options.hpp"
#include "metrics/metrics.hpp"
#include "net/connection_limits.hpp"
#include "net/http/origin_policy.hpp"
#include "net/session_registry.hpp"
#include "protocol/command.hpp"

namespace parley::net {

// What every connection shares: configuration, the hub, the registry and the security checks.
struct ServerContext {
    const config::Options& options;
    chat::Hub& hub;
    metrics::Metrics& metrics;
    SessionRegistry& registry;
    ConnectionLimits& limits;
    std::filesystem::path web_root;  // canonical
    protocol::DecodeLimits decode_limits;
    OriginPolicy origins;           // which pages may open a WebSocket
    HostPolicy hosts;               // which Host names are answered
    auth::RateRules message_rules;  // say, dm, typing
    auth::RateRules command_rules;  // everything else, weighted
    // Token mode: returns the token's subject when it is valid now. Empty in guest mode.
    std::function<std::optional<std::string>(std::string_view token)> verify_token;
    std::atomic<bool> shutting_down{false};
};

}  // namespace parley::net
