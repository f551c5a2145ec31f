#include "webhook/url.hpp"

#include <algorithm>
#include <cctype>

#include "model/parse_number.hpp"

namespace parley::webhook {

Expected<Url> parse_url(std::string_view text) {
    Url url;
    url.text = std::string(text);
    std::string_view rest = text;
    if (rest.rfind("http://", 0) == 0) {
        rest.remove_prefix(7);
        url.port = 80;
    } else if (rest.rfind("https://", 0) == 0) {
        rest.remove_prefix(8);
        url.tls = true;
        url.port = 443;
    } else {
        return Failure{"a webhook URL starts with http:// or https://"};
    }
    if (std::any_of(text.begin(), text.end(),
                    [](char c) { return std::iscntrl(static_cast<unsigned char>(c)) || c == ' '; }))
        return Failure{"a webhook URL has no spaces or control characters"};
    if (text.find('#') != std::string_view::npos) return Failure{"a webhook URL has no #fragment"};
    auto authority_end = rest.find_first_of("/?");
    auto authority = rest.substr(0, authority_end);
    url.target =
        authority_end == std::string_view::npos ? "/" : std::string(rest.substr(authority_end));
    if (url.target[0] == '?') url.target.insert(0, "/");
    if (authority.find('@') != std::string_view::npos)
        return Failure{
            "a webhook URL may not hold a user or password (sign with --webhook-secret)"};
    std::string_view port;
    if (!authority.empty() && authority[0] == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return Failure{"unclosed [ in the webhook URL's host"};
        url.host = std::string(authority.substr(1, close - 1));
        auto after = authority.substr(close + 1);
        if (!after.empty() && after[0] != ':') return Failure{"bad host in the webhook URL"};
        if (!after.empty()) port = after.substr(1);
    } else {
        auto colon = authority.find(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (url.host.empty()) return Failure{"a webhook URL needs a host"};
    if (authority.find(':') != std::string_view::npos && authority[0] != '[' &&
        authority.find(':') != authority.rfind(':'))
        return Failure{"put an IPv6 address in brackets: http://[::1]:8080/"};
    if (!port.empty() || (authority.size() > 0 && authority.back() == ':')) {
        auto number = parse_port(port);
        if (!number) return Failure{"the webhook URL's port must be 1-65535"};
        url.port = *number;
    }
    return url;
}

}  // namespace parley::webhook
