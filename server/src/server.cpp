#include "server.hpp"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <filesystem>
#include <random>
#include <thread>

#include "auth/jwt.hpp"
#include "auth/random_id.hpp"
#include "net/tls_context.hpp"
#include "redis/cluster/client.hpp"
#include "redis/keys.hpp"
#include "redis/pubsub/shard_subscriber.hpp"
#include "storage/redis_directory.hpp"
#include "storage/redis_history.hpp"
#include "storage/redis_user_state.hpp"
#include "storage/redis_webhook_outbox.hpp"
#include "storage/sqlite.hpp"
#include "storage/sqlite_directory.hpp"
#include "storage/sqlite_history.hpp"
#include "storage/sqlite_user_state.hpp"
#include "storage/sqlite_webhook_outbox.hpp"

namespace parley {

namespace asio = boost::asio;

namespace {

// Descriptors kept back from --max-connections' default: HTTP connections that have not
// upgraded yet, the database and its journal, the listening socket, logs.
constexpr std::size_t reserved_descriptors = 128;
// Of the open-files limit, what connections of any kind may never take (the database, Redis,
// logs, the listener), and the last ones before that, kept for health checks.
constexpr std::size_t process_descriptors = 32;
constexpr std::size_t health_descriptors = 16;

// The node's name plus a random suffix: two processes on one host, or a node restarted before
// its old self timed out, never share an id.
std::string unique_node_id(const std::string& node) {
    std::random_device random;
    char suffix[9];
    std::snprintf(suffix, sizeof suffix, "%08x", random());
    return node + "-" + suffix;
}

bool is_loopback(const std::string& host) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    return !ec && address.is_loopback();
}

std::string host_name() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "parley";
    return name;
}

}  // namespace

std::size_t raise_open_files_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        auto wanted = limit;
        wanted.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &wanted) == 0) limit = wanted;
    }
    return static_cast<std::size_t>(limit.rlim_cur);
}

