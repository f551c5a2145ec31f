#pragma once
// How one command-line option is read, checked and shown: the builders the Spec table in
// options.cpp is made of, one per kind of value.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/options.hpp"
#include "model/parse_number.hpp"

namespace parley::config {

using Setter = std::function<std::optional<std::string>(Options&, std::string_view)>;
using Shower = std::function<std::string(const Options&)>;

struct Spec {
    std::string_view name;  // flag name without the leading dashes
    std::string_view help;
    Setter set;
    Shower show;
    bool secret = false;
    std::string_view env = {};  // the environment variable, when not the one named after the flag
    // A repeatable option: each flag adds to what the flags before it gave, and the first one
    // replaces what the environment gave (set by `repeated`).
    std::function<void(Options&)> clear = {};
};

std::string format_duration(Duration value);
Spec text(std::string_view name, std::string_view help, std::string Options::*field,
          bool secret = false);
Spec duration(std::string_view name, std::string_view help, Duration Options::*field, Duration min,
              Duration max);
Spec real(std::string_view name, std::string_view help, double Options::*field, double min,
          double max);
Spec choice(std::string_view name, std::string_view help, std::string Options::*field,
            std::vector<std::string> allowed);
// A comma-separated list; the option given again replaces it.
Spec list(std::string_view name, std::string_view help, std::vector<std::string> Options::*field);
// Repeatable (--webhook A --webhook B), one item a flag; the environment variable holds a
// comma-separated list.
// Each item must pass `check` (nullopt, or why not). `env`: the variable, when not the one named
// after the flag. Secret: its values are never shown, nor echoed in an error.
Spec repeated(std::string_view name, std::string_view help,
              std::vector<std::string> Options::*field,
              std::function<std::optional<std::string>(std::string_view)> check,
              std::string_view env = {}, bool secret = false);
Spec redis_url(std::string_view name, std::string_view help, std::string Options::*field);

template <class T>
Spec count(std::string_view name, std::string_view help, T Options::*field, std::uint64_t min,
           std::uint64_t max, bool bytes = false) {
    return {name, help,
            [=](Options& o, std::string_view v) -> std::optional<std::string> {
                auto value = bytes ? parse_byte_size(v) : parse_number<std::uint64_t>(v);
                if (!value)
                    return bytes ? "expected a size such as 65536, 64KiB or 1MiB"
                                 : "expected a whole number";
                if (*value < min || *value > max)
                    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
                o.*field = static_cast<T>(*value);
                return std::nullopt;
            },
            [field](const Options& o) { return std::to_string(o.*field); }};
}

}  // namespace parley::config
