#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "metrics/metrics.hpp"
#include "redis/client.hpp"
#include "redis/url.hpp"

struct redisAsyncContext;

namespace parley::redis {

// One hiredis asynchronous connection driven by an Asio io_context: hiredis says which readiness
// it wants (addRead/addWrite) and Asio waits for it on the socket, so no io thread ever blocks.
// Every hiredis call happens on the connection's strand.
//
// The connection never gives up: when Redis cannot be reached it retries with exponential
// backoff (100 ms doubling to 5 s, with jitter) and logs each change of state once. Commands
// sent while it is down fail at once (their callback gets nullopt), so callers can answer
// `unavailable` instead of waiting.
//
// Given several endpoints (the nodes of a Redis Cluster, for the bus: a SUBSCRIBE is heard on any
// node), it moves on to the next one after a failed connect or a lost connection.
class Connection final : public Client, public std::enable_shared_from_this<Connection> {
  public:
    Connection(boost::asio::any_io_executor executor, Endpoint endpoint, std::string role,
               std::size_t max_in_flight, metrics::Metrics& metrics);
    // `endpoints` must not be empty.
    Connection(boost::asio::any_io_executor executor, std::vector<Endpoint> endpoints,
               std::string role, std::size_t max_in_flight, metrics::Metrics& metrics);
    ~Connection();

    void preload(const Script& script) override { scripts_.push_back(&script); }
    void start() override;

    // Sends a command from any thread. Commands run in the order they were sent and their
    // callbacks run one at a time on the strand, in that order. Returns false, without calling
    // `done`, when `max_in_flight` commands are already waiting.
    bool command(std::vector<std::string> args, Callback done) override;
    // Runs a script loaded by on_connected: EVALSHA sha numkeys keys... args...
    bool eval(const Script& script, std::vector<std::string> keys, std::vector<std::string> args,
              Callback done) override;
    // Sends `first` and `second` back to back, so that no other command comes between them on
    // this connection (ASKING before the command a Redis Cluster redirected). `done` gets the
    // reply to `second`. Counts as two commands against `max_in_flight`.
    bool command_pair(std::vector<std::string> first, std::vector<std::string> second,
                      Callback done);
    // On the strand only (from on_connected): sends at once, ahead of commands still queued.
    void send_now(std::vector<std::string> args, Callback done);
    // On the strand only (from on_connected). `on_confirmed` runs once Redis has subscribed us,
    // `on_message` for every payload after that.
    void subscribe(const std::string& channel, std::function<void()> on_confirmed,
                   std::function<void(std::string)> on_message);

    // Subscriptions taken and dropped as the node's needs change (a channel's events while it
    // has members here): one handler for all of them, so none is kept per channel. Set both
    // before start(); they run on the strand with the pub/sub channel's name.
    std::function<void(const std::string& channel)> on_routed_confirmed;
    std::function<void(const std::string& channel, std::string payload)> on_routed_message;
    // On the strand only. Subscribing again to a channel still being unsubscribed is safe:
    // hiredis counts the pending subscriptions and keeps the handler.
    void subscribe_routed(const std::string& channel);
    void unsubscribe_routed(const std::string& channel);

    // After the io threads have stopped: closes at once and calls no callback any more.
    void abandon() override;
    // While the io threads run, from any thread: closes for good (no reconnect). Commands
    // waiting for a reply get nullopt.
    void close();

    bool wait_replicas(const std::vector<std::string>&, int replicas,
                       std::chrono::milliseconds timeout, Callback done) override {
        return command({"WAIT", std::to_string(replicas), std::to_string(timeout.count())},
                       std::move(done));
    }

    bool connected() const override { return connected_.load(std::memory_order_acquire); }
    // Where it connects now (or tries to); strand only.
    const Endpoint& endpoint() const { return endpoints_[current_]; }
    boost::asio::any_io_executor executor() override { return strand_; }
    boost::asio::strand<boost::asio::any_io_executor>& strand() { return strand_; }

  private:
    struct Pending;
    struct Subscription;

    void connect();
    void on_resolved(boost::system::error_code ec,
                     const boost::asio::ip::tcp::resolver::results_type& results);
    void attach(redisAsyncContext* context);
    void schedule_reconnect(const std::string& why);
    void send(std::vector<std::string> args, Callback done);
    void watch_readable();
    void watch_writable();
    void detach();  // hiredis is freeing the context

    static void handle_connect(const redisAsyncContext* context, int status);
    static void handle_disconnect(const redisAsyncContext* context, int status);
    static void handle_reply(redisAsyncContext* context, void* reply, void* privdata);
    static void handle_message(redisAsyncContext* context, void* reply, void* privdata);

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    std::vector<Endpoint> endpoints_;
    std::size_t current_ = 0;  // strand only
    std::string role_;
    std::size_t max_in_flight_;
    metrics::Metrics& metrics_;

    boost::asio::ip::tcp::resolver resolver_;
    boost::asio::steady_timer retry_timer_;
    boost::asio::posix::stream_descriptor socket_;
    redisAsyncContext* context_ = nullptr;  // strand only
    std::uint64_t generation_ = 0;          // bumped whenever the context goes away
    bool want_read_ = false, read_waiting_ = false;
    bool want_write_ = false, write_waiting_ = false;
    bool ever_connected_ = false;
    bool outage_logged_ = false;
    int failed_attempts_ = 0;
    std::chrono::steady_clock::time_point outage_began_;
    std::vector<std::unique_ptr<Subscription>> subscriptions_;
    std::unique_ptr<Subscription> routed_;  // every routed subscription's handler
    std::vector<const Script*> scripts_;

    std::atomic<bool> connected_{false};
    bool abandoned_ = false;
    bool closed_ = false;  // strand only
    std::atomic<std::size_t> in_flight_{0};
};

}  // namespace parley::redis
