#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string_view>

namespace parley::net {

// A peer's address for logs, formatted only when a line is actually written.
struct RemoteAddress {
    std::string_view ip;
    std::uint16_t port;
};

}  // namespace parley::net

template <>
struct fmt::formatter<parley::net::RemoteAddress> : fmt::formatter<std::string_view> {
    auto format(const parley::net::RemoteAddress& remote, fmt::format_context& context) const {
        if (remote.ip.find(':') != std::string_view::npos)  // IPv6
            return fmt::format_to(context.out(), "[{}]:{}", remote.ip, remote.port);
        return fmt::format_to(context.out(), "{}:{}", remote.ip, remote.port);
    }
};
