// The defences, as a client sees them: the Origin check, rate and connection limits, and
// /metrics, which counts what they turn away.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "harness.hpp"
#include "support.hpp"

namespace parley::test {
namespace {

// ---- /metrics ------------------------------------------------------------------------------

TEST(Metrics, TheEndpointIsValidPrometheusText) {
    ServerProcess server;
    auto samples = scrape(server.port());
    for (const char* name :
         {"parley_connections_open", "parley_connections_total", "parley_messages_in_total",
          "parley_bytes_out_total", "parley_fanout_deliveries_total", "parley_queue_bytes",
          "parley_errors_total{code=\"rate_limited\"}", "parley_closes_total{code=\"1013\"}",
          "parley_refused_upgrades_total{reason=\"origin\"}"})
        EXPECT_TRUE(samples.count(name)) << name;
    for (const auto& [name, value] : samples)
        if (name.find("_total") != std::string::npos) {
            EXPECT_GE(value, 0) << name;
        }
}

TEST(Metrics, CountersMoveWhenTheEventsHappen) {
    ServerProcess server;
    auto port = server.port();
    auto before = scrape(port);

    Client ann(port), bob(port);
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    bob.join("general");
    ann.send(say_frame("general", "counted", 1));
    bob.next_of_type("message");
    ann.next_of_type("ok");
    ann.send(std::string("not json"));
    EXPECT_EQ(ann.next_of_type("error")["code"], "bad_json");
    {
        Client binary(port);
        binary.send_binary("\x01");
        EXPECT_EQ(binary.wait_closed().code, 1003);
    }
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "http://evil.example"}}), 403);

    auto closes = "parley_closes_total{code=\"1003\"}";
    EXPECT_EQ(wait_for_metric(port, closes, before[closes] + 1), before[closes] + 1);
    // The sender's own copy and the stored count may be counted just after its `ok` arrives:
    // the copy goes through the fan-out on its io thread, the count on storage's thread.
    auto deliveries = "parley_fanout_deliveries_total", stored = "parley_messages_stored_total";
    EXPECT_EQ(wait_for_metric(port, deliveries, before[deliveries] + 2), before[deliveries] + 2);
    EXPECT_EQ(wait_for_metric(port, stored, before[stored] + 1), before[stored] + 1);
    auto after = scrape(port);
    auto delta = [&](const std::string& name) { return after[name] - before[name]; };
    EXPECT_EQ(delta("parley_connections_total"), 3);
    EXPECT_EQ(wait_for_metric(port, "parley_connections_open", 2), 2);
    EXPECT_GE(delta("parley_messages_in_total"), 6);  // 2 hello, 2 join, say, bad json, binary
    EXPECT_EQ(delta("parley_fanout_deliveries_total"), 2);  // one message, two members
    EXPECT_EQ(delta("parley_messages_stored_total"), 1);
    EXPECT_EQ(delta("parley_errors_total{code=\"bad_json\"}"), 1);
    EXPECT_EQ(delta("parley_refused_upgrades_total{reason=\"origin\"}"), 1);
    EXPECT_GT(delta("parley_bytes_out_total"), 0);
}

TEST(Metrics, AMetricsTokenProtectsTheEndpoint) {
    ServerProcess server{{"--metrics-token", "scrape-me"}};
    EXPECT_EQ(http_get(server.port(), "/metrics").status, 401);
    EXPECT_EQ(
        http_get(server.port(), "/metrics", "GET", {{"Authorization", "Bearer wrong"}}).status,
        401);
    auto allowed =
        http_get(server.port(), "/metrics", "GET", {{"Authorization", "Bearer scrape-me"}});
    EXPECT_EQ(allowed.status, 200);
    EXPECT_NE(allowed.body.find("parley_connections_total"), std::string::npos);
    EXPECT_EQ(http_get(server.port(), "/metrics?token=scrape-me").status, 200);
    EXPECT_EQ(http_get(server.port(), "/healthz").status, 200);  // only /metrics is protected
}

// ---- Origin --------------------------------------------------------------------------------

TEST(Origin, AForeignOriginGets403AndIsCounted) {
    ServerProcess server;
    auto port = server.port();
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "http://evil.example"}}), 403);
    // Same host, other port: another origin.
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "http://127.0.0.1:1"}}), 403);
    EXPECT_THROW(Client(port, "/ws", {{"Origin", "https://evil.example"}}), std::exception);
    EXPECT_EQ(scrape(port)["parley_refused_upgrades_total{reason=\"origin\"}"], 3);
}

TEST(Origin, SameOriginAndNoOriginAreAccepted) {
    ServerProcess server;
    auto port = server.port();
    auto same_origin = "http://127.0.0.1:" + std::to_string(port);
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", same_origin}}), 101);
    EXPECT_EQ(upgrade_status(port, "/ws"), 101);
    Client page(port, "/ws", {{"Origin", same_origin}});
    EXPECT_EQ(page.hello("ann")["type"], "welcome");
    EXPECT_EQ(scrape(port)["parley_refused_upgrades_total{reason=\"origin\"}"], 0);
}

TEST(Origin, AllowedOriginsExtendTheList) {
    ServerProcess server{{"--allowed-origins", "https://chat.example,http://localhost:3000"}};
    auto port = server.port();
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "https://chat.example"}}), 101);
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "http://localhost:3000"}}), 101);
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "http://127.0.0.1:" + std::to_string(port)}}),
              101);
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "https://evil.example"}}), 403);
}

