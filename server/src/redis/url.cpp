#include "redis/url.hpp"

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

}  // namespace parley::redis
