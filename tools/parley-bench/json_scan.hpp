#pragma once

#include <string_view>

namespace bench {

// A deliberately tiny JSON reader: it walks the top-level members of one object and hands each
// key with its raw value to `visit`. Strings come back without their quotes and still escaped,
// other values as their raw token (nested objects and arrays whole). The load tool reads a
// handful of fields from up to a million frames a second and never needs a DOM, so this costs one
// pass over the bytes and no allocation. Returns false if the text is not a well-formed object
// as far as this scan can tell (it does not validate numbers or escapes).
namespace json_detail {

inline std::size_t skip_space(std::string_view text, std::size_t at) {
    while (at < text.size() &&
           (text[at] == ' ' || text[at] == '\n' || text[at] == '\r' || text[at] == '\t'))
        ++at;
    return at;
}

// `at` is on the opening quote; returns the index just past the closing quote, or npos.
inline std::size_t skip_string(std::string_view text, std::size_t at) {
    for (++at; at < text.size(); ++at) {
        if (text[at] == '\\')
            ++at;
        else if (text[at] == '"')
            return at + 1;
    }
    return std::string_view::npos;
}

// Returns the index just past the value starting at `at`, or npos.
inline std::size_t skip_value(std::string_view text, std::size_t at) {
    if (at >= text.size()) return std::string_view::npos;
    if (text[at] == '"') return skip_string(text, at);
    if (text[at] == '{' || text[at] == '[') {
        int depth = 0;
        while (at < text.size()) {
            const char c = text[at];
            if (c == '"') {
                at = skip_string(text, at);
                if (at == std::string_view::npos) return at;
                continue;
            }
            if (c == '{' || c == '[') ++depth;
            if (c == '}' || c == ']') {
                if (--depth == 0) return at + 1;
            }
            ++at;
        }
        return std::string_view::npos;
    }
    while (at < text.size() && text[at] != ',' && text[at] != '}' && text[at] != ']' &&
           text[at] != ' ' && text[at] != '\n' && text[at] != '\r' && text[at] != '\t')
        ++at;
    return at;
}

}  // namespace json_detail

template <typename Visit>
bool visit_json_fields(std::string_view text, Visit&& visit) {
    using namespace json_detail;
    constexpr auto npos = std::string_view::npos;
    std::size_t at = skip_space(text, 0);
    if (at >= text.size() || text[at] != '{') return false;
    at = skip_space(text, at + 1);
    if (at < text.size() && text[at] == '}') return true;
    while (at < text.size()) {
        if (text[at] != '"') return false;
        const std::size_t key_end = skip_string(text, at);
        if (key_end == npos) return false;
        const std::string_view key = text.substr(at + 1, key_end - at - 2);
        at = skip_space(text, key_end);
        if (at >= text.size() || text[at] != ':') return false;
        at = skip_space(text, at + 1);
        const std::size_t value_end = skip_value(text, at);
        if (value_end == npos || value_end == at) return false;
        std::string_view value = text.substr(at, value_end - at);
        if (value.front() == '"') value = value.substr(1, value.size() - 2);
        visit(key, value);
        at = skip_space(text, value_end);
        if (at >= text.size()) return false;
        if (text[at] == '}') return true;
        if (text[at] != ',') return false;
        at = skip_space(text, at + 1);
    }
    return false;
}

// Hands each element of a JSON array (raw, strings still quoted) to `visit`. Returns false if
// `text` is not an array as far as this scan can tell.
template <typename Visit>
bool visit_json_array(std::string_view text, Visit&& visit) {
    using namespace json_detail;
    constexpr auto npos = std::string_view::npos;
    std::size_t at = skip_space(text, 0);
    if (at >= text.size() || text[at] != '[') return false;
    at = skip_space(text, at + 1);
    if (at < text.size() && text[at] == ']') return true;
    while (at < text.size()) {
        const std::size_t value_end = skip_value(text, at);
        if (value_end == npos || value_end == at) return false;
        visit(text.substr(at, value_end - at));
        at = skip_space(text, value_end);
        if (at >= text.size()) return false;
        if (text[at] == ']') return true;
        if (text[at] != ',') return false;
        at = skip_space(text, at + 1);
    }
    return false;
}

}  // namespace bench
