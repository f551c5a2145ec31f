#pragma once

#include <string>
#include <vector>

#include "model/expected.hpp"
#include "redis/client.hpp"
#include "redis/url.hpp"

namespace parley::redis {

// For start-up only, before the io threads run: sends one command over a short-lived blocking
// connection to the first of `seeds` that answers, and follows one MOVED or ASK (on a Redis
// Cluster the seed may not own the key's slot). An error reply is a Value; a Failure says that
// no seed could be asked, with the last reason. Each connect and reply waits at most 5 s.
Expected<Value> run_blocking(const std::vector<Endpoint>& seeds, std::vector<std::string> args);

}  // namespace parley::redis
