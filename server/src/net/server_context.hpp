#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "chat/hub.hpp"
#include "config/options.hpp"
#include "metrics/metrics.hpp"
#include "net/session_registry.hpp"
#include "protocol/command.hpp"

namespace parley::net {

class OriginPolicy;

// What every connection shares: configuration, the hub, the registry and the security checks.
struct ServerContext {
    const config::Options& options;
    chat::Hub& hub;
    metrics::Metrics& metrics;
    SessionRegistry& registry;
    std::filesystem::path web_root;  // canonical
    protocol::DecodeLimits decode_limits;
    // Token mode: returns the token's subject when it is valid now. Empty in guest mode.
    std::function<std::optional<std::string>(std::string_view token)> verify_token;
    // Whether a WebSocket upgrade with this Origin (absent: nullopt) and Host may proceed.
    std::function<bool(std::optional<std::string_view> origin, std::string_view host)>
        origin_allowed;
    std::atomic<bool> shutting_down{false};
};

}  // namespace parley::net
