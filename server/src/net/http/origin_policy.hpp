#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/expected.hpp"

namespace parley::net {

// Which browser pages may open a WebSocket to us. Browsers attach cookies and credentials to a
// cross-site WebSocket without asking, so a page on evil.example could otherwise talk to Parley
// as its visitor (cross-site WebSocket hijacking). Non-browser clients send no Origin and are
// let in: the Origin check protects browsers' users, not the server.
class OriginPolicy {
  public:
    // Same-origin pages and clients without an Origin only.
    OriginPolicy() = default;

    // From `--allowed-origins` values: each string may itself be a comma separated list of
    // origins such as https://chat.example.com or http://localhost:3000, or `*` for every origin.
    // Fails with a one-line reason when an entry is not an origin (a path, no scheme, `null`).
    static Expected<OriginPolicy> from_lists(const std::vector<std::string>& lists);
    static Expected<OriginPolicy> from_list(std::string_view list);

    // `origin_header` is the Origin request header if there was one; `host_header` the Host.
    bool allows(std::optional<std::string_view> origin_header, std::string_view host_header) const;

    // `*` was given: worth a warning at start-up.
    bool allows_all() const { return allow_all_; }

    // The extra origins, normalised to scheme://host:port, for the start-up log.
    const std::vector<std::string>& allowed_origins() const { return allowed_; }

  private:
    bool allow_all_ = false;
    std::vector<std::string> allowed_;
};

// Which Host header values this server answers (`--allowed-hosts`). A page that rebinds its own
// DNS name to this server's address is same-origin with itself, so the Origin check lets it
// through; its Host header still names the attacker's domain, and that is what this refuses.
class HostPolicy {
  public:
    HostPolicy() = default;  // any host

    // Host names or addresses, comma separated, matched without the port and ignoring case;
    // `*` (or nothing) allows any.
    static Expected<HostPolicy> from_lists(const std::vector<std::string>& lists);

    bool allows(std::string_view host_header) const;
    bool allows_any() const { return hosts_.empty(); }

  private:
    std::vector<std::string> hosts_;  // lower case; empty: any
};

// scheme://host:port in lower case with the scheme's default port filled in, or nothing when
// `origin` is not a serialised origin (RFC 6454). Exposed for tests and the start-up log.
std::optional<std::string> normalize_origin(std::string_view origin);

}  // namespace parley::net