Server::Server(config::Options options) : options_(std::move(options)) {
    auto open_files = raise_open_files_limit();
    if (options_.max_connections == 0)
        options_.max_connections = open_files > reserved_descriptors * 2
                                       ? open_files - reserved_descriptors
                                       : open_files / 2;
    if (options_.threads == 0)
        options_.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // Reads keep at least half the cores free for the io threads and the writer: on 2 cores a
    // second reader took CPU from everyone's `say` under a heavy read load (docs/benchmarks.md).
    if (options_.history_readers == 0)
        options_.history_readers =
            static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 2));
    if (options_.node.empty()) options_.node = host_name();
    io_ = std::make_unique<net::IoThreads>(options_.threads);

    for (const auto& line : config::describe(options_)) spdlog::info("config {}", line);
    spdlog::info("open files limit {}: up to {} WebSocket connections", open_files,
                 options_.max_connections);
    limits_ = std::make_unique<net::ConnectionLimits>(net::ConnectionLimits::Limits{
        options_.max_connections, options_.max_connections_per_ip,
        open_files > process_descriptors * 2 ? open_files - process_descriptors : open_files / 2,
        health_descriptors});

    if (!options_.auth_secret_file.empty()) {
        auto secret = auth::read_secret_file(options_.auth_secret_file);
        if (!secret) throw StartupError("--auth-secret-file: " + secret.error().message);
        auth_secret_ = *secret;
    } else {
        auth_secret_ = options_.auth_secret;
    }
    auto origins = net::OriginPolicy::from_lists(options_.allowed_origins);
    if (!origins) throw StartupError("--allowed-origins: " + origins.error().message);
    if (origins->allows_all())
        spdlog::warn("--allowed-origins '*': any web page may open a WebSocket here");
    auto hosts = net::HostPolicy::from_lists(options_.allowed_hosts);
    if (!hosts) throw StartupError("--allowed-hosts: " + hosts.error().message);
    if (hosts->allows_any() && !is_loopback(options_.host))
        spdlog::warn(
            "listening on {} with no --allowed-hosts: a page that points its own DNS name at "
            "this address can read what this server serves (DNS rebinding)",
            options_.host);
    if (!options_.tls_cert.empty()) {
        auto tls = net::make_tls_context(options_.tls_cert, options_.tls_key);
        if (!tls) throw StartupError(tls.error().message);
        tls_ = std::move(*tls);
    }

    std::unique_ptr<storage::WebhookOutbox> webhook_outbox;
    if (!options_.redis.empty()) {
        auto endpoints = redis::parse_urls(options_.redis);
        if (!endpoints) throw StartupError("--redis: " + endpoints.error().message);
        // Several addresses: the nodes of a Redis Cluster, which the client asks for the rest.
        bool sharded = endpoints->size() > 1;
        redis::keys::set_layout(sharded ? redis::keys::Layout::cluster
                                        : redis::keys::Layout::single);
        auto node_id = unique_node_id(options_.node);
        auto executor = io_->main().get_executor();
        if (sharded)
            redis_commands_ = std::make_shared<redis::cluster::Client>(
                executor, *endpoints, "commands", options_.storage_queue, metrics_);
        else
            redis_commands_ = std::make_shared<redis::Connection>(
                executor, endpoints->front(), "commands", options_.storage_queue, metrics_);
        redis_bus_ = std::make_shared<redis::Connection>(executor, *endpoints, "bus", 16, metrics_);
        redis_events_ =
            std::make_shared<redis::ShardSubscriber>(executor, *endpoints, sharded, metrics_);
        history_ = std::make_unique<storage::RedisHistory>(
            redis_commands_,
            storage::RedisHistoryOptions{options_.history_max_per_channel, 1000, node_id,
                                         options_.idempotency_window, options_.webhook_max_pending,
                                         options_.redis_wait_replicas, options_.redis_wait_timeout},
            metrics_);
        cluster_ = std::make_unique<cluster::RedisCluster>(
            redis_commands_, redis_bus_, redis_events_,
            cluster::ClusterOptions{node_id, options_.cluster_node_ttl}, metrics_);
        directory_ = std::make_unique<storage::RedisDirectory>(redis_commands_, *endpoints);
        user_state_ = std::make_unique<storage::RedisUserState>(redis_commands_);
        if (!options_.webhooks.empty())
            webhook_outbox = std::make_unique<storage::RedisWebhookOutbox>(
                redis_commands_, options_.webhooks, node_id, options_.cluster_node_ttl, metrics_);
    } else {
        try {
            auto sqlite = std::make_unique<storage::SqliteHistory>(
                storage::SqliteOptions{options_.data, options_.durability == "full",
                                       options_.storage_queue, 4096,
                                       options_.history_max_per_channel, options_.history_max_age,
                                       static_cast<std::size_t>(options_.history_readers),
                                       options_.idempotency_window, options_.webhooks},
                metrics_);
            if (!options_.webhooks.empty())
                webhook_outbox = std::make_unique<storage::SqliteWebhookOutbox>(
                    sqlite->file(),
                    storage::SqliteOutboxOptions{options_.webhooks, options_.webhook_max_pending},
                    metrics_);
            directory_ =
                std::make_unique<storage::SqliteDirectory>(sqlite->file(), options_.storage_queue);
            user_state_ =
                std::make_unique<storage::SqliteUserState>(sqlite->file(), options_.storage_queue);
            history_ = std::move(sqlite);
        } catch (const storage::StorageError& e) {
            throw StartupError(e.what());
        }
    }
    // Tokens are signed with --auth-secret when given (so an outside issuer's tokens work too),
    // else with a key made at the first start and kept with the accounts.
    if (auth_secret_.empty()) {
        auto key = directory_->signing_key();
        if (!key) throw StartupError(key.error().message);
        signing_key_ = *key;
    } else {
        signing_key_ = auth_secret_;
    }
    auto hash_threads =
        options_.hash_threads > 0
            ? options_.hash_threads
            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / 2);
    hasher_ = std::make_unique<auth::PasswordHasher>(
        auth::PasswordHasher::Options{hash_threads, static_cast<std::size_t>(options_.hash_queue)});
    failed_logins_ = std::make_unique<auth::FailureLimiter>(
        auth::FailureLimiter::Limits{options_.login_failures_per_address,
                                     options_.login_failures_per_account},
        std::chrono::minutes(1));

    chat::HubOptions hub_options;
    hub_options.node = options_.node;
    hub_options.limits = {options_.max_frame_bytes, options_.max_text_chars, options_.rate_per_sec,
                          options_.burst};
    hub_options.max_channels_per_session = options_.max_channels_per_session;
    hub_options.presence_limit = options_.presence_limit;
    hub_options.presence_window = options_.presence_window;
    hub_options.join_history = options_.join_history;
    hub_options.since_cap = options_.since_cap;
    for (const auto& admin : options_.admins) hub_options.admins.insert(model::nick_key(admin));
    // Guests may chat unless told otherwise; token mode (--auth-secret) keeps its meaning.
    hub_options.guests = options_.guests.empty() ? auth_secret_.empty() : options_.guests == "true";
    hub_options.registration = options_.registration == "open";
    if (!hub_options.admins.empty()) {
        // Whoever registered an admin's nick first would be an admin: only someone who reads
        // this log may. A new code at every start; useless once the admins have accounts.
        hub_options.admin_setup_code = auth::random_id();
        spdlog::info(
            "admins: registering an admin's nick needs \"setup\":\"{}\" in its "
            "register command (a new code at every start)",
            hub_options.admin_setup_code);
    }
    spdlog::info("guests {}; registration {}; {} admins",
                 hub_options.guests ? "may chat" : "may not chat", options_.registration,
                 hub_options.admins.size());
    if (webhook_outbox) {
        hub_options.webhooks = true;
        hub_options.webhook_channels = {options_.webhook_channels.begin(),
                                        options_.webhook_channels.end()};
        std::vector<webhook::Url> urls;
        for (const auto& url : options_.webhooks) urls.push_back(*webhook::parse_url(url));
        webhooks_ = std::make_unique<webhook::Webhooks>(
            io_->main().get_executor(), std::move(urls),
            webhook::DeliveryOptions{.secret = options_.webhook_secret,
                                     .timeout = options_.webhook_timeout,
                                     .max_age = options_.webhook_max_age,
                                     .first_retry = options_.webhook_retry_min},
            std::move(webhook_outbox), metrics_);
    }
    hub_options.lanes = io_->executors();
    hub_ = std::make_unique<chat::Hub>(io_->main().get_executor(), hub_options,
                                       chat::Hub::Services{*history_, *directory_, *user_state_,
                                                           *hasher_, *failed_logins_, metrics_},
                                       cluster_.get());
    registry_ = std::make_unique<net::SessionRegistry>(io_->main().get_executor());

    std::error_code ec;
    auto web_root = std::filesystem::canonical(options_.web_root, ec);
    if (ec) throw StartupError("--web-root " + options_.web_root + ": " + ec.message());

    api_keys_ = std::make_unique<auth::ApiKeys>(options_.api_keys);
    if (!api_keys_->empty())
        spdlog::info("api: keys {} may publish", fmt::join(api_keys_->names(), ", "));
    context_.reset(new net::ServerContext{
        .options = options_,
        .hub = *hub_,
        .metrics = metrics_,
        .registry = *registry_,
        .limits = *limits_,
        .web_root = web_root,
        .decode_limits = protocol::DecodeLimits{options_.max_text_chars, 100},
        .origins = std::move(*origins),
        .hosts = std::move(*hosts),
        .message_rules = auth::RateRules({options_.rate_per_sec, options_.burst}),
        .command_rules = auth::RateRules({options_.command_rate, options_.command_burst}),
        .verify_token =
            [secret = signing_key_](std::string_view token) -> std::optional<auth::VerifiedToken> {
            auto verified = auth::verify_token(token, secret, auth::unix_now());
            if (!verified) return std::nullopt;
            return *std::move(verified);
        },
        .directory = directory_.get(),
        .hasher = hasher_.get(),
        .failed_logins = failed_logins_.get(),
        .signing_key = signing_key_,
        .guests = hub_options.guests,
        .api_keys = api_keys_.get(),
    });

    boost::system::error_code address_error;
    auto address = asio::ip::make_address(options_.host, address_error);
    if (address_error) throw StartupError("--host " + options_.host + " is not an IP address");
    try {
        listener_ = std::make_shared<net::Listener>(
            *io_, asio::ip::tcp::endpoint{address, options_.port}, *context_, tls_.get());
    } catch (const boost::system::system_error& e) {
        throw StartupError("cannot listen on " + options_.host + ":" +
                           std::to_string(options_.port) + ": " + e.code().message());
    }
}

