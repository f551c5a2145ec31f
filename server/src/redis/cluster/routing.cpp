#include "redis/cluster/routing.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace parley::redis::cluster {

namespace {

bool same_word(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) ==
                      std::toupper(static_cast<unsigned char>(y));
           });
}

// Commands with no key, that any master answers alike (PUBLISH reaches every node's
// subscribers on a Redis Cluster).
constexpr std::array<std::string_view, 14> keyless = {
    "PING",   "ECHO",   "PUBLISH",  "SCRIPT",   "CLUSTER", "INFO",   "TIME",
    "DBSIZE", "ASKING", "READONLY", "FUNCTION", "COMMAND", "CONFIG", "HELLO"};

Route key_at(const std::vector<std::string>& args, std::size_t index) {
    if (index >= args.size()) return {};
    return {Route::Kind::key, index};
}

}  // namespace

Route route_of(const std::vector<std::string>& args) {
    if (args.empty()) return {};
    const auto& name = args[0];
    if (same_word(name, "WAIT")) return {Route::Kind::every, 0};
    for (auto word : keyless)
        if (same_word(name, word)) return {};
    if (same_word(name, "XGROUP") || same_word(name, "XINFO")) return key_at(args, 2);
    if (same_word(name, "EVAL") || same_word(name, "EVALSHA")) {
        if (args.size() < 3) return {};
        int keys = 0;
        const auto& text = args[2];
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), keys);
        if (ec != std::errc() || end != text.data() + text.size() || keys <= 0) return {};
        return key_at(args, 3);
    }
    if (same_word(name, "XREAD") || same_word(name, "XREADGROUP")) {
        for (std::size_t i = 1; i < args.size(); ++i)
            if (same_word(args[i], "STREAMS")) return key_at(args, i + 1);
        return {};
    }
    return key_at(args, 1);
}

bool is_unavailable(std::string_view error) {
    for (std::string_view prefix : {"TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN"})
        if (error.starts_with(prefix) &&
            (error.size() == prefix.size() || error[prefix.size()] == ' '))
            return true;
    return false;
}

std::string node_key(const Endpoint& endpoint) {
    return endpoint.host + ":" + std::to_string(endpoint.port);
}

}  // namespace parley::redis::cluster
