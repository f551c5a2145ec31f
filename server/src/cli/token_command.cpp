// `parley token`: issues a token the server accepts in token mode, for scripts and tests.

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "auth/jwt.hpp"
#include "cli/commands.hpp"
#include "protocol/command.hpp"

namespace parley::cli {

namespace {

constexpr int usage_error = 2;
// Ten years: far enough for any real use, small enough that exp cannot overflow.
constexpr std::chrono::seconds max_ttl = std::chrono::hours(24 * 3650);

constexpr std::string_view token_help =
    "Usage: parley token --user NICK [--ttl DURATION] (--secret SECRET | --secret-file PATH)\n"
    "\n"
    "Prints an HS256 token for `hello` when the server runs with --auth-secret.\n"
    "\n"
    "  --user NICK          the nick the token vouches for (1-32 of A-Z a-z 0-9 _ -)\n"
    "  --ttl DURATION       how long the token is valid: 90s, 30m, 1h, 7d (default 1h)\n"
    "  --secret SECRET      the server's secret; visible in `ps`, prefer the two below\n"
    "  --secret-file PATH   read the secret from a file (trailing newlines dropped)\n"
    "  --help               this text\n"
    "\n"
    "Environment: PARLEY_AUTH_SECRET is used when neither --secret nor --secret-file is given.\n";

int fail(std::string_view message) {
    std::cerr << "parley token: " << message << '\n';
    return usage_error;
}

// A positive count followed by s, m, h or d; a bare count means seconds.
std::optional<std::chrono::seconds> parse_ttl(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t unit = 1;
    switch (text.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            unit = 0;
            break;
    }
    if (unit != 0)
        text.remove_suffix(1);
    else
        unit = 1;
    if (text.empty() || text.size() > 12) return std::nullopt;
    std::int64_t count = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        count = count * 10 + (c - '0');
    }
    auto ttl = std::chrono::seconds(count * unit);
    if (ttl <= std::chrono::seconds::zero() || ttl > max_ttl) return std::nullopt;
    return ttl;
}

struct TokenArgs {
    std::optional<std::string> secret;
    std::optional<std::string> secret_file;
    std::optional<std::string> user;
    std::optional<std::string> ttl;
    bool help = false;
};

// Accepts `--flag value` and `--flag=value`. Returns an error message, or nothing on success.
std::optional<std::string> parse_args(int argc, char** argv, TokenArgs& args) {
    for (int i = 0; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            args.help = true;
            continue;
        }
        std::string_view name = arg;
        std::optional<std::string> value;
        if (auto equals = arg.find('='); arg.starts_with("--") && equals != arg.npos) {
            name = arg.substr(0, equals);
            value = std::string(arg.substr(equals + 1));
        }

        std::optional<std::string>* target = nullptr;
        if (name == "--secret")
            target = &args.secret;
        else if (name == "--secret-file")
            target = &args.secret_file;
        else if (name == "--user")
            target = &args.user;
        else if (name == "--ttl")
            target = &args.ttl;
        else
            return "unknown argument '" + std::string(name) + "' (see --help)";

        if (!value) {
            if (i + 1 >= argc) return std::string(name) + " needs a value";
            value = argv[++i];
        }
        if (*target) return std::string(name) + " given twice";
        *target = std::move(value);
    }
    return std::nullopt;
}

}  // namespace

int run_token(int argc, char** argv) {
    TokenArgs args;
    if (auto error = parse_args(argc, argv, args)) return fail(*error);
    if (args.help) {
        std::cout << token_help;
        return 0;
    }

    if (!args.user) return fail("--user is required");
    if (!protocol::is_valid_nick(*args.user))
        return fail("--user must be a valid nick: 1-32 of A-Z a-z 0-9 _ -");

    auto ttl = parse_ttl(args.ttl.value_or("1h"));
    if (!ttl)
        return fail("--ttl must be a positive duration like 90s, 30m, 1h or 7d, at most 3650d");

    std::string secret;
    if (args.secret && args.secret_file)
        return fail("give either --secret or --secret-file, not both");
    if (args.secret) {
        secret = *args.secret;
    } else if (args.secret_file) {
        auto from_file = auth::read_secret_file(*args.secret_file);
        if (!from_file) return fail(from_file.error().message);
        secret = std::move(*from_file);
    } else if (const char* from_env = std::getenv("PARLEY_AUTH_SECRET")) {
        secret = from_env;
    }
    if (secret.empty())
        return fail("a secret is required: --secret, --secret-file or PARLEY_AUTH_SECRET");

    std::cout << auth::sign_token(secret, *args.user, *ttl, auth::unix_now()) << '\n';
    return std::cout.good() ? 0 : 1;
}

}  // namespace parley::cli
