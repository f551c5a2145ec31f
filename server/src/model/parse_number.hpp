#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

namespace parley {

// The whole of `text` as a number of type T, or nullopt: no sign or space is skipped, and
// nothing may follow the digits. Flags, URLs and query parameters all read numbers this way.
template <class T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// A TCP port, 1 to 65535, written as digits only.
inline std::optional<std::uint16_t> parse_port(std::string_view text) {
    auto port = parse_number<std::uint32_t>(text);
    if (!port || *port == 0 || *port > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(*port);
}

}  // namespace parley