Server::~Server() {
    // Storage callbacks reach into the hub: finish them before members are destroyed. Sessions
    // still queued in io_ are destroyed last, with it, and touch only metrics_ then.
    if (webhooks_) webhooks_->stop();
    if (history_) history_->stop();
    if (directory_) directory_->stop();
    if (user_state_) user_state_->stop();
    hasher_.reset();  // finishes what is queued; its callbacks reach into the hub too
    // Io threads are joined: free the Redis connections now, before the hub their callbacks
    // reach into is destroyed.
    if (redis_commands_) redis_commands_->abandon();
    if (redis_bus_) redis_bus_->abandon();
    if (redis_events_) redis_events_->abandon();
}

int Server::run() {
    asio::signal_set signals(io_->main(), SIGINT, SIGTERM);
    std::function<void(boost::system::error_code, int)> on_signal =
        [&](boost::system::error_code ec, int signal) {
            if (ec) return;
            if (shutdown_started_) {
                spdlog::warn("second signal {}: stopping now", signal);
                io_->stop();
                return;
            }
            spdlog::info("signal {}: shutting down, grace {} ms", signal,
                         options_.shutdown_grace.count());
            begin_shutdown();
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);

    if (cluster_) cluster_->start(hub_->cluster_listener());
    if (webhooks_) webhooks_->start();
    listener_->run();
    registry_->start_sweeping(std::chrono::milliseconds(250));
    auto endpoint = listener_->local_endpoint();
    auto shown_host = options_.host == "0.0.0.0" ? std::string("localhost") : options_.host;
    const char* s = tls_ ? "s" : "";
    // Scripts and tests wait for this line: it is shown at any log level but off, at once.
    auto ready_level = std::max(spdlog::level::info, spdlog::get_level());
    spdlog::log(ready_level, "parley {} listening on http{}://{}:{} with {} threads",
                PARLEY_VERSION, s, endpoint.address().to_string(), endpoint.port(),
                options_.threads);
    spdlog::log(ready_level, "open http{}://{}:{}/ in a browser, or: wscat -c ws{}://{}:{}/ws", s,
                shown_host, endpoint.port(), s, shown_host, endpoint.port());
    spdlog::default_logger()->flush();

    io_->run();

    history_->stop();  // commits every accepted message before the process exits
    spdlog::info("stopped");
    return 0;
}

