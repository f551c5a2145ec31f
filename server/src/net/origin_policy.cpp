#include "net/origin_policy.hpp"

#include <algorithm>

namespace parley::net {

namespace {

struct HostPort {
    std::string host;  // lower case; IPv6 literals keep their brackets
    std::optional<std::uint16_t> port;
};

struct Origin {
    std::string scheme;  // lower case
    HostPort authority;  // port filled in from the scheme when it has a default
};

char to_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), to_lower);
    return out;
}

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_hex(char c) {
    return is_digit(c) || (to_lower(c) >= 'a' && to_lower(c) <= 'f');
}

bool is_host_char(char c) {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
    if (digits.empty() || digits.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (char c : digits) {
        if (!is_digit(c)) return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

// host[:port] as in a Host header or the authority of an origin; no user info, no path.
std::optional<HostPort> parse_host_port(std::string_view text) {
    std::string_view host;
    std::string_view rest;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == text.npos || close < 3) return std::nullopt;
        for (char c : text.substr(1, close - 1))
            if (!is_hex(c) && c != ':' && c != '.') return std::nullopt;
        host = text.substr(0, close + 1);
        rest = text.substr(close + 1);
    } else {
        auto colon = text.find(':');
        host = text.substr(0, colon);
        rest = colon == text.npos ? std::string_view{} : text.substr(colon);
        if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_char))
            return std::nullopt;
    }

    HostPort result{lowered(host), std::nullopt};
    if (rest.empty()) return result;
    if (rest.front() != ':') return std::nullopt;
    result.port = parse_port(rest.substr(1));
    if (!result.port) return std::nullopt;
    return result;
}

std::optional<std::uint16_t> default_port(std::string_view scheme) {
    if (scheme == "http" || scheme == "ws") return 80;
    if (scheme == "https" || scheme == "wss") return 443;
    return std::nullopt;
}

std::optional<Origin> parse_origin(std::string_view text) {
    auto separator = text.find("://");
    if (separator == text.npos || separator == 0) return std::nullopt;
    auto scheme = text.substr(0, separator);
    if (!is_alpha(scheme.front())) return std::nullopt;
    for (char c : scheme)
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return std::nullopt;

    auto authority = text.substr(separator + 3);
    // A serialised origin has no path; tolerate the one slash people paste from an address bar.
    if (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
    auto host_port = parse_host_port(authority);
    if (!host_port) return std::nullopt;

    Origin origin{lowered(scheme), std::move(*host_port)};
    if (!origin.authority.port) origin.authority.port = default_port(origin.scheme);
    return origin;
}

std::string serialize(const Origin& origin) {
    std::string text = origin.scheme + "://" + origin.authority.host;
    if (origin.authority.port) text += ':' + std::to_string(*origin.authority.port);
    return text;
}

// The page was served by this very server: its host and port are the ones the browser
// connected to, which the Host header repeats.
bool is_same_origin(const Origin& origin, std::string_view host_header) {
    if (origin.scheme != "http" && origin.scheme != "https") return false;
    auto host = parse_host_port(host_header);
    if (!host) return false;
    if (!host->port) host->port = default_port(origin.scheme);
    return host->host == origin.authority.host && host->port == origin.authority.port;
}

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view origin) {
    auto parsed = parse_origin(origin);
    if (!parsed) return std::nullopt;
    return serialize(*parsed);
}

std::optional<OriginPolicy> OriginPolicy::from_lists(const std::vector<std::string>& lists,
                                                     std::string& error) {
    OriginPolicy policy;
    for (const auto& list : lists) {
        std::string_view remaining = list;
        while (true) {
            auto comma = remaining.find(',');
            auto entry = trimmed(remaining.substr(0, comma));
            if (entry == "*") {
                policy.allow_all_ = true;
            } else if (entry == "null") {
                error =
                    "allowed origin 'null' (sandboxed and file:// pages) can only be allowed by *";
                return std::nullopt;
            } else if (!entry.empty()) {
                auto normalized = normalize_origin(entry);
                if (!normalized) {
                    error =
                        "allowed origin '" + std::string(entry) +
                        "' is not of the form scheme://host[:port], e.g. https://chat.example.com";
                    return std::nullopt;
                }
                if (std::find(policy.allowed_.begin(), policy.allowed_.end(), *normalized) ==
                    policy.allowed_.end())
                    policy.allowed_.push_back(std::move(*normalized));
            }
            if (comma == remaining.npos) break;
            remaining.remove_prefix(comma + 1);
        }
    }
    return policy;
}

std::optional<OriginPolicy> OriginPolicy::from_list(std::string_view list, std::string& error) {
    return from_lists(std::vector<std::string>{std::string(list)}, error);
}

bool OriginPolicy::allows(std::optional<std::string_view> origin_header,
                          std::string_view host_header) const {
    if (!origin_header) return true;
    if (allow_all_) return true;
    // "null" (sandboxed iframes, file:// pages) fails to parse here and is refused with the rest.
    auto origin = parse_origin(*origin_header);
    if (!origin) return false;
    if (is_same_origin(*origin, host_header)) return true;
    return std::find(allowed_.begin(), allowed_.end(), serialize(*origin)) != allowed_.end();
}

}  // namespace parley::net
