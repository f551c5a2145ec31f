// Redis Cluster routing against a real cluster (three masters, three replicas): the slot of a
// key, the slot map from CLUSTER SLOTS, MOVED, and the map after a master is killed.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <thread>

#include "harness.hpp"
#include "metrics/metrics.hpp"
#include "redis/cluster/slots.hpp"
#include "redis/connection.hpp"
#include "redis_cluster_process.hpp"

namespace parley::test {
namespace {

using redis::cluster::key_slot;
using redis::cluster::parse_redirect;
using redis::cluster::SlotMap;

// Parley's own Redis connection to one node, asked one command at a time.
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
    redis::Connection::Reply operator()(std::vector<std::string> args) {
        std::promise<redis::Connection::Reply> answer;
        auto reply = answer.get_future();
        connection_->command(std::move(args),
                             [&answer](redis::Connection::Reply r) { answer.set_value(r); });
        if (reply.wait_for(default_timeout) != std::future_status::ready) return std::nullopt;
        return reply.get();
    }

  private:
    metrics::Metrics metrics_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        io_.get_executor()};
    std::shared_ptr<redis::Connection> connection_;
    std::thread thread_;
};

TEST(RedisClusterRouting, SlotsMapAndMovedAgreeWithARealClusterAndFollowAFailover) {
    RedisClusterProcess cluster;
    Node first(cluster.node(0).port());

    // Parley's slot for a key is the cluster's, hash tags included.
    for (std::string key : {"foo", "parley:seq:{general}", "parley:events:{général}",
                            "parley:user-events:{ann}", "{}", "a{b}c", "x{}{y}", "{{z}}"}) {
        auto slot = first({"CLUSTER", "KEYSLOT", key});
        ASSERT_TRUE(slot && slot->type == redis::Value::Type::integer) << key;
        EXPECT_EQ(slot->integer, key_slot(key)) << key;
    }

    auto slots = first({"CLUSTER", "SLOTS"});
    ASSERT_TRUE(slots);
    auto map = SlotMap::from_cluster_slots(*slots);
    ASSERT_TRUE(map) << map.error().message;
    EXPECT_EQ(map->masters().size(), 3u);

    // A key sent to a master that does not own it: MOVED names the one the map names.
    const std::string key = "parley:seq:{room}";
    auto owner = map->master_of(key_slot(key));
    auto other = map->masters()[0].port == owner.port ? map->masters()[1] : map->masters()[0];
    Node wrong(other.port);
    auto moved = wrong({"INCR", key});
    ASSERT_TRUE(moved && moved->is_error());
    auto redirect = parse_redirect(moved->text);
    ASSERT_TRUE(redirect) << moved->text;
    EXPECT_EQ(redirect->kind, redis::cluster::Redirect::Kind::moved);
    EXPECT_EQ(redirect->slot, key_slot(key));
    EXPECT_EQ(redirect->endpoint.port, owner.port);
    Node right(owner.port);
    auto counted = right({"INCR", key});
    ASSERT_TRUE(counted && counted->type == redis::Value::Type::integer);
    EXPECT_EQ(counted->integer, 1);
    ASSERT_EQ(right({"WAIT", "1", "1000"})->integer, 1) << "the replica did not confirm";

    // kill -9 that master: its replica takes over within the node timeout (1 s) and a bit,
    // with the acknowledged write.
    std::size_t killed = 0;
    for (std::size_t i = 0; i < cluster.size(); ++i)
        if (cluster.node(i).port() == owner.port) killed = i;
    auto began = std::chrono::steady_clock::now();
    cluster.node(killed).stop(SIGKILL);
    std::optional<redis::Endpoint> successor;
    auto survivor = killed == 0 ? 1 : 0;
    Node asker(cluster.node(survivor).port());
    while (!successor && std::chrono::steady_clock::now() - began < default_timeout) {
        auto now = asker({"CLUSTER", "SLOTS"});
        if (now) {
            auto after = SlotMap::from_cluster_slots(*now);
            if (after && after->master_of(key_slot(key)).port != owner.port)
                successor = after->master_of(key_slot(key));
        }
        if (!successor) std::this_thread::sleep_for(20ms);
    }
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
    ASSERT_TRUE(successor) << "no replica took over";
    std::printf("failover: a replica served the slot %lld ms after kill -9\n",
                static_cast<long long>(took.count()));
    Node promoted(successor->port);
    auto after = promoted({"INCR", key});
    ASSERT_TRUE(after && after->type == redis::Value::Type::integer)
        << (after ? after->text : "no answer");
    EXPECT_EQ(after->integer, 2) << "the acknowledged write was lost";
}

}  // namespace
}  // namespace parley::test
