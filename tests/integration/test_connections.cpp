// Close codes, timeouts, the slow consumer and graceful shutdown.
#include <gtest/gtest.h>

#include <boost/asio/write.hpp>

#include "harness.hpp"

namespace parley::test {
namespace {

TEST(CloseCodes, BinaryFrameCloses1003) {
    ServerProcess server;
    Client ann(server.port());
    ann.hello("ann");
    ann.send_binary("\x01\x02");
    EXPECT_EQ(ann.wait_closed().code, 1003);
}

TEST(CloseCodes, InvalidUtf8Closes1007) {
    ServerProcess server;
    Client ann(server.port());
    ann.send(std::string("{\"type\":\"ping\",\"id\":\"\xff\xfe\"}"));
    EXPECT_EQ(ann.wait_closed().code, 1007);
}

TEST(CloseCodes, FrameOverTheLimitCloses1009) {
    ServerProcess server{{"--max-frame-bytes", "4096"}};
    Client ann(server.port());
    ann.hello("ann");
    ann.send(json{{"type", "ping"}, {"id", std::string(5000, 'x')}});
    EXPECT_EQ(ann.wait_closed().code, 1009);
}

TEST(CloseCodes, NoHelloInTimeCloses1008) {
    ServerProcess server{{"--hello-timeout", "300ms"}};
    Client ann(server.port());
    auto closed = ann.wait_closed();
    EXPECT_EQ(closed.code, 1008);
    EXPECT_EQ(closed.reason, "hello timeout");
    Client bob(server.port());
    bob.hello("bob");
    EXPECT_TRUE(bob.nothing_within(800ms));
    EXPECT_FALSE(bob.is_closed());
}

TEST(CloseCodes, OthersKeepChattingWhenOneIsClosed) {
    ServerProcess server;
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    bob.join("general");
    ann.send_binary("x");
    EXPECT_EQ(ann.wait_closed().code, 1003);
    bob.send(json{{"type", "say"}, {"channel", "general"}, {"text", "still here"}, {"id", 1}});
    EXPECT_EQ(bob.next_of_type("ok")["id"], 1);
}

TEST(Shutdown, SigtermSends1001AndExitsZero) {
    ServerProcess server;
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    kill(server.pid(), SIGTERM);
    EXPECT_EQ(ann.wait_closed().code, 1001);
    EXPECT_EQ(bob.wait_closed().code, 1001);
    EXPECT_EQ(server.wait_exit(), 0);
}

TEST(SlowConsumer, AStuckReaderIsClosed1013WhileOthersGetEveryMessageOnTime) {
    ServerProcess server{
        {"--max-queue-bytes", "256KiB", "--rate-per-sec", "100000", "--burst", "100000"}};
    Client stuck(server.port()), sender(server.port()), reader(server.port());
    stuck.hello("stuck");
    stuck.join("flood");
    sender.hello("sender");
    sender.join("flood");
    reader.hello("reader");
    reader.join("flood");
    auto rss_before = server.rss_kib();

    // stuck never runs its io_context again until the end: it reads nothing. The kernel's
    // socket buffers take the first few megabytes; past them the server's queue fills.
    const std::string text(3000, 'a');
    constexpr int max_messages = 6000;
    std::chrono::milliseconds worst{0};
    bool closed_as_slow = false;
    int sent_count = 0;
    for (int i = 1; i <= max_messages && !closed_as_slow; ++i) {
        auto sent = std::chrono::steady_clock::now();
        sender.send(json{{"type", "say"}, {"channel", "flood"}, {"text", text}, {"id", i}});
        reader.next_where([&](const json& f) { return f["type"] == "message" && f["seq"] == i; });
        worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - sent));
        sender.next_where([&](const json& f) { return f["type"] == "ok" && f["id"] == i; });
        if (i % 100 == 0) closed_as_slow = server.wait_for_log("slow consumer", 0ms);
        sent_count = i;
    }
    ASSERT_TRUE(closed_as_slow) << "no slow consumer after " << sent_count << " messages";
    // The bound this test promises: every message reached the healthy reader within a second.
    EXPECT_LT(worst.count(), 1000) << "slowest delivery to the healthy reader";
    // The server does not keep the stuck client's backlog: memory stays bounded.
    EXPECT_LT(server.rss_kib() - rss_before, 64 * 1024);

    // Reading now, the stuck client finds what fit in its queue, then close 1013.
    Closed closed;
    try {
        closed = stuck.wait_closed(20s);
    } catch (const std::exception& e) {
        FAIL() << e.what() << "\n" << server.logs();
    }
    EXPECT_EQ(closed.code, 1013);
    auto metrics = http_get(server.port(), "/metrics").body;
    EXPECT_NE(metrics.find("parley_slow_consumers_total 1"), std::string::npos);
    EXPECT_NE(metrics.find("parley_closes_total{code=\"1013\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace parley::test
