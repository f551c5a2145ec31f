#include "ws_url.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "options.hpp"

namespace bench {

WsTarget parse_ws_url(std::string_view url) {
    const std::string original(url);
    constexpr std::string_view scheme = "ws://";
    if (url.substr(0, scheme.size()) != scheme)
        throw UsageError("--url must start with ws:// (got '" + original + "')");
    url.remove_prefix(scheme.size());

    const auto slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    WsTarget target;
    target.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));

    std::string_view host = authority;
    std::uint16_t port = 80;
    if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        const auto digits = authority.substr(colon + 1);
        const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), port);
        if (result.ec != std::errc{} || result.ptr != digits.data() + digits.size() || port == 0)
            throw UsageError("--url has a bad port: '" + original + "'");
    }
    const std::string host_text = host == "localhost" ? "127.0.0.1" : std::string(host);
    target.address.sin_family = AF_INET;
    target.address.sin_port = htons(port);
    if (inet_pton(AF_INET, host_text.c_str(), &target.address.sin_addr) != 1)
        throw UsageError("--url host must be an IPv4 address or localhost: '" + original + "'");
    if ((ntohl(target.address.sin_addr.s_addr) >> 24) != 127)
        throw UsageError("--url must point at a loopback address (127.0.0.0/8): '" + original +
                         "'");
    target.host_header = std::string(host) + ":" + std::to_string(port);
    return target;
}

}  // namespace bench
