#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// One Redis (`redis://host[:port][/db]`: one endpoint), or nodes of a Redis Cluster
// (`redis://host:port,host:port,...`: several, in the order given). A cluster has database 0
// only, so a list with /N (N not 0) is refused.
Expected<std::vector<Endpoint>> parse_urls(std::string_view urls);

}  // namespace parley::redis
