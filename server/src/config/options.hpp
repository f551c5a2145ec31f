#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/expected.hpp"

namespace parley::config {

using Duration = std::chrono::milliseconds;

// Every limit Parley enforces, named, defaulted and checked at start-up. Each field is also a
// `parley serve` flag (--max-queue-bytes) and an environment variable (PARLEY_MAX_QUEUE_BYTES).
struct Options {
    // Network
    std::string host = "0.0.0.0";
    std::uint16_t port = 8080;
    int threads = 0;       // io_context threads; 0 means one per core
    std::string web_root;  // static files for the browser client
    std::string node;      // this node's name in `welcome`; defaults to the host name

    // Connections
    std::size_t max_connections = 0;  // 0: what the open-files limit allows, minus a margin
    std::size_t max_connections_per_ip = 256;
    std::size_t max_http_header_bytes = 8 * 1024;
    std::size_t max_http_body_bytes = 64 * 1024;
    Duration http_timeout{10'000};  // to send a whole HTTP request (slowloris)

    // WebSocket sessions
    std::size_t max_frame_bytes = 64 * 1024;  // larger frames close with 1009
    std::size_t max_text_chars = 4000;        // `say` and `dm` text, in Unicode characters
    std::size_t max_channels_per_session = 100;
    std::size_t max_queue_bytes = 1024 * 1024;  // unsent bytes per session before 1013
    Duration write_timeout{10'000};             // a write pending longer closes with 1013
    Duration hello_timeout{10'000};             // no hello by then closes with 1008
    Duration idle_timeout{60'000};              // silence before the connection is dropped
    double rate_per_sec = 20;                   // say/dm/typing per connection
    double burst = 40;
    double command_rate = 50;    // other commands per connection per second, weighted by cost
    double command_burst = 400;  // of those allowed at once (a reconnect rejoins its channels)

    // Channels
    std::size_t presence_limit = 1000;  // larger channels get no presence events or member lists
    Duration presence_window{200};      // joins and leaves gathered into one presence frame

    // History
    std::string data = "./data/parley.db";  // SQLite file, or :memory:
    std::string durability =
        "full";  // full: fsync every group commit; normal: survives crashes of the process
    std::size_t storage_queue = 65536;  // pending storage writes (and reads) before `busy`
    int history_readers = 0;            // threads reading history; 0 means half the cores
    std::size_t history_max_per_channel = 10'000;
    Duration history_max_age{0};  // 0 keeps messages until the per-channel cap drops them
    int join_history = 50;        // messages in `joined`
    int since_cap = 500;          // at most this many messages after `since`

    // Cluster
    std::string redis;                  // redis://host:port[/db]; empty: a single node with SQLite
    Duration cluster_node_ttl{10'000};  // heartbeats every third of it
    int redis_wait_replicas = 0;        // replicas that must have a write before `ok`
    Duration redis_wait_timeout{1000};  // how long `ok` waits for them

    // Security
    std::string auth_secret;  // HS256 secret shared with an outside issuer; empty: a key is made
    std::string guests;       // "true" or "false"; empty: true, but false with --auth-secret
    std::string registration = "open";    // "open" or "closed"
    int hash_threads = 0;                 // password hashing threads; 0: half the cores
    int hash_queue = 32;                  // password hashes waiting at most
    int login_failures_per_address = 10;  // a minute, before rate_limited; 0: no limit
    int login_failures_per_account = 10;  // a minute, before rate_limited
    std::vector<std::string> admins;      // nicks of the server's admins (accounts)
    std::vector<std::string> api_keys;    // NAME:SECRET, for the HTTP publish API
    Duration idempotency_window{std::chrono::hours(24)};
    Duration token_ttl{30LL * 24 * 3600 * 1000};  // tokens from POST /api/login
    std::string auth_secret_file;
    std::vector<std::string> allowed_origins;
    std::vector<std::string> allowed_hosts;  // Host header values answered; empty: any
    std::string metrics_token;
    std::string tls_cert;
    std::string tls_key;

    // Webhooks: every stored channel event POSTed, signed, to each URL (README "Webhooks")
    std::vector<std::string> webhooks;             // http(s) URLs; none: no webhooks
    std::string webhook_secret;                    // HMAC-SHA256 key of X-Parley-Signature
    std::vector<std::string> webhook_channels;     // empty: every channel that is not private
    Duration webhook_timeout{10'000};              // one POST, connect to answer
    Duration webhook_max_age{24LL * 3600 * 1000};  // an event undelivered this long is dropped
    std::size_t webhook_max_pending = 100'000;     // per endpoint; beyond, the oldest are dropped
    Duration webhook_retry_min{1'000};             // the first retry's wait, doubling to 5 min

    // Operations
    Duration shutdown_grace{5'000};
    std::string log_level = "info";
    std::string log_format = "text";
};

// Whether the arguments ask for the help text (--help or -h).
bool wants_help(int argc, char** argv);

// Reads flags over environment variables over defaults, then checks every value. A failure is
// one line for stderr.
Expected<Options> parse_serve_options(int argc, char** argv, char** envp);

// The text of `parley serve --help`.
std::string serve_help();

// One line per option with secrets masked, for the start-up log.
std::vector<std::string> describe(const Options& options);

std::optional<Duration> parse_duration(std::string_view text);
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

}  // namespace parley::config
