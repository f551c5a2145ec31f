#include "net/http/origin_policy.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>

#include "model/parse_number.hpp"

namespace parley::net {

namespace {

namespace urls = boost::urls;

struct HostPort {
    std::string host;  // lower case; IPv6 literals keep their brackets
    std::optional<std::uint16_t> port;
};

struct Origin {
    std::string scheme;  // lower case
    HostPort authority;  // port filled in from the scheme when it has a default
};

std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Host names are letters, digits and - . _ ~ here: what a browser puts in a Host or Origin
// header. The wider reg-name syntax (percent escapes, sub-delimiters) is refused.
bool plain_host_name(std::string_view host) {
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
               c == '~';
    });
}

std::optional<HostPort> host_port_of(const urls::authority_view& authority) {
    if (authority.has_userinfo()) return std::nullopt;
    auto host = authority.encoded_host();
    switch (authority.host_type()) {
        case urls::host_type::name:
            if (!plain_host_name(host)) return std::nullopt;
            break;
        case urls::host_type::ipv4:
        case urls::host_type::ipv6:
            break;
        default:
            return std::nullopt;
    }
    HostPort result{lowered(host), std::nullopt};
    if (authority.has_port()) {
        result.port = parse_port(authority.port());
        if (!result.port) return std::nullopt;
    }
    return result;
}

// host[:port] as in a Host header; no user info, no path.
std::optional<HostPort> parse_host_port(std::string_view text) {
    auto authority = urls::parse_authority(text);
    if (!authority) return std::nullopt;
    return host_port_of(*authority);
}

std::optional<std::uint16_t> default_port(std::string_view scheme) {
    if (scheme == "http" || scheme == "ws") return 80;
    if (scheme == "https" || scheme == "wss") return 443;
    return std::nullopt;
}

std::optional<Origin> parse_origin(std::string_view text) {
    auto url = urls::parse_absolute_uri(text);
    // A serialised origin has no path; tolerate the one slash people paste from an address bar.
    if (!url || !url->has_authority() || url->has_query() ||
        (!url->encoded_path().empty() && url->encoded_path() != "/"))
        return std::nullopt;
    auto authority = host_port_of(url->authority());
    if (!authority) return std::nullopt;
    Origin origin{lowered(url->scheme()), std::move(*authority)};
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

// Calls `each` for every non-empty entry of comma separated lists; stops at its first failure.
template <class F>
Expected<void> for_each_entry(const std::vector<std::string>& lists, F&& each) {
    for (const auto& list : lists) {
        std::string_view remaining = list;
        while (true) {
            auto comma = remaining.find(',');
            auto entry = trimmed(remaining.substr(0, comma));
            if (!entry.empty())
                if (auto done = each(entry); !done) return done;
            if (comma == remaining.npos) break;
            remaining.remove_prefix(comma + 1);
        }
    }
    return {};
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view origin) {
    auto parsed = parse_origin(origin);
    if (!parsed) return std::nullopt;
    return serialize(*parsed);
}

Expected<OriginPolicy> OriginPolicy::from_lists(const std::vector<std::string>& lists) {
    OriginPolicy policy;
    auto read = for_each_entry(lists, [&](std::string_view entry) -> Expected<void> {
        if (entry == "*") {
            policy.allow_all_ = true;
            return {};
        }
        if (entry == "null")
            return Failure{
                "allowed origin 'null' (sandboxed and file:// pages) can only be allowed by *"};
        auto normalized = normalize_origin(entry);
        if (!normalized)
            return Failure{"allowed origin '" + std::string(entry) +
                           "' is not of the form scheme://host[:port], e.g. "
                           "https://chat.example.com"};
        if (std::find(policy.allowed_.begin(), policy.allowed_.end(), *normalized) ==
            policy.allowed_.end())
            policy.allowed_.push_back(std::move(*normalized));
        return {};
    });
    if (!read) return std::move(read).error();
    return policy;
}

Expected<OriginPolicy> OriginPolicy::from_list(std::string_view list) {
    return from_lists(std::vector<std::string>{std::string(list)});
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

Expected<HostPolicy> HostPolicy::from_lists(const std::vector<std::string>& lists) {
    HostPolicy policy;
    bool any = false;
    auto read = for_each_entry(lists, [&](std::string_view entry) -> Expected<void> {
        if (entry == "*") {
            any = true;
            return {};
        }
        auto host = parse_host_port(entry);
        if (!host || host->port)
            return Failure{"allowed host '" + std::string(entry) +
                           "' is not a host name or address without a port, e.g. "
                           "chat.example.com"};
        policy.hosts_.push_back(std::move(host->host));
        return {};
    });
    if (!read) return std::move(read).error();
    if (any) policy.hosts_.clear();
    return policy;
}

bool HostPolicy::allows(std::string_view host_header) const {
    if (hosts_.empty()) return true;
    auto host = parse_host_port(host_header);
    return host && std::find(hosts_.begin(), hosts_.end(), host->host) != hosts_.end();
}

}  // namespace parley::net
