// redis::cluster::Client against a real Redis Cluster (three masters, three replicas): what a
// caller of the client sees when keys spread over the masters, when a slot moves or migrates,
// when a master is killed, and when it asks WAIT.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <set>
#include <thread>

#include "harness.hpp"
#include "metrics/metrics.hpp"
#include "redis/blocking.hpp"
#include "redis/cluster/client.hpp"
#include "redis/url.hpp"
#include "redis_cluster_process.hpp"

namespace parley::test {
namespace {

using redis::cluster::key_slot;
using Reply = redis::Client::Reply;

// The client on an io thread of its own, asked one command at a time.
class ClusterClient {
  public:
    explicit ClusterClient(const RedisClusterProcess& cluster,
                           std::vector<const redis::Script*> scripts = {}) {
        auto seeds = redis::parse_urls(cluster.url());
        if (!seeds) throw std::runtime_error(seeds.error().message);
        client_ = std::make_shared<redis::cluster::Client>(io_.get_executor(), *seeds, "test", 64,
                                                           metrics);
        for (const auto* script : scripts) client_->preload(*script);
        client_->on_connected = [this] { connects.fetch_add(1); };
        client_->start();
        thread_ = std::thread([this] { io_.run(); });
        wait_until_connected();
    }
    ~ClusterClient() {
        work_.reset();
        io_.stop();
        thread_.join();
        client_->abandon();
    }
    bool wait_until_connected() {
        auto deadline = std::chrono::steady_clock::now() + default_timeout;
        while (!client_->connected() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(10ms);
        return client_->connected();
    }
    Reply operator()(std::vector<std::string> args) {
        return ask([&](auto done) { return client_->command(std::move(args), done); });
    }
    Reply eval(const redis::Script& script, std::vector<std::string> keys,
               std::vector<std::string> args) {
        return ask([&](auto done) { return client_->eval(script, keys, args, done); });
    }
    std::uint64_t redirects(metrics::Metrics::RedisRedirect kind) const {
        return metrics.redis_redirects_total[static_cast<std::size_t>(kind)].load();
    }
    redis::cluster::Client& client() { return *client_; }

    metrics::Metrics metrics;
    std::atomic<int> connects{0};

  private:
    template <class Send>
    Reply ask(Send send) {
        // The reply, and whether it came on the client's executor.
        auto answer = std::make_shared<std::promise<std::pair<Reply, bool>>>();
        auto reply = answer->get_future();
        auto client = client_;
        if (!send([client, answer](Reply r) {
                auto executor = client->executor();
                const auto* strand =
                    executor.target<boost::asio::strand<boost::asio::any_io_executor>>();
                answer->set_value({std::move(r), strand && strand->running_in_this_thread()});
            }))
            throw std::runtime_error("the client refused the command");
        if (reply.wait_for(default_timeout) != std::future_status::ready)
            throw std::runtime_error("the client never answered");
        auto [value, on_strand] = reply.get();
        EXPECT_TRUE(on_strand) << "a callback ran off the client's executor";
        return value;
    }

    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        io_.get_executor()};
    std::shared_ptr<redis::cluster::Client> client_;
    std::thread thread_;
};

std::size_t index_of_port(RedisClusterProcess& cluster, std::uint16_t port) {
    for (std::size_t i = 0; i < cluster.size(); ++i)
        if (cluster.node(i).port() == port) return i;
    throw std::runtime_error("no node on that port");
}

// The master that serves `key`: the one that answers GET rather than MOVED.
std::size_t owner_of(RedisClusterProcess& cluster, const std::string& key) {
    for (auto port : cluster.master_ports()) {
        auto& node = cluster.node(index_of_port(cluster, port));
        if (node.command("GET " + key).rfind("-MOVED", 0) != 0) return index_of_port(cluster, port);
    }
    throw std::runtime_error("no master serves " + key);
}

TEST(RedisClusterClient, KeysInManySlotsLandOnTheirMastersScriptsAndWaitWork) {
    RedisClusterProcess cluster;
    redis::Script both(
        "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]);"
        "return redis.call('GET', KEYS[1]) .. redis.call('GET', KEYS[2])");
    ClusterClient client(cluster, {&both});
    ASSERT_TRUE(client.client().connected());
    EXPECT_GE(client.connects.load(), 1) << "on_connected never ran";

    std::set<int> slots;
    std::set<std::size_t> owners;
    for (int i = 0; i < 300; ++i) {
        auto key = "key:" + std::to_string(i);
        auto set = client({"SET", key, "value " + std::to_string(i)});
        ASSERT_TRUE(set && set->type == redis::Value::Type::status) << key;
        slots.insert(key_slot(key));
    }
    // Each key went straight to its master: no redirection was needed, and that master has it.
    EXPECT_EQ(client.redirects(metrics::Metrics::RedisRedirect::moved), 0u);
    for (int i = 0; i < 300; i += 7) {
        auto key = "key:" + std::to_string(i);
        auto owner = owner_of(cluster, key);
        owners.insert(owner);
        EXPECT_EQ(cluster.node(owner).command("GET " + key), "value " + std::to_string(i));
        auto got = client({"GET", key});
        ASSERT_TRUE(got);
        EXPECT_EQ(got->text, "value " + std::to_string(i));
    }
    EXPECT_GT(slots.size(), 290u);
    EXPECT_EQ(owners.size(), 3u) << "the keys did not spread over the three masters";

    // A script touching two keys with one hash tag runs on their master.
    auto both_set = client.eval(both, {"a:{tag}", "b:{tag}"}, {"x"});
    ASSERT_TRUE(both_set) << "no answer";
    EXPECT_EQ(both_set->text, "xx");
    EXPECT_EQ(cluster.node(owner_of(cluster, "b:{tag}")).command("GET b:{tag}"), "x");
    // The blocking start-up read: past a seed that does not answer, and a MOVED from a master
    // that does not own the key.
    auto owner = owner_of(cluster, "key:0");
    auto other = index_of_port(cluster, cluster.master_ports()[0]) == owner
                     ? index_of_port(cluster, cluster.master_ports()[1])
                     : index_of_port(cluster, cluster.master_ports()[0]);
    auto blocking = redis::run_blocking(
        {{"127.0.0.1", free_loopback_port(), 0}, {"127.0.0.1", cluster.node(other).port(), 0}},
        {"GET", "key:0"});
    ASSERT_TRUE(blocking) << blocking.error().message;
    EXPECT_EQ(blocking->text, "value 0");
    auto nobody = redis::run_blocking({{"127.0.0.1", free_loopback_port(), 0}}, {"PING"});
    ASSERT_FALSE(nobody);
    EXPECT_NE(nobody.error().message.find("cannot reach Redis at 127.0.0.1:"), std::string::npos)
        << nobody.error().message;

    auto keyless = client({"PUBLISH", "somewhere", "hello"});
    ASSERT_TRUE(keyless && keyless->type == redis::Value::Type::integer);

    // WAIT asks every master: each has its replica.
    auto all = client({"WAIT", "1", "2000"});
    ASSERT_TRUE(all && all->type == redis::Value::Type::integer) << (all ? all->text : "nullopt");
    EXPECT_EQ(all->integer, 1);
    // One replica gone: the fewest any master reached is 0.
    auto masters = cluster.master_ports();
    for (std::size_t i = 0; i < cluster.size(); ++i)
        if (std::find(masters.begin(), masters.end(), cluster.node(i).port()) == masters.end()) {
            cluster.node(i).stop(SIGKILL);
            break;
        }
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(client({"SET", "key:" + std::to_string(i), "again"}));
    auto fewer = client({"WAIT", "1", "300"});
    ASSERT_TRUE(fewer && fewer->type == redis::Value::Type::integer)
        << (fewer ? fewer->text : "nullopt");
    EXPECT_EQ(fewer->integer, 0);
}

TEST(RedisClusterClient, FollowsAskDuringAMigrationAndMovedAfterIt) {
    RedisClusterProcess cluster;
    ClusterClient client(cluster);
    const std::string here = "here:{mig}", there = "there:{mig}";
    const int slot = key_slot(here);
    ASSERT_TRUE(client({"SET", here, "old"}));
    auto source = owner_of(cluster, here);
    std::size_t target = source;
    for (auto port : cluster.master_ports())
        if (index_of_port(cluster, port) != source) target = index_of_port(cluster, port);
    auto& from = cluster.node(source);
    auto& to = cluster.node(target);
    auto from_id = from.command("CLUSTER MYID"), to_id = to.command("CLUSTER MYID");
    auto slot_text = std::to_string(slot);

    // The slot migrates: a key the source no longer has is asked of the target, after ASKING.
    ASSERT_EQ(to.command("CLUSTER SETSLOT " + slot_text + " IMPORTING " + from_id), "+OK");
    ASSERT_EQ(from.command("CLUSTER SETSLOT " + slot_text + " MIGRATING " + to_id), "+OK");
    auto set = client({"SET", there, "new"});
    ASSERT_TRUE(set) << "no answer";
    EXPECT_EQ(set->text, "OK");
    auto got = client({"GET", there});
    ASSERT_TRUE(got);
    EXPECT_EQ(got->text, "new");
    EXPECT_EQ(to.command("DBSIZE"), ":1") << "the key was not written on the target";
    EXPECT_EQ(client.redirects(metrics::Metrics::RedisRedirect::ask), 2u);
    // The map did not change: a key still on the source is read there, with no redirection.
    auto old = client({"GET", here});
    ASSERT_TRUE(old);
    EXPECT_EQ(old->text, "old");
    EXPECT_EQ(client.redirects(metrics::Metrics::RedisRedirect::ask), 2u);
    EXPECT_EQ(client.redirects(metrics::Metrics::RedisRedirect::moved), 0u);

    // The last key moves and the slot is the target's: MOVED once, then the map knows.
    ASSERT_EQ(
        from.command("MIGRATE 127.0.0.1 " + std::to_string(to.port()) + " " + here + " 0 5000"),
        "+OK");
    for (std::size_t i = 0; i < cluster.size(); ++i)
        cluster.node(i).command("CLUSTER SETSLOT " + slot_text + " NODE " + to_id);
    // Every node has heard (a replica learns it from its master), so a map read now is new.
    const auto stale = "-MOVED " + slot_text + " 127.0.0.1:" + std::to_string(from.port());
    auto agreed = std::chrono::steady_clock::now() + default_timeout;
    for (std::size_t i = 0; i < cluster.size(); ++i)
        while (cluster.node(i).command("GET " + here) == stale &&
               std::chrono::steady_clock::now() < agreed)
            std::this_thread::sleep_for(20ms);
    auto refreshes = client.metrics.redis_slot_map_refreshes_total.load();
    auto moved = client({"GET", here});
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved->text, "old");
    EXPECT_EQ(client.redirects(metrics::Metrics::RedisRedirect::moved), 1u);
    for (int i = 0; i < 5; ++i) {
        auto again = client({"GET", here});
        ASSERT_TRUE(again);
        EXPECT_EQ(again->text, "old");
    }
    EXPECT_EQ(client.redirects(metrics::Metrics::RedisRedirect::moved), 1u);
    // The full map is read again after a MOVED.
    auto deadline = std::chrono::steady_clock::now() + 2s;
    while (client.metrics.redis_slot_map_refreshes_total.load() == refreshes &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    EXPECT_GT(client.metrics.redis_slot_map_refreshes_total.load(), refreshes);
}

TEST(RedisClusterClient, AfterAMasterIsKilledItsSlotsAreUnavailableUntilTheReplicaServesThem) {
    constexpr auto node_timeout = 1000ms;
    RedisClusterProcess cluster(3, 1, node_timeout);
    ClusterClient client(cluster);
    const std::string key = "parley:seq:{failover}";
    ASSERT_TRUE(client({"SET", key, "kept"}));
    auto all = client({"WAIT", "1", "2000"});
    ASSERT_TRUE(all && all->integer == 1) << "the replicas did not confirm";
    auto before = client.connects.load();
    auto masters = cluster.master_ports();
    auto killed = owner_of(cluster, key);
    auto survivor = killed == 0 ? 1 : 0;

    auto began = std::chrono::steady_clock::now();
    cluster.node(killed).stop(SIGKILL);
    std::optional<std::chrono::milliseconds> promoted, served;
    int unavailable = 0;
    auto since = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - began);
    };
    while (!served && since() < default_timeout * time_stretch) {
        auto asked = std::chrono::steady_clock::now();
        auto reply = client({"GET", key});
        if (reply) {
            ASSERT_EQ(reply->text, "kept") << "neither the value nor unavailable";
            served = since();
        } else {
            ++unavailable;
            EXPECT_LT(std::chrono::steady_clock::now() - asked, 1500ms)
                << "unavailable, but not at once";
        }
        if (!promoted) {
            auto now = cluster.master_ports(survivor);
            for (auto port : now)
                if (std::find(masters.begin(), masters.end(), port) == masters.end())
                    promoted = since();
        }
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(served) << "the client never reached the promoted replica";
    ASSERT_TRUE(promoted);
    std::printf(
        "failover: after kill -9, the replica was promoted at %lld ms and the client served "
        "the key at %lld ms (%d commands answered unavailable meanwhile)\n",
        static_cast<long long>(promoted->count()), static_cast<long long>(served->count()),
        unavailable);
    EXPECT_GT(unavailable, 0);
    // The node timeout, the election, and a few map reads at most refresh_max apart.
    EXPECT_LT(*served, node_timeout + 3000ms);
    EXPECT_LT(*served - *promoted, 4 * redis::cluster::refresh_max);
    // The new master was announced, and once the dead one is dropped the client is whole again.
    EXPECT_GT(client.connects.load(), before);
    EXPECT_TRUE(client.wait_until_connected());
    auto write = client({"INCR", "parley:seq:{failover}:n"});
    ASSERT_TRUE(write && write->type == redis::Value::Type::integer);
}

}  // namespace
}  // namespace parley::test
