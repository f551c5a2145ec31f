#include "ws/handshake.hpp"

#include <openssl/evp.h>

#include <boost/beast/http/field.hpp>

namespace parley::ws {

namespace http = boost::beast::http;

std::optional<UpgradeRefusal> check_upgrade(const http::request<http::string_body>& request) {
    if (request.find(http::field::host) == request.end())
        return UpgradeRefusal{http::status::bad_request, "missing Host"};
    auto key = request.find(http::field::sec_websocket_key);
    // A key is 16 random bytes in base64: 24 characters.
    if (key == request.end() || key->value().empty() || key->value().size() > 24)
        return UpgradeRefusal{http::status::bad_request, "missing or bad Sec-WebSocket-Key"};
    auto version = request.find(http::field::sec_websocket_version);
    if (version == request.end())
        return UpgradeRefusal{http::status::bad_request, "missing Sec-WebSocket-Version"};
    if (version->value() != "13")
        return UpgradeRefusal{http::status::upgrade_required, "this server speaks version 13"};
    return std::nullopt;
}

std::string websocket_accept_key(std::string_view client_key) {
    constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::string keyed = std::string(client_key) + std::string(guid);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    EVP_Digest(keyed.data(), keyed.size(), digest, &digest_size, EVP_sha1(), nullptr);
    unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    int size = EVP_EncodeBlock(encoded, digest, static_cast<int>(digest_size));
    return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(size));
}

std::string switching_protocols_response(std::string_view client_key) {
    return "HTTP/1.1 101 Switching Protocols\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           "Sec-WebSocket-Accept: " +
           websocket_accept_key(client_key) +
           "\r\n"
           "Server: parley\r\n"
           "\r\n";
}

}  // namespace parley::ws
