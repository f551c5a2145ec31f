#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics/metrics.hpp"
#include "redis/cluster/slots.hpp"
#include "redis/pubsub/shard_link.hpp"
#include "redis/url.hpp"

namespace parley::redis {

// Redis 7 sharded pub/sub (SSUBSCRIBE): the channels a node listens to while it needs them (a
// channel's events, a user's), on one Redis or on a Redis Cluster, where each channel lives on
// the master of its name's slot and SPUBLISH (from a script that also writes a key with the
// same hash tag) reaches only that shard.
//
// On one Redis: one connection. On a cluster: the slot map from CLUSTER SLOTS (asked of the
// seeds in turn, then of the masters known), and one connection per master carrying at least
// one wanted channel. Whatever goes wrong (a connection lost, a master dead, a slot moved: Redis
// then pushes a `sunsubscribe` nobody asked for, or answers SSUBSCRIBE with MOVED) is repaired
// the same way: retry with backoff (100 ms doubling to 5 s on one Redis, to 1 s on a cluster,
// with jitter), read the map again,
// subscribe every channel that lost its home where it lives now, then on_resubscribed().
//
// Threading: everything runs on the subscriber's strand (executor()); subscribe() and
// unsubscribe() must be called there, and every callback runs there.
class ShardSubscriber final : public std::enable_shared_from_this<ShardSubscriber>,
                              private pubsub::ShardLink::Owner {
  public:
    ShardSubscriber(boost::asio::any_io_executor executor, std::vector<Endpoint> seeds,
                    bool cluster, metrics::Metrics& metrics, pubsub::Limits limits = {});
    ~ShardSubscriber();

    // Set all three before start().
    // Redis has subscribed `channel`: everything SPUBLISHed to it from now on arrives. Once per
    // subscribe() that reaches Redis; a subscribe, unsubscribe, subscribe in a row confirms
    // after the last SSUBSCRIBE only.
    std::function<void(const std::string& channel)> on_confirmed;
    std::function<void(const std::string& channel, std::string payload)> on_message;
    // After a loss (a connection, a master, a slot that moved) every wanted channel is
    // subscribed again: what was published meanwhile is lost, so the caller catches up now.
    // Not called on the first connection.
    std::function<void()> on_resubscribed;

    void start();
    // On the strand only. Each channel is wanted or not; calling subscribe twice is one
    // subscription (the caller counts its users).
    void subscribe(const std::string& channel);
    void unsubscribe(const std::string& channel);

    // Every wanted channel sits on a connection that is up (and, on a cluster, the map is known).
    bool connected() const { return connected_.load(std::memory_order_acquire); }
    boost::asio::any_io_executor executor() { return strand_; }
    // After the io threads have stopped: closes at once and calls no callback any more.
    void abandon();

  private:
    using Link = pubsub::ShardLink;
    struct Sent {  // a command whose reply has not come yet, in the order sent
        enum class Kind { subscribe, unsubscribe } kind;
        std::string channel;
    };
    struct LinkState {
        std::shared_ptr<Link> link;
        std::deque<Sent> sent;
        // SSUBSCRIBEs not answered yet, by channel: after an unsubscribe and a subscribe in a
        // row, the first one's confirmation must not count as the second's.
        std::unordered_map<std::string, int> subscribing;
        std::size_t carried = 0;  // wanted channels homed here
        bool was_up = false;
    };
    struct Wanted {
        Link* link = nullptr;  // nullptr: homeless, waiting for the map or a repair
        bool confirmed = false;
    };

    void link_up(Link& link) override;
    void link_reply(Link& link, Value reply) override;
    void link_down(Link& link, const std::string& why) override;

    void on_answer(LinkState& state, const Sent& sent, const Value& reply);
    void on_refused(LinkState& state, const std::string& channel, const std::string& error);
    void lost_home(Wanted& wanted, const std::string& why);
    void place(const std::string& channel, Wanted& wanted);
    void home(Wanted& wanted, Link* link);
    void send(LinkState& state, Sent::Kind kind, const std::string& channel);
    LinkState& link_to(const Endpoint& endpoint);
    void drop_link(Link* link);
    void close_idle_links();
    void reconcile();
    void refresh_map();
    void on_map(const Value& reply);
    void schedule_repair();
    void trouble(const std::string& why);
    void check_recovered();
    void update_connected();

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    std::vector<Endpoint> seeds_;
    bool cluster_;
    metrics::Metrics& metrics_;
    pubsub::Limits limits_;

    std::unordered_map<std::string, Wanted> wanted_;
    std::size_t unconfirmed_ = 0;  // wanted channels not (yet, again) confirmed
    std::unordered_map<Link*, LinkState> links_;
    std::optional<cluster::SlotMap> slots_;
    std::shared_ptr<Link> query_;  // asking CLUSTER SLOTS, when it is
    bool query_again_ = false;     // the map changed again while it asked
    std::size_t next_seed_ = 0;
    boost::asio::steady_timer repair_timer_;
    bool repair_scheduled_ = false;

    bool started_ = false, abandoned_ = false;
    bool recovering_ = false;  // lost something: on_resubscribed() when it is all back
    bool ever_up_ = false;
    int failed_attempts_ = 0;
    std::optional<std::chrono::steady_clock::time_point> trouble_began_;  // logged once
    std::atomic<bool> connected_{false};
};

}  // namespace parley::redis
