#include "config/options.hpp"

#include "config/option_spec.hpp"
#include "model/parse_number.hpp"
#include "webhook/url.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <set>
#include <sstream>

namespace parley::config {
namespace {

const std::vector<Spec>& specs() {
    using namespace std::chrono_literals;
    constexpr std::uint64_t MiB = 1024 * 1024;
    static const std::vector<Spec> all = {
        text("host", "address to listen on", &Options::host),
        count("port", "TCP port for HTTP and WebSocket (0: any free port)", &Options::port, 0,
              65535),
        count("threads", "io_context threads (0: one per core)", &Options::threads, 0, 256),
        text("web-root", "folder of the browser client's static files", &Options::web_root),
        text("node", "this node's name, sent in welcome (default: host name)", &Options::node),
        count("max-connections", "open connections at most (0: open-files limit minus a margin)",
              &Options::max_connections, 0, 10'000'000),
        count("max-connections-per-ip", "open connections per client address",
              &Options::max_connections_per_ip, 1, 10'000'000),
        count("max-http-header-bytes", "request header size limit", &Options::max_http_header_bytes,
              1024, MiB, true),
        count("max-http-body-bytes", "request body size limit", &Options::max_http_body_bytes, 0,
              16 * MiB, true),
        duration("http-timeout", "time to send a whole HTTP request or upgrade",
                 &Options::http_timeout, 100ms, 10min),
        count("max-frame-bytes", "largest WebSocket message accepted (1009 above)",
              &Options::max_frame_bytes, 1024, 16 * MiB, true),
        count("max-text-chars", "longest say/dm text in Unicode characters",
              &Options::max_text_chars, 1, 1'000'000),
        count("max-channels-per-session", "channels one connection may join",
              &Options::max_channels_per_session, 1, 100'000),
        count("max-queue-bytes", "unsent bytes per connection before it is closed 1013",
              &Options::max_queue_bytes, 4096, 1024 * MiB, true),
        duration("write-timeout", "a write pending this long closes the connection 1013",
                 &Options::write_timeout, 100ms, 1h),
        duration("hello-timeout", "time to say hello before close 1008", &Options::hello_timeout,
                 100ms, 1h),
        duration("idle-timeout", "silence before a connection is dropped (pings at half)",
                 &Options::idle_timeout, 1s, 24h),
        real("rate-per-sec", "say/dm/typing per connection per second", &Options::rate_per_sec,
             0.01, 1e9),
        real("burst", "say/dm/typing allowed at once above the rate", &Options::burst, 1, 1e9),
        real("command-rate",
             "other commands per connection per second, weighted (history 4, channels 10, who 2)",
             &Options::command_rate, 0.01, 1e9),
        real("command-burst", "of those allowed at once above the rate", &Options::command_burst,
             10, 1e9),
        count("presence-limit", "channels larger than this get no presence events",
              &Options::presence_limit, 0, 10'000'000),
        duration("presence-window", "joins/leaves gathered into one presence frame",
                 &Options::presence_window, 0ms, 250ms),
        text("data", "SQLite database file, or :memory:", &Options::data),
        choice("durability",
               "full: fsync each group commit; normal: survive a crash of the process, not of "
               "the machine",
               &Options::durability, {"full", "normal"}),
        count("storage-queue",
              "pending storage writes before say answers busy (history reads: as many again)",
              &Options::storage_queue, 16, 10'000'000),
        count("history-readers", "threads reading SQLite history (0: half the cores, at least 1)",
              &Options::history_readers, 0, 64),
        count("history-max-per-channel", "messages kept per channel",
              &Options::history_max_per_channel, 1, 1'000'000'000),
        duration("history-max-age", "messages older than this are pruned (0: no age limit)",
                 &Options::history_max_age, 0ms, std::chrono::hours(24 * 365 * 100)),
        count("join-history", "messages sent with joined", &Options::join_history, 0, 500),
        count("since-cap", "messages sent after since at most", &Options::since_cap, 1, 100'000),
        redis_url("redis",
                  "cluster mode: share channels through Redis at redis://host:port[/db], or "
                  "through a Redis Cluster at redis://host:port,host:port,... (any of its nodes)",
                  &Options::redis),
        duration("cluster-node-ttl", "a node silent this long has left the cluster, with its users",
                 &Options::cluster_node_ttl, 1s, 10min),
        count("redis-wait-replicas",
              "cluster mode: ok waits until this many Redis replicas have the message (WAIT)",
              &Options::redis_wait_replicas, 0, 16),
        duration("redis-wait-timeout",
                 "how long ok waits for those replicas before answering unavailable",
                 &Options::redis_wait_timeout, 10ms, 1min),
        text("auth-secret",
             "HS256 secret shared with an outside token issuer (default: a key made and kept "
             "here); turns guests off unless --guests true",
             &Options::auth_secret, true),
        text("auth-secret-file", "file holding the HS256 secret", &Options::auth_secret_file),
        choice("guests",
               "whether connections without an account or a token may chat (default: true, "
               "false with --auth-secret)",
               &Options::guests, {"true", "false"}),
        choice("registration",
               "whether anyone may create an account with the register command; closed: only "
               "admins create accounts",
               &Options::registration, {"open", "closed"}),
        count("hash-threads",
              "threads hashing passwords, 64 MiB each while they work (0: half the cores)",
              &Options::hash_threads, 0, 64),
        count("hash-queue", "password hashes waiting at most; more are answered busy",
              &Options::hash_queue, 1, 10'000),
        count("login-failures-per-address",
              "failed logins a minute from one address before rate_limited (0: no limit, for "
              "nodes behind a balancer, where every client has its address)",
              &Options::login_failures_per_address, 0, 10'000),
        count("login-failures-per-account",
              "failed logins a minute for one account before rate_limited",
              &Options::login_failures_per_account, 1, 10'000),
        list("admins", "nicks of the server's admins, comma separated (accounts)",
             &Options::admins),
        repeated(
            "api-key",
            "NAME:SECRET of a key for POST /api/channels/{name}/messages; give it once per "
            "key (the environment variable takes a comma-separated list)",
            &Options::api_keys, [](std::string_view) { return std::nullopt; }, "PARLEY_API_KEYS",
            /*secret=*/true),
        duration("idempotency-window",
                 "how long a message's idempotency key is remembered (a resend within it is not "
                 "stored twice)",
                 &Options::idempotency_window, 1s, std::chrono::hours(24 * 30)),
        duration("token-ttl", "how long tokens from POST /api/login last", &Options::token_ttl,
                 std::chrono::minutes(1), std::chrono::hours(24 * 365)),
        list("allowed-origins", "extra allowed Origins, comma separated (* allows all)",
             &Options::allowed_origins),
        list("allowed-hosts",
             "host names this server answers to, comma separated (default: any; 421 for others)",
             &Options::allowed_hosts),
        text("metrics-token", "bearer token required for /metrics", &Options::metrics_token, true),
        text("tls-cert", "PEM certificate chain; serves https and wss", &Options::tls_cert),
        text("tls-key", "PEM private key for --tls-cert", &Options::tls_key),
        repeated("webhook", "POST every channel event to this http(s) URL (repeatable)",
                 &Options::webhooks,
                 [](std::string_view url) -> std::optional<std::string> {
                     if (auto parsed = webhook::parse_url(url); !parsed)
                         return parsed.error().message;
                     return std::nullopt;
                 }),
        text("webhook-secret", "key of the webhooks' HMAC-SHA256 signature (with --webhook)",
             &Options::webhook_secret, true),
        list("webhook-channels",
             "channels whose events go to the webhooks, comma separated (default: every channel "
             "that is not private)",
             &Options::webhook_channels),
        duration("webhook-timeout", "time for one webhook POST, from connecting to the answer",
                 &Options::webhook_timeout, 100ms, 10min),
        duration("webhook-max-age", "a webhook event undelivered this long is dropped",
                 &Options::webhook_max_age, 1s, std::chrono::hours(24 * 365)),
        count("webhook-max-pending",
              "webhook events waiting per endpoint at most; beyond, the oldest are dropped",
              &Options::webhook_max_pending, 1, 100'000'000),
        duration("webhook-retry-min",
                 "wait before a failed webhook POST's first retry; doubles to 5m",
                 &Options::webhook_retry_min, 10ms, 5min),
        duration("shutdown-grace", "time queues may drain after close 1001",
                 &Options::shutdown_grace, 0ms, 10min),
        choice("log-level", "trace, debug, info, warn, error, off", &Options::log_level,
               {"trace", "debug", "info", "warn", "error", "off"}),
        choice("log-format", "text or json", &Options::log_format, {"text", "json"}),
    };
    return all;
}

std::string env_name(const Spec& spec) {
    if (!spec.env.empty()) return std::string(spec.env);
    std::string name = "PARLEY_";
    for (char c : spec.name) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    return name;
}

const Spec* find_spec(std::string_view name) {
    for (const auto& spec : specs())
        if (spec.name == name) return &spec;
    return nullptr;
}

std::optional<std::string> apply(Options& options, const Spec& spec, std::string_view value,
                                 std::string_view source) {
    if (auto error = spec.set(options, value))
        return std::string(source) + ": " + *error + " (got '" +
               (spec.secret ? std::string("***") : std::string(value)) + "')";
    return std::nullopt;
}

std::optional<std::string> check(const Options& o) {
    namespace fs = std::filesystem;
    if (o.tls_cert.empty() != o.tls_key.empty()) return "--tls-cert and --tls-key go together";
    for (const auto* file : {&o.tls_cert, &o.tls_key, &o.auth_secret_file})
        if (!file->empty() && !fs::is_regular_file(*file)) return "no such file: " + *file;
    if (!o.auth_secret.empty() && !o.auth_secret_file.empty())
        return "--auth-secret and --auth-secret-file exclude each other";
    if (!o.auth_secret.empty() && o.auth_secret.size() < 16)
        return "--auth-secret must be at least 16 characters";
    std::error_code ec;
    if (!fs::is_directory(o.web_root, ec)) return "--web-root is not a folder: " + o.web_root;
    if (o.data.empty()) return "--data must name a file or :memory:";
    if (o.burst < 1) return "--burst must be at least 1";
    for (const auto& key : o.api_keys) {
        auto colon = key.find(':');
        auto name = key.substr(0, std::min(colon, key.size()));
        bool named = colon != std::string::npos && colon >= 1 && colon <= 32 &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                     });
        // The secret is never repeated back: an error shows the name at most.
        if (!named) return "--api-key must be NAME:SECRET, NAME 1-32 of A-Z a-z 0-9 _ -";
        if (key.size() - colon - 1 < 16)
            return "--api-key " + name + ": the secret must be at least 16 characters";
    }
    if (!o.webhooks.empty() && o.webhook_secret.empty())
        return "--webhook needs --webhook-secret: receivers check the signature made with it";
    if (std::set<std::string>(o.webhooks.begin(), o.webhooks.end()).size() != o.webhooks.size())
        return "--webhook: the same URL is given twice";
    // The outbox is one stream, which the scripts storing a channel's events cannot reach from
    // the channel's shard of a Redis Cluster (several addresses in --redis).
    if (!o.webhooks.empty() && o.redis.find(',') != std::string::npos)
        return "--webhook is not available with a Redis Cluster yet (its outbox is one stream the "
               "channels' shards cannot reach); use one Redis, with replicas, for webhooks";
    return std::nullopt;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0) return std::nullopt;
    auto number = parse_number<std::uint64_t>(text.substr(0, digits));
    if (!number || *number > 1'000'000'000ULL) return std::nullopt;
    auto unit = text.substr(digits);
    std::uint64_t scale;
    if (unit == "ms")
        scale = 1;
    else if (unit == "s" || unit.empty())
        scale = 1000;
    else if (unit == "m")
        scale = 60'000;
    else if (unit == "h")
        scale = 3'600'000;
    else if (unit == "d")
        scale = 86'400'000;
    else
        return std::nullopt;
    return Duration(static_cast<Duration::rep>(*number * scale));
}

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0) return std::nullopt;
    auto number = parse_number<std::uint64_t>(text.substr(0, digits));
    if (!number || *number > (1ULL << 40)) return std::nullopt;
    auto unit = text.substr(digits);
    if (unit.empty() || unit == "B") return *number;
    if (unit == "KiB" || unit == "K" || unit == "KB") return *number * 1024;
    if (unit == "MiB" || unit == "M" || unit == "MB") return *number * 1024 * 1024;
    if (unit == "GiB" || unit == "G" || unit == "GB") return *number * 1024 * 1024 * 1024;
    return std::nullopt;
}

bool wants_help(int argc, char** argv) {
    for (int i = 0; i < argc; ++i) {
        std::string_view arg(argv[i]);
        if (arg == "--help" || arg == "-h") return true;
        // Every option takes a value: the next argument is it, unless given as --flag=value.
        if (arg.rfind("--", 0) == 0 && arg.find('=') == std::string_view::npos) ++i;
    }
    return false;
}

Expected<Options> parse_serve_options(int argc, char** argv, char** envp) {
    Options options;
    options.web_root = PARLEY_DEFAULT_WEB_ROOT;

    for (char** env = envp; env && *env; ++env) {
        std::string_view entry(*env);
        auto eq = entry.find('=');
        if (eq == std::string_view::npos || entry.rfind("PARLEY_", 0) != 0) continue;
        auto key = entry.substr(0, eq);
        for (const auto& spec : specs()) {
            if (env_name(spec) != key) continue;
            auto value = entry.substr(eq + 1);
            // A repeatable option's variable holds its list, comma-separated.
            for (auto next = value.find(','); spec.clear && next != std::string_view::npos;
                 next = value.find(',')) {
                if (auto error = apply(options, spec, value.substr(0, next), key))
                    return Failure{*error};
                value.remove_prefix(next + 1);
            }
            if (auto error = apply(options, spec, value, key)) return Failure{*error};
        }
    }

    std::set<std::string_view> repeated_flags;  // a repeatable option's first flag drops the env's
    for (int i = 0; i < argc; ++i) {
        std::string_view arg(argv[i]);
        if (arg.rfind("--", 0) != 0) return Failure{"unexpected argument: " + std::string(arg)};
        arg.remove_prefix(2);
        std::string_view value;
        bool inline_value = false;
        if (auto eq = arg.find('='); eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            inline_value = true;
        }
        const Spec* spec = find_spec(arg);
        if (!spec) return Failure{"unknown option: --" + std::string(arg)};
        if (!inline_value) {
            if (i + 1 >= argc) return Failure{"--" + std::string(arg) + " needs a value"};
            value = argv[++i];
        }
        if (spec->clear && repeated_flags.insert(spec->name).second) spec->clear(options);
        if (auto error = apply(options, *spec, value, "--" + std::string(arg)))
            return Failure{*error};
    }

    if (auto error = check(options)) return Failure{*error};
    return options;
}

std::string serve_help() {
    std::ostringstream out;
    out << "Usage: parley serve [options]\n\n"
           "Runs the chat server: HTTP, the browser client and WebSocket chat on one port.\n"
           "Every option can also be set by the environment variable shown.\n\n";
    Options defaults;
    defaults.web_root = PARLEY_DEFAULT_WEB_ROOT;
    for (const auto& spec : specs()) {
        std::string flag = "  --" + std::string(spec.name);
        out << flag << std::string(flag.size() < 30 ? 30 - flag.size() : 1, ' ') << spec.help;
        auto shown = spec.show(defaults);
        if (!shown.empty() && !spec.secret) out << " [" << shown << "]";
        out << "\n" << std::string(30, ' ') << env_name(spec) << "\n";
    }
    return out.str();
}

std::vector<std::string> describe(const Options& options) {
    std::vector<std::string> lines;
    for (const auto& spec : specs()) {
        auto value = spec.show(options);
        if (spec.secret && !value.empty()) value = "***";
        lines.push_back(std::string(spec.name) + "=" + value);
    }
    return lines;
}

}  // namespace parley::config
