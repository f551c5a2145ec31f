// redis::Connection given several endpoints (the bus on a Redis Cluster): it connects to the
// first that answers and, when that one is lost, moves on to the next.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <thread>

#include "harness.hpp"
#include "metrics/metrics.hpp"
#include "redis/connection.hpp"
#include "redis_process.hpp"

namespace parley::test {
namespace {

bool eventually(const std::function<bool()>& condition) {
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

TEST(RedisConnection, WithSeveralEndpointsItSkipsADeadOneAndMovesOnWhenItsNodeIsLost) {
    RedisProcess first(false), second(false);
    metrics::Metrics metrics;
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    auto connection = std::make_shared<redis::Connection>(
        io.get_executor(),
        std::vector<redis::Endpoint>{{"127.0.0.1", free_loopback_port(), 0},
                                     {"127.0.0.1", first.port(), 0},
                                     {"127.0.0.1", second.port(), 0}},
        "test", 16, metrics);
    std::atomic<int> connects{0};
    connection->on_connected = [&] { connects.fetch_add(1); };
    connection->start();
    std::thread thread([&] { io.run(); });
    auto ask = [&](std::vector<std::string> args) {
        std::promise<redis::Client::Reply> answer;
        auto reply = answer.get_future();
        connection->command(std::move(args),
                            [&answer](redis::Client::Reply r) { answer.set_value(r); });
        reply.wait_for(default_timeout);
        return reply.get();
    };

    // Past the endpoint nobody listens on, to the first Redis.
    ASSERT_TRUE(eventually([&] { return connection->connected(); }));
    ASSERT_TRUE(ask({"SET", "where", "here"}));
    EXPECT_EQ(first.command("GET where"), "here");
    EXPECT_EQ(second.command("GET where"), "$-1");

    // That Redis is gone: the connection comes back on the next one.
    first.stop(SIGKILL);
    ASSERT_TRUE(eventually([&] { return connects.load() == 2 && connection->connected(); }));
    auto set = ask({"SET", "where", "there"});
    ASSERT_TRUE(set && !set->is_error());
    EXPECT_EQ(second.command("GET where"), "there");
    EXPECT_EQ(metrics.redis_reconnects_total.load(), 1u);

    boost::asio::post(connection->strand(), [connection] { connection->abandon(); });
    work.reset();
    io.stop();
    thread.join();
}

}  // namespace
}  // namespace parley::test
