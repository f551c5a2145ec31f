#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::redis {

// Where the cluster's Redis is: `redis://host[:port][/db]`.
struct Endpoint {
    std::string host;
    std::uint16_t port = 6379;
    int db = 0;

    std::string display() const;  // host:port/db, for logs
};

// Returns the endpoint, or nullopt with `error` set to a one-line reason.
std::optional<Endpoint> parse_url(std::string_view url, std::string& error);

}  // namespace parley::redis