void Server::begin_shutdown() {
    shutdown_started_ = true;
    context_->shutting_down.store(true);
    listener_->stop();
    registry_->shut_down_all();
    wait_for_sessions(std::chrono::steady_clock::now() + options_.shutdown_grace);
}

void Server::wait_for_sessions(std::chrono::steady_clock::time_point deadline) {
    if (registry_->size() == 0 || std::chrono::steady_clock::now() >= deadline) {
        if (auto left = registry_->size(); left > 0)
            spdlog::warn("shutdown grace over with {} sessions still open", left);
        registry_->stop_sweeping();
        if (!cluster_) {
            io_->stop();
            return;
        }
        // Tell the other nodes now (the sessions' nicks and memberships were released just
        // before, on the same connection) rather than have them wait for the heartbeat to lapse.
        cluster_->leave([this] { io_->stop(); });
        shutdown_timer_ =
            std::make_unique<asio::steady_timer>(io_->main(), std::chrono::seconds(1));
        shutdown_timer_->async_wait([this](boost::system::error_code) { io_->stop(); });
        return;
    }
    shutdown_timer_ =
        std::make_unique<asio::steady_timer>(io_->main(), std::chrono::milliseconds(50));
    shutdown_timer_->async_wait([this, deadline](boost::system::error_code ec) {
        if (!ec) wait_for_sessions(deadline);
    });
}

}  // namespace parley
