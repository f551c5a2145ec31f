// Redis 7 sharded pub/sub through redis::ShardSubscriber, against a real redis-server and a real
// Redis Cluster (three masters, three replicas): what a caller sees when it subscribes, when
// Redis restarts, and when a master is killed and its replica takes over.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "harness.hpp"
#include "metrics/metrics.hpp"
#include "redis/cluster/slots.hpp"
#include "redis/connection.hpp"
#include "redis/pubsub/shard_subscriber.hpp"
#include "redis_cluster_process.hpp"

namespace parley::test {
namespace {

using Message = std::pair<std::string, std::string>;

// A ShardSubscriber on its own io thread, and everything its callbacks said.
// spdlog's registry is made by its first use. Made here, before any test starts a thread: the
// guard that makes it once is in libspdlog, which ThreadSanitizer does not see, so two io
// threads logging first at once were reported as a race.
const bool logging_ready = (spdlog::default_logger(), true);

class Listener {
  public:
    Listener(std::vector<redis::Endpoint> seeds, bool cluster)
        : subscriber_(std::make_shared<redis::ShardSubscriber>(io_.get_executor(), std::move(seeds),
                                                               cluster, metrics_)) {
        subscriber_->on_confirmed = [this](const std::string& channel) {
            record([&] { confirmed_.push_back(channel); });
        };
        subscriber_->on_message = [this](const std::string& channel, std::string payload) {
            record([&] { messages_.emplace_back(channel, std::move(payload)); });
        };
        subscriber_->on_resubscribed = [this] { record([&] { ++resubscribed_; }); };
        subscriber_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Listener() {
        work_.reset();
        boost::asio::post(subscriber_->executor(), [s = subscriber_] { s->abandon(); });
        thread_.join();  // nothing is left to wait for once abandoned
    }

    void subscribe(const std::string& channel) {
        boost::asio::post(subscriber_->executor(),
                          [s = subscriber_, channel] { s->subscribe(channel); });
    }
    void unsubscribe(const std::string& channel) {
        boost::asio::post(subscriber_->executor(),
                          [s = subscriber_, channel] { s->unsubscribe(channel); });
    }
    // Waits until `done` holds of what was recorded (under the lock); false on timeout.
    template <class Predicate>
    bool wait(Predicate done, std::chrono::milliseconds timeout = default_timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        // The predicate takes the lock itself (through the accessors): check it on each change,
        // and every 50 ms in case a change came between the check and the wait.
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::unique_lock lock(mutex_);
            changed_.wait_for(lock, 50ms);
        }
        return true;
    }
    bool wait_confirmed(const std::set<std::string>& channels) {
        return wait([&] {
            std::lock_guard lock(mutex_);
            std::set<std::string> seen(confirmed_.begin(), confirmed_.end());
            return std::includes(seen.begin(), seen.end(), channels.begin(), channels.end());
        });
    }
    std::vector<Message> messages() {
        std::lock_guard lock(mutex_);
        return messages_;
    }
    int resubscribed() {
        std::lock_guard lock(mutex_);
        return resubscribed_;
    }
    bool has(const Message& message) {
        std::lock_guard lock(mutex_);
        return std::find(messages_.begin(), messages_.end(), message) != messages_.end();
    }
    bool connected() const { return subscriber_->connected(); }
    std::int64_t connections_up() const { return metrics_.redis_connections_up.load(); }

  private:
    template <class Change>
    void record(Change change) {
        {
            std::lock_guard lock(mutex_);
            change();
        }
        changed_.notify_all();
    }

