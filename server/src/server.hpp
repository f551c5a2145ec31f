#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <stdexcept>

#include "auth/failure_limiter.hpp"
#include "auth/password_hasher.hpp"
#include "chat/hub.hpp"
#include "cluster/redis_cluster.hpp"
#include "config/options.hpp"
#include "metrics/metrics.hpp"
#include "net/connection_limits.hpp"
#include "net/io_threads.hpp"
#include "net/listener.hpp"
#include "net/server_context.hpp"
#include "net/session_registry.hpp"
#include "storage/directory.hpp"
#include "storage/history.hpp"
#include "storage/user_state.hpp"
#include "webhook/webhooks.hpp"

namespace parley {

// A reason the server cannot start, worded for the operator (one line).
struct StartupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The composition root: storage, hub, sessions and listener, and their orderly shutdown.
class Server {
  public:
    explicit Server(config::Options options);  // throws StartupError
    ~Server();

    // Serves until SIGINT or SIGTERM, then shuts down gracefully. Returns the exit code.
    int run();

  private:
    void begin_shutdown();
    void wait_for_sessions(std::chrono::steady_clock::time_point deadline);

    config::Options options_;
    metrics::Metrics metrics_;  // first: everything else counts into it until destroyed
    // Before io_: sessions still queued in it when it is destroyed release their slots here.
    std::unique_ptr<net::ConnectionLimits> limits_;
    std::unique_ptr<net::IoThreads> io_;             // one io_context per --threads
    std::shared_ptr<redis::Client> redis_commands_;  // cluster mode only
    std::shared_ptr<redis::Connection> redis_bus_;
    std::shared_ptr<redis::ShardSubscriber> redis_events_;
    std::unique_ptr<cluster::RedisCluster> cluster_;
    std::unique_ptr<storage::History> history_;
    std::unique_ptr<storage::Directory> directory_;
    std::unique_ptr<storage::UserState> user_state_;
    std::unique_ptr<webhook::Webhooks> webhooks_;  // null without --webhook
    std::unique_ptr<auth::PasswordHasher> hasher_;
    std::unique_ptr<auth::FailureLimiter> failed_logins_;
    std::unique_ptr<auth::ApiKeys> api_keys_;
    std::string signing_key_;  // tokens are signed and checked with it
    std::unique_ptr<chat::Hub> hub_;
    std::unique_ptr<net::SessionRegistry> registry_;
    std::string auth_secret_;
    std::unique_ptr<boost::asio::ssl::context> tls_;  // null: plain HTTP and ws://
    std::unique_ptr<net::ServerContext> context_;
    std::shared_ptr<net::Listener> listener_;
    std::unique_ptr<boost::asio::steady_timer> shutdown_timer_;
    bool shutdown_started_ = false;
};

// Raises the soft open-files limit to the hard one; returns the limit now in force.
std::size_t raise_open_files_limit();

}  // namespace parley
