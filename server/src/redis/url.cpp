#include "redis/url.hpp"

#include "config/parse_number.hpp"

namespace parley::redis {

std::string Endpoint::display() const {
    return host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

std::optional<Endpoint> parse_url(std::string_view url, std::string& error) {
    constexpr std::string_view scheme = "redis://";
    if (url.substr(0, scheme.size()) != scheme) {
        error = "must look like redis://host:port[/db]";
        return std::nullopt;
    }
    auto rest = url.substr(scheme.size());
    if (rest.find('@') != std::string_view::npos) {
        error = "passwords in the URL are not supported; protect Redis by network";
        return std::nullopt;
    }
    Endpoint endpoint;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        auto db_text = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
        if (!db_text.empty()) {
            auto db = config::parse_number<int>(db_text);
            if (!db || *db < 0 || *db > 15) {
                error = "the database must be a number from 0 to 15";
                return std::nullopt;
            }
            endpoint.db = *db;
        }
    }
    if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        auto port = config::parse_number<std::uint16_t>(rest.substr(colon + 1));
        if (!port || *port == 0) {
            error = "the port must be a number from 1 to 65535";
            return std::nullopt;
        }
        endpoint.port = *port;
        rest = rest.substr(0, colon);
    }
    if (rest.empty()) {
        error = "the host is missing";
        return std::nullopt;
    }
    endpoint.host = std::string(rest);
    return endpoint;
}

}  // namespace parley::redis
