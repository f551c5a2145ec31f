#include "config/option_spec.hpp"

#include <cmath>
#include <sstream>

#include "redis/url.hpp"

namespace parley::config {

std::string format_duration(Duration value) {
    auto ms = value.count();
    if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

Spec text(std::string_view name, std::string_view help, std::string Options::*field, bool secret) {
    return {name, help,
            [field](Options& o, std::string_view v) -> std::optional<std::string> {
                o.*field = std::string(v);
                return std::nullopt;
            },
            [field](const Options& o) { return o.*field; }, secret};
}

Spec duration(std::string_view name, std::string_view help, Duration Options::*field, Duration min,
              Duration max) {
    return {name, help,
            [=](Options& o, std::string_view v) -> std::optional<std::string> {
                auto value = parse_duration(v);
                if (!value) return "expected a duration such as 250ms, 10s, 5m or 1h";
                if (*value < min || *value > max)
                    return "must be between " + format_duration(min) + " and " +
                           format_duration(max);
                o.*field = *value;
                return std::nullopt;
            },
            [field](const Options& o) { return format_duration(o.*field); }};
}

Spec real(std::string_view name, std::string_view help, double Options::*field, double min,
          double max) {
    return {name, help,
            [=](Options& o, std::string_view v) -> std::optional<std::string> {
                auto value = parse_number<double>(v);
                if (!value || !std::isfinite(*value)) return "expected a number";
                if (*value < min || *value > max)
                    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
                o.*field = *value;
                return std::nullopt;
            },
            [field](const Options& o) {
                std::ostringstream out;
                out << o.*field;
                return out.str();
            }};
}

Spec choice(std::string_view name, std::string_view help, std::string Options::*field,
            std::vector<std::string> allowed) {
    return {name, help,
            [=](Options& o, std::string_view v) -> std::optional<std::string> {
                if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
                    std::string list;
                    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
                    return "must be one of: " + list;
                }
                o.*field = std::string(v);
                return std::nullopt;
            },
            [field](const Options& o) { return o.*field; }};
}

Spec list(std::string_view name, std::string_view help, std::vector<std::string> Options::*field) {
    return {name, help,
            [field](Options& o, std::string_view v) -> std::optional<std::string> {
                (o.*field).clear();
                std::string item;
                std::istringstream in{std::string(v)};
                while (std::getline(in, item, ','))
                    if (!item.empty()) (o.*field).push_back(item);
                return std::nullopt;
            },
            [field](const Options& o) {
                std::string joined;
                for (const auto& item : o.*field) joined += (joined.empty() ? "" : ",") + item;
                return joined;
            }};
}

Spec repeated(std::string_view name, std::string_view help,
              std::vector<std::string> Options::*field,
              std::function<std::optional<std::string>(std::string_view)> check,
              std::string_view env, bool secret) {
    auto spec = list(name, help, field);
    // One item a flag: a value may hold a comma (an API key's secret). The environment
    // variable's list is split by parse_serve_options, before it comes here.
    spec.set = [field, check](Options& o, std::string_view v) -> std::optional<std::string> {
        if (v.empty()) return std::nullopt;
        if (auto error = check(v)) return *error;
        (o.*field).emplace_back(v);
        return std::nullopt;
    };
    spec.clear = [field](Options& o) { (o.*field).clear(); };
    spec.env = env;
    spec.secret = secret;
    return spec;
}

Spec redis_url(std::string_view name, std::string_view help, std::string Options::*field) {
    return {name, help,
            [field](Options& o, std::string_view v) -> std::optional<std::string> {
                if (v.empty()) return std::nullopt;
                if (auto endpoints = redis::parse_urls(v); !endpoints)
                    return endpoints.error().message;
                o.*field = std::string(v);
                return std::nullopt;
            },
            [field](const Options& o) { return o.*field; }};
}

}  // namespace parley::config
