#pragma once

#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>

namespace parley::config {

// The whole of `text` as a number of type T, or nullopt: no sign or space is skipped, and
// nothing may follow the digits. Flags, URLs and query parameters all read numbers this way.
template <class T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace parley::config
