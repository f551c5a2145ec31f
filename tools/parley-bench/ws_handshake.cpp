#include "ws_handshake.hpp"

namespace bench {
namespace {

std::string base64(const unsigned char* bytes, std::size_t size) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < size; i += 3) {
        const std::uint32_t chunk = (std::uint32_t{bytes[i]} << 16) |
                                    (i + 1 < size ? std::uint32_t{bytes[i + 1]} << 8 : 0) |
                                    (i + 2 < size ? std::uint32_t{bytes[i + 2]} : 0);
        out += alphabet[(chunk >> 18) & 63];
        out += alphabet[(chunk >> 12) & 63];
        out += i + 1 < size ? alphabet[(chunk >> 6) & 63] : '=';
        out += i + 2 < size ? alphabet[chunk & 63] : '=';
    }
    return out;
}

}  // namespace

std::string make_upgrade_request(const WsTarget& target, const unsigned char (&key)[16]) {
    std::string request;
    request.reserve(200);
    request += "GET " + target.path + " HTTP/1.1\r\n";
    request += "Host: " + target.host_header + "\r\n";
    request += "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    request += "Sec-WebSocket-Key: " + base64(key, sizeof key) + "\r\n";
    request += "Sec-WebSocket-Version: 13\r\n\r\n";
    return request;
}

UpgradeResult check_upgrade_response(std::string_view received) {
    UpgradeResult result;
    const auto end = received.find("\r\n\r\n");
    if (end == std::string_view::npos) return result;
    result.header_size = end + 4;
    result.status_line = std::string(received.substr(0, received.find("\r\n")));
    const bool switched = result.status_line.rfind("HTTP/1.1 101", 0) == 0;
    result.status = switched ? UpgradeStatus::accepted : UpgradeStatus::refused;
    return result;
}

}  // namespace bench
