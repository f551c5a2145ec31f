#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "redis/url.hpp"

// Where a Redis Cluster client sends a command, decided from the command alone.
namespace parley::redis::cluster {

struct Route {
    enum class Kind {
        key,    // to the master of args[key]'s slot
        any,    // no key (PUBLISH, PING, EVALSHA with no keys...): any master
        every,  // WAIT: to every master, answered by the fewest replicas any of them reached
    };
    Kind kind = Kind::any;
    std::size_t key = 0;  // for Kind::key: the index in args of the key
};

// The key is the argument after the command's name; for XGROUP and XINFO the one after the
// subcommand; for EVAL and EVALSHA the first key (none when numkeys is 0); for XREAD and
// XREADGROUP the first after STREAMS. A command whose key is missing goes to any master, which
// answers it (with the error a malformed command gets).
Route route_of(const std::vector<std::string>& args);

// An error reply that says the cluster cannot serve the slot now (TRYAGAIN, CLUSTERDOWN,
// MASTERDOWN): the caller gets nullopt, as when Redis cannot be reached, and the map is read
// again.
bool is_unavailable(std::string_view error);

// host:port, what tells one node from another (the database is always 0 on a cluster).
std::string node_key(const Endpoint& endpoint);

}  // namespace parley::redis::cluster
