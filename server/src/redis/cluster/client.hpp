#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "metrics/metrics.hpp"
#include "redis/client.hpp"
#include "redis/cluster/slots.hpp"
#include "redis/connection.hpp"
#include "redis/url.hpp"

// A redis::Client for a Redis Cluster. hiredis (0.14, as Debian ships it) knows nothing of
// clusters, so this routes each command itself: it reads the slot map (CLUSTER SLOTS) from a
// seed, keeps one redis::Connection per master, and sends a command to the master of its key's
// slot (redis/cluster/routing.hpp says which argument is the key).
//
// Threading: every callback runs on the client's strand, where all routing state lives; each
// Connection keeps its hiredis calls on its own strand and hands replies back here.
//
// What fails how:
// - MOVED: the map takes the new owner, the command goes there (a connection is opened if the
//   node is new) and the whole map is read again soon. ASK: ASKING and the command go to the
//   named node back to back, the map unchanged. More than max_redirects for one command: nullopt.
// - A master that cannot be reached, TRYAGAIN, CLUSTERDOWN or MASTERDOWN: the caller gets nullopt
//   at once (it answers `unavailable`) and the map is read again, at most once per
//   refresh_min and backing off to refresh_max while it keeps failing; so once a replica is
//   promoted after a failover, commands go to it without a restart.
// - A master newly opened (at start, after a MOVED or a new map) is waited for up to
//   first_connect_wait before its commands fail; one that was up and went down fails at once.
// - Before the first map is loaded every command gets nullopt at once.
namespace parley::redis::cluster {

inline constexpr int max_redirects = 5;
inline constexpr auto refresh_min = std::chrono::milliseconds(100);
inline constexpr auto refresh_max = std::chrono::milliseconds(500);
inline constexpr auto first_connect_wait = std::chrono::milliseconds(1000);

class Client final : public redis::Client, public std::enable_shared_from_this<Client> {
  public:
    // `seeds`: any nodes of the cluster (not empty); the map is read from the first that answers,
    // then from any master. `max_in_flight` bounds the commands waiting for a reply, all masters
    // together.
    Client(boost::asio::any_io_executor executor, std::vector<Endpoint> seeds, std::string role,
           std::size_t max_in_flight, metrics::Metrics& metrics);

    // Every script is loaded on each master's connection whenever it (re)connects.
    void preload(const Script& script) override { scripts_.push_back(&script); }
    void start() override;
    bool command(std::vector<std::string> args, Callback done) override;
    bool eval(const Script& script, std::vector<std::string> keys, std::vector<std::string> args,
              Callback done) override;
    bool wait_replicas(const std::vector<std::string>& keys, int replicas,
                       std::chrono::milliseconds timeout, Callback done) override;
    // True while a map is loaded and every master's connection is up.
    bool connected() const override;
    boost::asio::any_io_executor executor() override { return strand_; }
    void abandon() override;

  private:
    struct Request {
        std::vector<std::string> args;
        std::optional<int> slot;  // nullopt: any master
        Callback done;
        int redirects = 0;
    };
    using RequestPtr = std::shared_ptr<Request>;
    struct Parked {
        RequestPtr request;
        bool asking;
    };
    // A master's connection, and what waits for its first connect.
    struct Node {
        Endpoint endpoint;
        std::shared_ptr<Connection> connection;
        bool ever_up = false;
        bool gave_up_waiting = false;
        std::vector<Parked> parked;
        std::unique_ptr<boost::asio::steady_timer> wait_timer;
    };

    // Commands (client.cpp), on the strand.
    void dispatch(RequestPtr request);
    void send_to(const Endpoint& endpoint, RequestPtr request, bool asking);
    void on_reply(RequestPtr request, Reply reply);
    void finish(const RequestPtr& request, Reply reply);
    // WAIT on the masters of `slots` (every master when nullopt); the fewest replicas wins.
    void wait_on_every_master(std::vector<std::string> args, Callback done,
                              std::optional<std::vector<int>> slots = std::nullopt);

    // The slot map and the masters' connections (client_topology.cpp), on the strand.
    Node& node_for(const Endpoint& endpoint);
    void on_node_up(const std::string& key);
    void stop_waiting(const std::string& key);
    const Endpoint& any_master();
    void refresh_soon();
    void refresh_now();
    void ask_slots(std::vector<std::shared_ptr<Connection>> candidates, std::size_t next);
    void refresh_failed();
    void apply(SlotMap map);

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    std::vector<Endpoint> seeds_;
    std::string role_;
    std::size_t max_in_flight_;
    metrics::Metrics& metrics_;
    std::vector<const Script*> scripts_;
    std::atomic<std::size_t> in_flight_{0};

    // Reads the slot map; tries the seeds in turn until one answers.
    std::shared_ptr<Connection> seed_;
    std::optional<SlotMap> map_;         // strand only
    mutable std::mutex nodes_mutex_;     // nodes_ changes on the strand; connected() reads it
    std::map<std::string, Node> nodes_;  // by host:port
    std::size_t next_any_ = 0;
    bool abandoned_ = false;

    boost::asio::steady_timer refresh_timer_;
    bool refresh_pending_ = false;  // armed or asking
    std::chrono::milliseconds refresh_interval_ = refresh_min;
    std::chrono::steady_clock::time_point last_refresh_{};
};

}  // namespace parley::redis::cluster