TEST(Origin, AStarAllowsEveryOriginWithAWarning) {
    ServerProcess server{{"--allowed-origins", "*"}};
    EXPECT_EQ(upgrade_status(server.port(), "/ws", {{"Origin", "https://evil.example"}}), 101);
    EXPECT_TRUE(server.wait_for_log("--allowed-origins '*'"));
}

// ---- rate limits ---------------------------------------------------------------------------

// With --rate-per-sec 5 and --burst 10 the flood threshold is 10 + 5 × 5/s × 3 s = 85 messages
// in quick succession (auth/rate_limiter.hpp): of the 300 the flooder sends as fast as it can,
// the server must answer fewer than 100 (ok or rate_limited) before closing it 1008, and ignore
// the rest. The flooder runs on its own thread, so its pace does not depend on the rest of the
// test. Meanwhile bob's messages must reach carol within one second each, which is the bound
// asserted: a flooder costs others nothing visible. Bob sends at most 8 plus one, within his own
// burst of 10.
TEST(RateLimit, AFlooderIsRateLimitedThenClosed1008WhileOthersChatOnTime) {
    ServerProcess server{{"--rate-per-sec", "5", "--burst", "10"}};
    Client flooder(server.port()), bob(server.port()), carol(server.port());
    flooder.hello("flooder");
    bob.hello("bob");
    carol.hello("carol");
    for (auto* client : {&flooder, &bob, &carol}) client->join("general");

    constexpr int max_flood = 300;
    constexpr int max_probes = 8;
    constexpr auto on_time = 1000ms;
    std::atomic<bool> flood_over{false};
    int sent = 0;
    std::thread flood([&] {
        for (; sent < max_flood && !flooder.is_closed(); ++sent) {
            try {
                flooder.send(say_frame("general", "spam", 1000 + sent));
            } catch (const std::exception&) {
                break;  // the server closed it while we were sending
            }
        }
        flood_over = true;
    });

    int bob_id = 0;
    std::chrono::milliseconds worst{0};
    try {
        while (bob_id < max_probes && (!flood_over || bob_id < 3)) {
            ++bob_id;
            auto text = "still here " + std::to_string(bob_id);
            auto start = std::chrono::steady_clock::now();
            bob.send(say_frame("general", text, bob_id));
            carol.next_where([&](const json& f) { return f.value("text", "") == text; });
            worst = std::max(worst, since(start));
        }
    } catch (const std::exception& e) {
        ADD_FAILURE() << "bob's message " << bob_id << " did not reach carol: " << e.what();
    }
    flood.join();

    auto rate_limited = flooder.next_where([](const json& f) {
        return f.value("type", "") == "error" && f["code"] == "rate_limited";
    });
    EXPECT_EQ(rate_limited["message"].get<std::string>().empty(), false);
    auto closed = flooder.wait_closed();
    EXPECT_EQ(closed.code, 1008);
    EXPECT_EQ(closed.reason, "flooding");
    int answered = 1;  // the rate_limited above
    while (auto frame = flooder.next(0ms))
        if (frame->value("id", 0) >= 1000) ++answered;
    EXPECT_GE(answered, 10) << "the burst is accepted";
    EXPECT_LT(answered, 100) << "flood messages handled before the close";
    EXPECT_LT(worst, on_time) << "slowest of bob's messages to carol";

    // Life goes on for the others after the flooder is gone.
    bob.send(say_frame("general", "after", 99));
    auto ok = bob.next_where([](const json& f) { return f.value("id", 0) == 99; });
    EXPECT_EQ(ok["type"], "ok") << ok.dump();
    carol.next_where([](const json& f) { return f.value("text", "") == "after"; });
    auto samples = scrape(server.port());
    EXPECT_GE(samples["parley_errors_total{code=\"rate_limited\"}"], 1);
    EXPECT_EQ(wait_for_metric(server.port(), "parley_closes_total{code=\"1008\"}", 1), 1);
}

// ---- connection limits ---------------------------------------------------------------------

TEST(ConnectionLimits, AThirdConnectionFromOneAddressIsClosedAtOnceAndCounted) {
    ServerProcess server{{"--max-connections-per-ip", "2"}};
    auto port = server.port();
    auto first = std::make_unique<Client>(port);
    Client second(port);
    first->hello("ann");
    second.hello("bob");
    // Every connection counts, upgraded or not: the third is closed before it is read.
    EXPECT_EQ(upgrade_status(port), 0);
    EXPECT_EQ(http_get(port, "/healthz").status, 0);
    {
        // Another address is not held back by this one.
        FromAddress elsewhere("127.0.0.2");
        EXPECT_EQ(http_get(port, "/healthz").status, 200);
        EXPECT_EQ(scrape(port)["parley_refused_connections_total{limit=\"per_ip\"}"], 2);
    }

    // Once one leaves, a new one is admitted (the release is asynchronous: retry a while).
    first.reset();
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline && (status = upgrade_status(port)) != 101)
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(status, 101);
}

TEST(ConnectionLimits, MaxConnectionsCapsTheTotal) {
    ServerProcess server{{"--max-connections", "2"}};
    auto port = server.port();
    Client ann(port), bob(port);
    ann.hello("ann");
    bob.hello("bob");
    EXPECT_EQ(upgrade_status(port), 503);
    EXPECT_THROW(Client{port}, std::exception);
    EXPECT_EQ(scrape(port)["parley_refused_upgrades_total{reason=\"max_connections\"}"], 2);
    // The two already in keep chatting.
    ann.join("general");
    bob.join("general");
    ann.send(say_frame("general", "fine", 1));
    EXPECT_EQ(bob.next_of_type("message")["text"], "fine");
}

}  // namespace
}  // namespace parley::test
