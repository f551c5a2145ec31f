#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace parley::ws {

// The server's side of the WebSocket opening handshake (RFC 6455 section 4.2), done without
// Beast's websocket::stream so that a session need not carry one.

// Why an upgrade request (already known to be a GET asking for "Upgrade: websocket") cannot be
// accepted: the status to answer with and a line of text. Version trouble is 426, and the answer
// then names the version this server speaks.
struct UpgradeRefusal {
    boost::beast::http::status status;
    std::string reason;
};
std::optional<UpgradeRefusal> check_upgrade(
    const boost::beast::http::request<boost::beast::http::string_body>& request);

// base64(SHA-1(key + the RFC's GUID)): proves to the client that this server read its key.
std::string websocket_accept_key(std::string_view client_key);

// The complete 101 response to a request that passed check_upgrade().
std::string switching_protocols_response(std::string_view client_key);

}  // namespace parley::ws
