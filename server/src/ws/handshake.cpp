#include "ws/handshake.hpp"

#include <openssl/evp.h>

#include <boost/beast/http/field.hpp>

namespace parley::ws {

namespace http = boost::beast::http;

namespace {

// RFC 6455 4.2.1: the key is 16 bytes in base64, so 22 characters and "==". The last of the 22
// carries only two bits of the 16th byte; the other four must be zero.
bool is_sixteen_bytes_of_base64(std::string_view key) {
    constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (key.size() != 24 || key.substr(22) != "==") return false;
    for (std::size_t i = 0; i < 22; ++i)
        if (alphabet.find(key[i]) == std::string_view::npos) return false;
    return (alphabet.find(key[21]) & 0x0f) == 0;
}

}  // namespace

std::optional<UpgradeRefusal> check_upgrade(const http::request<http::string_body>& request) {
    if (request.find(http::field::host) == request.end())
        return UpgradeRefusal{http::status::bad_request, "missing Host"};
    auto keys = request.equal_range(http::field::sec_websocket_key);
    if (keys.first == keys.second || std::next(keys.first) != keys.second ||
        !is_sixteen_bytes_of_base64(keys.first->value()))
        return UpgradeRefusal{http::status::bad_request,
                              "Sec-WebSocket-Key must be one 16-byte value in base64"};
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
