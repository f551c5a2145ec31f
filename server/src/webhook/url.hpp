#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/expected.hpp"

namespace parley::webhook {

// Where a webhook is POSTed: `http[s]://host[:port][/path][?query]`.
struct Url {
    std::string text;  // as given: the endpoint's name in the outbox, logs and metrics
    bool tls = false;  // https
    std::string host;  // a name or an address; IPv6 without its brackets
    std::uint16_t port = 0;
    std::string target;  // path and query, "/" at least
};

// The URL, or a one-line reason why it is not one Parley can POST to. No user:password (a
// secret would be logged with the URL) and no fragment.
Expected<Url> parse_url(std::string_view text);

}  // namespace parley::webhook
