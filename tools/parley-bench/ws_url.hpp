#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

struct WsTarget {
    sockaddr_in address{};
    std::string host_header;  // "host:port", as sent in the upgrade request
    std::string path;
};

// Parses ws://HOST[:PORT][/PATH]. HOST must be a loopback IPv4 address or "localhost": this tool
// generates heavy load and must never aim it at another machine. Throws UsageError.
WsTarget parse_ws_url(std::string_view url);

}  // namespace bench
