// Webhooks against a real HTTP receiver started by the test: signed, in order per channel, at
// least once through failures, outages, kill -9 and a second node; and never in chat's way.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "support.hpp"
#include "webhook_receiver.hpp"

namespace parley::test {
namespace {

const std::string secret = "a webhook secret for the tests";

std::vector<std::string> webhook_args(const WebhookReceiver& receiver,
                                      std::vector<std::string> more = {}) {
    std::vector<std::string> args{"--webhook", receiver.url(),        "--webhook-secret",
                                  secret,      "--webhook-retry-min", "100ms"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

// Says `text` and waits for its ok; returns the seq.
std::int64_t say(Client& client, const std::string& channel, const std::string& text, int id) {
    client.send(say_frame(channel, text, id));
    auto ok = client.next_where([&](const json& f) { return f.value("id", -1) == id; });
    EXPECT_EQ(ok["type"], "ok") << ok.dump();
    return ok.value("seq", std::int64_t{0});
}

// The 2xx-answered requests' events by channel, in the order they were answered.
std::map<std::string, std::vector<std::int64_t>> seqs_by_channel(
    const std::vector<WebhookRequest>& requests) {
    std::map<std::string, std::vector<std::int64_t>> seqs;
    for (const auto& r : requests) seqs[r.event_json["channel"]].push_back(r.event_json["seq"]);
    return seqs;
}

std::vector<std::int64_t> one_to(std::int64_t n) {
    std::vector<std::int64_t> all;
    for (std::int64_t i = 1; i <= n; ++i) all.push_back(i);
    return all;
}

TEST(Webhooks, EveryEventIsPostedSignedInOrderPerChannelAsMembersSawIt) {
    WebhookReceiver receiver;
    ServerProcess server(webhook_args(receiver, {"--webhook-channels", "general,other"}));
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    for (const auto* channel : {"general", "other", "elsewhere"}) {
        ann.join(channel);
        bob.join(channel);
    }
    int id = 1;
    for (int i = 0; i < 10; ++i) {
        say(ann, "general", "g" + std::to_string(i), id++);
        say(ann, "other", "o" + std::to_string(i), id++);
    }
    say(ann, "elsewhere", "not listed: not posted", id++);
    ann.send(
        json{{"type", "edit"}, {"channel", "general"}, {"seq", 1}, {"text", "g0!"}, {"id", id++}});
    ann.send(
        json{{"type", "react"}, {"channel", "general"}, {"seq", 2}, {"emoji", "👍"}, {"id", id++}});
    ann.send(json{{"type", "delete"}, {"channel", "general"}, {"seq", 3}, {"id", id++}});
    // What bob, a member, was sent: the webhooks get the very same JSON.
    std::vector<json> seen;
    while (seen.size() < 23) {
        auto frame = bob.next_where([](const json& f) {
            return f["type"] == "message" || f["type"] == "edited" || f["type"] == "reaction" ||
                   f["type"] == "deleted";
        });
        if (frame["channel"] != "elsewhere") seen.push_back(frame);
    }

    ASSERT_TRUE(receiver.wait_for_accepted(23, 10s)) << receiver.accepted();
    std::this_thread::sleep_for(300ms);  // nothing more comes: elsewhere is not listed
    auto got = receiver.received();
    ASSERT_EQ(got.size(), 23u);
    std::set<std::string> deliveries, types;
    for (const auto& r : got) {
        EXPECT_EQ(r.target, "/hook");
        EXPECT_EQ(r.content_type, "application/json");
        EXPECT_EQ(r.signature, hmac_sha256_header(secret, r.body)) << r.body;
        EXPECT_NE(r.signature, hmac_sha256_header("another secret", r.body));
        EXPECT_EQ(r.event, r.event_json["type"]);
        EXPECT_NE(r.event_json["channel"], "elsewhere");
        deliveries.insert(r.delivery);
        types.insert(r.event);
        auto same = std::find_if(seen.begin(), seen.end(), [&](const json& s) {
            return s["channel"] == r.event_json["channel"] && s["seq"] == r.event_json["seq"];
        });
        ASSERT_NE(same, seen.end()) << r.body;
        EXPECT_EQ(*same, r.event_json);
    }
    EXPECT_EQ(deliveries.size(), 23u);  // one id per event
    EXPECT_EQ(types, (std::set<std::string>{"message", "edited", "reaction", "deleted"}));
    auto seqs = seqs_by_channel(got);
    EXPECT_EQ(seqs["general"], one_to(13));
    EXPECT_EQ(seqs["other"], one_to(10));
    EXPECT_EQ(metric(server.port(), "parley_webhook_deliveries_total{result=\"ok\"}"), 23);
}

TEST(Webhooks, AnAnswerOf500IsRetriedAndTheChannelWaitsForIt) {
    WebhookReceiver receiver;
    std::atomic<int> requests{0};
    receiver.answer_with([&](const WebhookRequest&) { return ++requests == 1 ? 500 : 200; });
    ServerProcess server(webhook_args(receiver));
    Client ann(server.port());
    ann.hello("ann");
    ann.join("general");
    say(ann, "general", "first", 1);
    say(ann, "general", "second", 2);
    ASSERT_TRUE(receiver.wait_for_accepted(2, 10s));
    auto got = receiver.received();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].event_json["text"], "first");  // answered 500
    EXPECT_EQ(got[1].event_json["text"], "first");  // again, the same delivery
    EXPECT_EQ(got[0].delivery, got[1].delivery);
    EXPECT_EQ(got[2].event_json["text"], "second");
    EXPECT_NE(got[2].delivery, got[1].delivery);
    EXPECT_EQ(metric(server.port(), "parley_webhook_deliveries_total{result=\"failed\"}"), 1);
}

TEST(Webhooks, AReceiverDownForTenSecondsLosesNothing) {
    WebhookReceiver receiver(0, false);  // refuses connections
    ServerProcess server(webhook_args(receiver));
    Client ann(server.port());
    ann.hello("ann");
    ann.join("general");
    ann.join("other");
    int id = 1;
    for (int i = 0; i < 10; ++i) {
        say(ann, "general", "g" + std::to_string(i), id++);
        say(ann, "other", "o" + std::to_string(i), id++);
    }
    std::this_thread::sleep_for(10s);
    EXPECT_GT(metric(server.port(), "parley_webhook_deliveries_total{result=\"failed\"}"), 2);
    EXPECT_EQ(metric(server.port(), "parley_webhook_pending"), 20);
    receiver.start();
    ASSERT_TRUE(receiver.wait_for_accepted(20, 15s)) << receiver.accepted();
    auto seqs = seqs_by_channel(receiver.received());
    EXPECT_EQ(seqs["general"], one_to(10));
    EXPECT_EQ(seqs["other"], one_to(10));
    EXPECT_EQ(wait_for_metric(server.port(), "parley_webhook_pending", 0), 0);
}

TEST(Webhooks, KillNineWithDeliveriesPendingThenRestartDeliversThemAll) {
    TempDir dir;
    WebhookReceiver receiver(0, false);
    auto args = webhook_args(receiver, {"--data", dir.file("parley.db")});
    {
        ServerProcess server(args);
        Client ann(server.port());
        ann.hello("ann");
        ann.join("general");
        for (int i = 1; i <= 20; ++i) say(ann, "general", "m" + std::to_string(i), i);
        server.stop(SIGKILL);
    }
    receiver.start();
    ServerProcess again(args);
    ASSERT_TRUE(receiver.wait_for_accepted(20, 10s)) << receiver.accepted();
    EXPECT_EQ(seqs_by_channel(receiver.received())["general"], one_to(20));
}

std::int64_t percentile(std::vector<std::int64_t> values, double p) {
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

// p99 of say -> message seen by another member, over 300 messages, in microseconds.
std::int64_t say_to_message_p99(Client& ann, Client& bob, int& id) {
    std::vector<std::int64_t> micros;
    for (int i = 0; i < 300; ++i) {
        auto start = std::chrono::steady_clock::now();
        ann.send(say_frame("room", "ping " + std::to_string(i), id++));
        bob.next_where([&](const json& f) {
            return f["type"] == "message" && f["text"] == "ping " + std::to_string(i);
        });
        micros.push_back(std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count());
    }
    return percentile(micros, 0.99);
}

TEST(Webhooks, AReceiverThatNeverAnswersDoesNotSlowChat) {
    WebhookReceiver receiver;
    receiver.answer_with([](const WebhookRequest&) { return 0; });
    std::vector<std::string> fast{"--rate-per-sec", "100000", "--burst", "100000"};
    std::int64_t without, with;
    {
        ServerProcess server(fast);
        Client ann(server.port()), bob(server.port());
        ann.hello("ann");
        bob.hello("bob");
        ann.join("room");
        bob.join("room");
        int id = 1;
        without = say_to_message_p99(ann, bob, id);
    }
    ServerProcess server(webhook_args(receiver, fast));
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    int id = 1;
    for (int c = 0; c < 10; ++c) ann.join("queue" + std::to_string(c));
    for (int i = 0; i < 1000; ++i) say(ann, "queue" + std::to_string(i % 10), "q", id++);
    ann.join("room");
    bob.join("room");
    with = say_to_message_p99(ann, bob, id);
    // Counted once a second: every event is still pending (1000, and the 300 pings).
    auto pending_since = std::chrono::steady_clock::now();
    while (metric(server.port(), "parley_webhook_pending") < 1300 && since(pending_since) < 5s)
        std::this_thread::sleep_for(100ms);
    EXPECT_EQ(metric(server.port(), "parley_webhook_pending"), 1300);
    std::printf(
        "say -> message p99: %lld us without webhooks, %lld us with 1000+ queued for a "
        "receiver that never answers\n",
        static_cast<long long>(without), static_cast<long long>(with));
    EXPECT_LT(with, std::max<std::int64_t>(without * 3, without + 20'000) * time_stretch);
}

TEST(Webhooks, TwoClusterNodesDeliverEachEventOnceInOrder) {
    RedisProcess redis;
    WebhookReceiver receiver;
    ServerProcess one(webhook_args(receiver, {"--redis", redis.url(), "--node", "one"}));
    ServerProcess two(webhook_args(receiver, {"--redis", redis.url(), "--node", "two"}));
    Client ann(one.port()), bob(two.port());
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    bob.join("general");
    for (int i = 1; i <= 15; ++i) {
        say(ann, "general", "a" + std::to_string(i), i);
        say(bob, "general", "b" + std::to_string(i), i);
    }
    bob.send(
        json{{"type", "react"}, {"channel", "general"}, {"seq", 1}, {"emoji", "👍"}, {"id", 99}});
    bool all = receiver.wait_for_accepted(31, 15s);
    if (!all) {
        for (const auto& r : receiver.received())
            std::printf("%s %s\n", r.delivery.c_str(), r.event.c_str());
        std::printf("xlen %s\n", redis.command("XLEN parley:webhooks").c_str());
        std::printf("pending %s\n",
                    redis.command("XPENDING parley:webhooks " + receiver.url()).c_str());
    }
    ASSERT_TRUE(all);
    std::this_thread::sleep_for(1s);  // and no second copy comes
    auto got = receiver.received();
    EXPECT_EQ(got.size(), 31u);
    EXPECT_EQ(seqs_by_channel(got)["general"], one_to(31));
    for (const auto& r : got) EXPECT_EQ(r.signature, hmac_sha256_header(secret, r.body));
    EXPECT_EQ(got.back().event, "reaction");
}

TEST(Webhooks, AWebhookWithoutASecretOrWithABadUrlIsRefusedAtStartUp) {
    auto no_secret = run_parley({"serve", "--webhook", "http://127.0.0.1:9/hook"});
    EXPECT_EQ(no_secret.exit_code, 2);
    EXPECT_NE(no_secret.output.find("--webhook needs --webhook-secret"), std::string::npos)
        << no_secret.output;
    auto bad = run_parley({"serve", "--webhook", "ftp://example.com/", "--webhook-secret", "s"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.output.find("http:// or https://"), std::string::npos) << bad.output;
    auto hidden = run_parley(
        {"serve", "--webhook", "http://a/", "--webhook-secret", "s3cr3t-value", "--port", "99999"});
    EXPECT_EQ(hidden.output.find("s3cr3t-value"), std::string::npos) << hidden.output;
}

}  // namespace
}  // namespace parley::test
