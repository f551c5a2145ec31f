#include "redis/url.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>

#include "model/parse_number.hpp"

namespace parley::redis {

std::string Endpoint::display() const {
    return host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

Expected<Endpoint> parse_url(std::string_view text) {
    auto url = boost::urls::parse_uri(text);
    if (!url || url->scheme() != "redis" || !url->has_authority() || url->has_query() ||
        url->has_fragment())
        return Failure{"must look like redis://host:port[/db]"};
    if (url->has_userinfo())
        return Failure{"passwords in the URL are not supported; protect Redis by network"};
    Endpoint endpoint;
    endpoint.host = url->host_address();
    if (endpoint.host.empty()) return Failure{"the host is missing"};
    if (url->has_port()) {
        auto port = parse_port(url->port());
        if (!port) return Failure{"the port must be a number from 1 to 65535"};
        endpoint.port = *port;
    }
    auto path = url->path();
    if (path.size() > 1) {
        auto db = parse_number<int>(std::string_view(path).substr(1));
        if (!db || *db < 0 || *db > 15)
            return Failure{"the database must be a number from 0 to 15"};
        endpoint.db = *db;
    }
    return endpoint;
}

Expected<std::vector<Endpoint>> parse_urls(std::string_view text) {
    constexpr std::string_view scheme = "redis://";
    if (!text.starts_with(scheme)) return Failure{"must look like redis://host:port[/db]"};
    auto rest = text.substr(scheme.size());
    auto slash = std::min(rest.find('/'), rest.size());
    auto hosts = rest.substr(0, slash), path = rest.substr(slash);
    if (hosts.find(',') == std::string_view::npos) {
        auto endpoint = parse_url(text);
        if (!endpoint) return std::move(endpoint).error();
        return std::vector<Endpoint>{std::move(*endpoint)};
    }
    std::vector<Endpoint> endpoints;
    while (true) {
        auto comma = std::min(hosts.find(','), hosts.size());
        auto host = hosts.substr(0, comma);
        if (host.empty()) return Failure{"a node in the list is empty (two commas in a row?)"};
        auto endpoint = parse_url(std::string(scheme) + std::string(host) + std::string(path));
        if (!endpoint) return Failure{std::string(host) + ": " + endpoint.error().message};
        if (endpoint->db != 0)
            return Failure{"a Redis Cluster has database 0 only: drop " + std::string(path)};
        endpoints.push_back(std::move(*endpoint));
        if (comma == hosts.size()) break;
        hosts.remove_prefix(comma + 1);
    }
    return endpoints;
}

}  // namespace parley::redis