    metrics::Metrics metrics_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        io_.get_executor()};
    std::shared_ptr<redis::ShardSubscriber> subscriber_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> confirmed_;
    std::vector<Message> messages_;
    int resubscribed_ = 0;
};

// Parley's own (hiredis) command connection to one node: the publisher.
class Node {
  public:
    explicit Node(std::uint16_t port)
        : connection_(std::make_shared<redis::Connection>(
              io_.get_executor(), redis::Endpoint{"127.0.0.1", port, 0}, "test", 64, metrics_)) {
        connection_->start();
        thread_ = std::thread([this] { io_.run(); });
        auto deadline = std::chrono::steady_clock::now() + default_timeout;
        while (!connection_->connected() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(10ms);
    }
    ~Node() {
        work_.reset();
        boost::asio::post(connection_->strand(), [c = connection_] { c->abandon(); });
        io_.stop();
        thread_.join();
    }
    redis::Value operator()(std::vector<std::string> args) {
        std::promise<redis::Connection::Reply> answer;
        auto reply = answer.get_future();
        connection_->command(std::move(args),
                             [&answer](redis::Connection::Reply r) { answer.set_value(r); });
        if (reply.wait_for(default_timeout) != std::future_status::ready) return {};
        auto value = reply.get();
        return value ? *value : redis::Value{};
    }

  private:
    metrics::Metrics metrics_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        io_.get_executor()};
    std::shared_ptr<redis::Connection> connection_;
    std::thread thread_;
};

redis::Endpoint local(std::uint16_t port) {
    return {"127.0.0.1", port, 0};
}

TEST(RedisShardPubSub, StandaloneDeliversWhatIsPublishedToTheChannelsWantedInOrder) {
    RedisProcess redis(false);
    Node publisher(redis.port());
    Listener listener({local(redis.port())}, false);
    listener.subscribe("parley:events:{a}");
    listener.subscribe("parley:events:{b}");
    ASSERT_TRUE(listener.wait_confirmed({"parley:events:{a}", "parley:events:{b}"}));
    EXPECT_TRUE(listener.connected());
    EXPECT_EQ(listener.connections_up(), 1);

    std::vector<Message> sent = {{"parley:events:{a}", "a1"},
                                 {"parley:events:{b}", "b1"},
                                 {"parley:events:{a}", "a2"},
                                 {"parley:events:{b}", std::string("b\0\r\n2", 5)}};
    for (const auto& [channel, payload] : sent)
        EXPECT_EQ(publisher({"SPUBLISH", channel, payload}).integer, 1) << payload;
    ASSERT_TRUE(listener.wait([&] { return listener.has(sent.back()); }));
    EXPECT_EQ(listener.messages(), sent);

    // Unsubscribed: Redis stops counting it, and what is published to it no longer arrives.
    listener.unsubscribe("parley:events:{a}");
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    while (publisher({"PUBSUB", "SHARDNUMSUB", "parley:events:{a}"}).elements.at(1).integer != 0 &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(publisher({"SPUBLISH", "parley:events:{a}", "a3"}).integer, 0);
    EXPECT_EQ(publisher({"SPUBLISH", "parley:events:{b}", "b3"}).integer, 1);
    ASSERT_TRUE(listener.wait([&] { return listener.has({"parley:events:{b}", "b3"}); }));
    sent.emplace_back("parley:events:{b}", "b3");
    EXPECT_EQ(listener.messages(), sent) << "a3 must not arrive";
    EXPECT_EQ(listener.resubscribed(), 0);
}

TEST(RedisShardPubSub, StandaloneRestartSubscribesEverythingAgainAndSaysSo) {
    RedisProcess redis(false);
    Listener listener({local(redis.port())}, false);
    listener.subscribe("parley:user-events:{ann}");
    listener.subscribe("parley:events:{general}");
    ASSERT_TRUE(listener.wait_confirmed({"parley:user-events:{ann}", "parley:events:{general}"}));

    redis.stop();
    auto down = std::chrono::steady_clock::now() + default_timeout;
    while (listener.connected() && std::chrono::steady_clock::now() < down)
        std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(listener.connected());
    EXPECT_EQ(listener.connections_up(), 0);
    redis.start();  // an empty Redis: it knows of no subscription
    ASSERT_TRUE(listener.wait([&] { return listener.resubscribed() == 1; }))
        << "on_resubscribed did not come";
    EXPECT_TRUE(listener.connected());
    EXPECT_EQ(listener.connections_up(), 1);

    Node publisher(redis.port());
    EXPECT_EQ(publisher({"SPUBLISH", "parley:user-events:{ann}", "u"}).integer, 1);
    EXPECT_EQ(publisher({"SPUBLISH", "parley:events:{general}", "g"}).integer, 1);
    ASSERT_TRUE(listener.wait([&] { return listener.messages().size() == 2; }));
    EXPECT_EQ(listener.messages(), (std::vector<Message>{{"parley:user-events:{ann}", "u"},
                                                         {"parley:events:{general}", "g"}}));
}

// The script storage runs on a cluster: it writes the channel's key and publishes its event in
// one step, which a cluster allows because both name the same hash tag.
const char* const publish_script =
    "local seq = redis.call('INCR', KEYS[1]) "
    "return {seq, redis.call('SPUBLISH', ARGV[1], ARGV[2])}";

redis::cluster::SlotMap slot_map(Node& node) {
    auto map = redis::cluster::SlotMap::from_cluster_slots(node({"CLUSTER", "SLOTS"}));
    if (!map) throw std::runtime_error(map.error().message);
    return *map;
}

// Publishes through the script on the master of the tag's slot: {seq, receivers}.
std::pair<std::int64_t, std::int64_t> publish(const redis::cluster::SlotMap& map,
                                              const std::string& tag, const std::string& payload) {
    std::string channel = "parley:events:{" + tag + "}";
    Node master(map.master_of(redis::cluster::key_slot(channel)).port);
    auto reply =
        master({"EVAL", publish_script, "1", "parley:seq:{" + tag + "}", channel, payload});
    if (reply.type != redis::Value::Type::array || reply.elements.size() != 2) return {-1, -1};
    return {reply.elements[0].integer, reply.elements[1].integer};
}

// A channel given up after it was confirmed must not count as one still to confirm: the
// recovery after an outage would then never be complete, on_resubscribed never come and
// connected() stay false.
TEST(RedisShardPubSub, AChannelGivenUpBeforeAnOutageDoesNotHoldUpTheRecovery) {
    RedisProcess redis(false);
    Listener listener({local(redis.port())}, false);
    listener.subscribe("parley:events:{gone}");
    listener.subscribe("parley:events:{kept}");
    ASSERT_TRUE(listener.wait_confirmed({"parley:events:{gone}", "parley:events:{kept}"}));
    listener.unsubscribe("parley:events:{gone}");

    redis.stop();
    auto down = std::chrono::steady_clock::now() + default_timeout;
    while (listener.connected() && std::chrono::steady_clock::now() < down)
        std::this_thread::sleep_for(10ms);
    redis.start();
    ASSERT_TRUE(listener.wait([&] { return listener.resubscribed() == 1; }))
        << "on_resubscribed did not come";
    EXPECT_TRUE(listener.connected());
    Node publisher(redis.port());
    EXPECT_EQ(publisher({"SPUBLISH", "parley:events:{gone}", "x"}).integer, 0);
    EXPECT_EQ(publisher({"SPUBLISH", "parley:events:{kept}", "k"}).integer, 1);
}

TEST(RedisShardPubSub, ClusterSubscribesEachChannelOnItsMasterAndScriptsPublishToIt) {
    RedisClusterProcess cluster;
    Node seed(cluster.node(0).port());
    auto map = slot_map(seed);
    ASSERT_EQ(map.masters().size(), 3u);

    // Tags until every master carries at least three channels.
    std::vector<std::string> tags;
    std::map<std::uint16_t, int> per_master;
    for (int i = 0; per_master.size() < 3 || tags.size() < 12; ++i) {
        auto tag = "room" + std::to_string(i);
        ++per_master[map.master_of(redis::cluster::key_slot("{" + tag + "}")).port];
        tags.push_back(tag);
    }
    Listener listener({local(cluster.node(0).port()), local(cluster.node(1).port())}, true);
    std::set<std::string> channels;
    for (const auto& tag : tags) {
        channels.insert("parley:events:{" + tag + "}");
        listener.subscribe("parley:events:{" + tag + "}");
    }
    ASSERT_TRUE(listener.wait_confirmed(channels));
    EXPECT_EQ(listener.connections_up(), 3) << "one connection per master";

    for (const auto& tag : tags) {
        auto [seq, receivers] = publish(map, tag, "hello " + tag);
        EXPECT_EQ(seq, 1) << tag;
        EXPECT_EQ(receivers, 1) << tag << ": the script's SPUBLISH reached no subscriber";
    }
    ASSERT_TRUE(listener.wait([&] { return listener.messages().size() == tags.size(); }));
    for (const auto& tag : tags)
        EXPECT_TRUE(listener.has({"parley:events:{" + tag + "}", "hello " + tag})) << tag;
}

TEST(RedisShardPubSub, ClusterFailoverResubscribesOnThePromotedReplica) {
    RedisClusterProcess cluster;
    Node seed(cluster.node(0).port());
    auto map = slot_map(seed);
    std::vector<std::string> tags = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"};
    std::vector<redis::Endpoint> seeds;
    for (std::size_t i = 0; i < cluster.size(); ++i) seeds.push_back(local(cluster.node(i).port()));
    Listener listener(seeds, true);
    std::set<std::string> channels;
    for (const auto& tag : tags) {
        channels.insert("parley:events:{" + tag + "}");
        listener.subscribe("parley:events:{" + tag + "}");
    }
    ASSERT_TRUE(listener.wait_confirmed(channels));

    // kill -9 the master of {alpha}'s slot.
    auto victim = map.master_of(redis::cluster::key_slot("{alpha}")).port;
    std::size_t killed = 0;
    for (std::size_t i = 0; i < cluster.size(); ++i)
        if (cluster.node(i).port() == victim) killed = i;
    auto began = std::chrono::steady_clock::now();
    cluster.node(killed).stop(SIGKILL);
    ASSERT_TRUE(listener.wait([&] { return listener.resubscribed() >= 1; }, 30s))
        << "on_resubscribed did not come";
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
    std::printf("failover: every channel subscribed again %lld ms after kill -9\n",
                static_cast<long long>(took.count()));
    EXPECT_TRUE(listener.connected());

    // The survivor asked may learn of the promotion a moment after the subscriber did.
    Node survivor(cluster.node(killed == 0 ? 1 : 0).port());
    auto after = slot_map(survivor);
    for (auto deadline = std::chrono::steady_clock::now() + default_timeout;
         after.master_of(redis::cluster::key_slot("{alpha}")).port == victim &&
         std::chrono::steady_clock::now() < deadline;
         after = slot_map(survivor))
        std::this_thread::sleep_for(20ms);
    ASSERT_NE(after.master_of(redis::cluster::key_slot("{alpha}")).port, victim);
    for (const auto& tag : tags) {
        auto [seq, receivers] = publish(after, tag, "after " + tag);
        EXPECT_EQ(receivers, 1) << tag;
    }
    ASSERT_TRUE(listener.wait([&] { return listener.messages().size() == tags.size(); }));
    for (const auto& tag : tags)
        EXPECT_TRUE(listener.has({"parley:events:{" + tag + "}", "after " + tag})) << tag;
}

}  // namespace
}  // namespace parley::test
