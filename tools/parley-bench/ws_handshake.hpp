#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ws_url.hpp"

namespace bench {

// The HTTP/1.1 upgrade request for `target` with the given 16 random key bytes (base64-encoded
// into Sec-WebSocket-Key). The server's Sec-WebSocket-Accept is not checked: the tool talks only
// to servers it was pointed at, and a 101 status is what matters for a load test.
std::string make_upgrade_request(const WsTarget& target, const unsigned char (&key)[16]);

enum class UpgradeStatus { incomplete, accepted, refused };

struct UpgradeResult {
    UpgradeStatus status = UpgradeStatus::incomplete;
    std::size_t header_size = 0;  // bytes of the response head, "\r\n\r\n" included
    std::string status_line;      // for the failure report when refused
};

// Looks at the bytes received so far after sending the request.
UpgradeResult check_upgrade_response(std::string_view received);

}  // namespace bench
