#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/expected.hpp"

namespace parley::redis {

// Where the cluster's Redis is: `redis://host[:port][/db]`.
struct Endpoint {
    std::string host;
    std::uint16_t port = 6379;
    int db = 0;

    std::string display() const;  // host:port/db, for logs
};

// The endpoint, or a one-line reason why there is none.
Expected<Endpoint> parse_url(std::string_view url);

}  // namespace parley::redis
