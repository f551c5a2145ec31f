#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "auth/api_keys.hpp"
#include "auth/failure_limiter.hpp"
#include "auth/jwt.hpp"
#include "auth/password_hasher.hpp"
#include "auth/rate_limiter.hpp"
#include "chat/hub.hpp"
#include "config/options.hpp"
#include "metrics/metrics.hpp"
#include "net/connection_limits.hpp"
#include "net/http/origin_policy.hpp"
#include "net/session_registry.hpp"
#include "protocol/command.hpp"
#include "storage/directory.hpp"

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
    // Returns a token's subject when it is valid now.
    std::function<std::optional<auth::VerifiedToken>(std::string_view token)> verify_token;
    // Logins over HTTP (POST /api/login): accounts, the hashing pool, failed-login limits, and
    // the key tokens are signed with.
    storage::Directory* directory = nullptr;
    auth::PasswordHasher* hasher = nullptr;
    auth::FailureLimiter* failed_logins = nullptr;
    std::string signing_key;
    bool guests = true;                       // false: the HTTP API needs a token too
    const auth::ApiKeys* api_keys = nullptr;  // for POST /api/channels/{name}/messages
    std::atomic<bool> shutting_down{false};
};

}  // namespace parley::net
