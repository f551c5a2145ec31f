// Regression tests for the hardening issue, each defect as a user saw it, against the real
// binary: what one connection does must not cost the server more than its limits or stall the io
// threads for everyone. A ping flood that never reads, and batches of expensive commands beside
// a canary.
#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <optional>
#include <thread>

#include "harness.hpp"
#include "raw_client.hpp"
#include "support.hpp"

namespace parley::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// ---- 1. a ping flood -----------------------------------------------------------------------

// One ping from the canary and its pong: the round trip, or nothing (a failure is added) when no
// pong came within `timeout`.
std::optional<milliseconds> ping_round_trip(Client& canary, int id, milliseconds timeout) {
    auto sent = steady_clock::now();
    canary.send(json{{"type", "ping"}, {"id", id}});
    try {
        canary.next_where([&](const json& f) { return f.value("id", -1) == id; }, timeout);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "no pong for the canary's ping " << id << ": " << e.what();
        return std::nullopt;
    }
    return since(sent);
}

// One connection that never says hello, sends pings with 125-byte payloads as fast as it can
// and never reads (a 4 KiB receive buffer): every pong it is owed counts against its queue, only
// the latest unanswered ping gets one, and pings cost against its command budget. Its cost to
// the server must stay within its queue limit plus a small constant (the bound below is 256
// times the queue limit and far below what an unbounded queue reaches in a few seconds), it must
// be cut off, and meanwhile the others are answered on time, including a client that pings once
// a second.
TEST(PingFlood, AClientThatPingsWithoutReadingCostsNoMoreThanItsQueueAndIsCutOff) {
    ServerProcess server{{"--max-queue-bytes", "64KiB"}};
    auto port = server.port();
    Client canary(port);
    canary.hello("canary");
    RawClient polite(port);
    RawClient flooder(port, "", 4096);
    constexpr long bound_kib = 16 * 1024;
    constexpr auto flood_time = 3s;
    const long before = server.rss_kib();
    ASSERT_GT(before, 0);

    std::atomic<bool> stop{false};
    std::atomic<long> pings_sent{0};
    std::thread flood([&] {
        std::string batch;
        for (int i = 0; i < 64; ++i) batch += client_frame(ping_op, std::string(125, 'p'));
        int fd = flooder.native_handle();
        std::size_t offset = 0;
        auto start = steady_clock::now();
        while (!stop && since(start) < flood_time) {
            auto n =
                send(fd, batch.data() + offset, batch.size() - offset, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                offset += static_cast<std::size_t>(n);
                if (offset == batch.size()) {
                    offset = 0;
                    pings_sent += 64;
                }
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                pollfd p{fd, POLLOUT, 0};
                poll(&p, 1, 10);
            } else {
                break;  // the server has closed it
            }
        }
    });

    long peak = before;
    milliseconds worst_pong{0};
    int polite_pongs = 0;
    auto start = steady_clock::now();
    auto next_polite = start;
    for (int id = 1; since(start) < flood_time; ++id) {
        peak = std::max(peak, server.rss_kib());
        if (peak - before > bound_kib) break;  // failed already; no need to watch it grow
        auto round_trip = ping_round_trip(canary, id, 5s);
        if (!round_trip) break;
        worst_pong = std::max(worst_pong, *round_trip);
        if (steady_clock::now() >= next_polite) {
            auto payload = "once a second " + std::to_string(polite_pongs);
            polite.send(client_frame(ping_op, payload));
            auto pong = polite.next(2s);
            EXPECT_TRUE(pong && pong->opcode == pong_op && pong->payload == payload)
                << "the polite client's ping " << polite_pongs << " got no pong";
            if (pong && pong->payload == payload) ++polite_pongs;
            next_polite += 1s;
        }
        std::this_thread::sleep_for(50ms);
    }
    stop = true;
    flood.join();
    peak = std::max(peak, server.rss_kib());

    EXPECT_GT(pings_sent.load(), 2000) << "the flood never got going";
    EXPECT_LT(peak - before, bound_kib) << "server RSS grew from " << before << " KiB to " << peak
                                        << " KiB during a flood of " << pings_sent << " pings";
    EXPECT_LT(worst_pong, 1000ms * time_stretch) << "slowest canary pong during the flood";
    if (peak - before <= bound_kib) {
        EXPECT_GE(polite_pongs, 3);  // unless the loop stopped early
    }

    // The flooder is cut off: what it finds when it finally reads is a close (1008 for the
    // flood; 1013 would mean its queue filled first), or a connection already gone.
    std::optional<std::uint16_t> close_code;
    auto reading = steady_clock::now();
    while (!close_code && since(reading) < 5s) {
        auto frame = flooder.next(5s - since(reading));
        if (!frame) break;
        if (frame->opcode == close_op) close_code = frame->close_code();
    }
    EXPECT_TRUE(close_code || flooder.ended()) << "the flooding connection is still open";
    if (close_code) {
        EXPECT_TRUE(*close_code == 1008 || *close_code == 1013) << *close_code;
    }

    // The others carry on.
    canary.send(json{{"type", "ping"}, {"id", 0}});
    EXPECT_EQ(canary.next_where([](const json& f) { return f.value("id", -1) == 0; })["type"],
              "pong");
}

// ---- 2. expensive commands -----------------------------------------------------------------

// `holders` connections that each join 350 channels (within the default command budget), and
// stay: the channels live as long as they do. The server needs --max-channels-per-session 350.
// Fifteen of them make 5,250 channels: enough that walking them all for every request, as
// before the fixes, stalled a canary for seconds.
std::vector<std::unique_ptr<RawClient>> hold_channels(std::uint16_t port, int holders) {
    constexpr int each = 350;
    std::vector<std::unique_ptr<RawClient>> members;
    for (int h = 0; h < holders; ++h) {
        members.push_back(identified(port, "holder" + std::to_string(h)));
        std::string joins;
        for (int c = 0; c < each; ++c) {
            auto channel = "c" + std::to_string(h) + "-" + std::to_string(c);
            joins += client_frame(text_op, json{{"type", "join"}, {"channel", channel}}.dump());
        }
        members.back()->send(joins);
    }
    for (auto& member : members)
        for (int joined = 0; joined < each;) {
            auto frame = member->next(30s);
            if (!frame)
                throw std::runtime_error("joins unanswered after " + std::to_string(joined));
            if (frame->opcode == text_op && json::parse(frame->payload)["type"] == "joined")
                ++joined;
        }
    return members;
}

// The canary pings every 50 ms until `done` holds and at least a second has passed (at most
// 15 s); returns its slowest round trip.
milliseconds slowest_ping(Client& canary, const std::function<bool()>& done) {
    milliseconds worst{0};
    auto start = steady_clock::now();
    for (int id = 1; (!done() || since(start) < 1s) && since(start) < 15s * time_stretch; ++id) {
        auto round_trip = ping_round_trip(canary, id, 30s);
        if (!round_trip) return 30s;
        worst = std::max(worst, *round_trip);
        std::this_thread::sleep_for(50ms);
    }
    return worst;
}

std::string channels_requests(int count) {
    std::string batch;
    for (int i = 0; i < count; ++i) batch += client_frame(text_op, R"({"type":"channels"})");
    return batch;
}

// A `channels` reply lists the channels. Two connections each send one write of 650
// {"type":"channels"} frames to a server with 5,250 channels and two io threads: each frame
// costs its sender 10 of a budget of 400 (refilled at 50 a second), a wakeup handles at most 64
// frames, and a sender far over its budget is closed 1008. So each attacker gets about 40 lists
// and the rest of the server waits at most for those. A canary pings every 50 ms throughout; its
// slowest round trip must stay under a second (tens of milliseconds on an idle machine). Before
// the fix both io threads answered all 1,300 requests in turn and the canary waited seconds.
TEST(CommandCost, TwoBatchesOfChannelsRequestsDoNotStallTheOtherConnections) {
    constexpr int attack_frames = 650;  // about 16 KiB in one write
    // The attackers' replies are large (up to 1,000 channels each): a queue big enough that
    // being closed for reading too slowly is not what the test sees.
    ServerProcess server{
        {"--threads", "2", "--max-channels-per-session", "350", "--max-queue-bytes", "64MiB"}};
    auto port = server.port();
    auto members = hold_channels(port, 15);
    Client canary(port);
    canary.hello("canary");
    canary.send(json{{"type", "channels"}, {"id", "count"}});
    auto listed = canary.next_where([](const json& f) { return f.value("id", "") == "count"; });
    ASSERT_EQ(listed["channels"].size(), 1000u);  // the list is capped at 1,000

    struct Outcome {
        int channels = 0, rate_limited = 0;
        std::optional<std::uint16_t> close_code;
    };
    Outcome outcomes[2];
    std::atomic<int> attackers_done{0};
    std::vector<std::unique_ptr<RawClient>> attackers;
    for (int a = 0; a < 2; ++a)
        attackers.push_back(identified(port, "attacker" + std::to_string(a)));
    auto batch = channels_requests(attack_frames);
    std::vector<std::thread> attacks;
    for (int a = 0; a < 2; ++a)
        attacks.emplace_back([&, a] {
            auto& attacker = *attackers[a];
            auto& outcome = outcomes[a];
            attacker.send(batch);
            auto start = steady_clock::now();
            while (since(start) < 30s && outcome.channels + outcome.rate_limited < attack_frames) {
                auto frame = attacker.next(30s - since(start));
                if (!frame) break;
                if (frame->opcode == close_op) {
                    outcome.close_code = frame->close_code();
                    break;
                }
                if (frame->opcode != text_op) continue;
                auto reply = json::parse(frame->payload);
                if (reply["type"] == "channels") ++outcome.channels;
                if (reply["type"] == "error" && reply["code"] == "rate_limited")
                    ++outcome.rate_limited;
            }
            ++attackers_done;
        });
    auto worst = slowest_ping(canary, [&] { return attackers_done == 2; });
    for (auto& attack : attacks) attack.join();

    EXPECT_LT(worst, 1000ms * time_stretch) << "slowest of the canary's pings";
    for (const auto& outcome : outcomes) {
        EXPECT_TRUE(outcome.rate_limited > 0 || outcome.close_code == 1008)
            << "an attacker was neither rate limited nor closed; it got " << outcome.channels
            << " channel lists";
        EXPECT_LT(outcome.channels, 100) << "channel lists served to one attacker";
        if (outcome.close_code) {
            EXPECT_EQ(*outcome.close_code, 1008);
        }
    }
}

// The command budget is per connection, and one address may hold 256 connections: 64
// connections from one address each spend all of their burst at once on 40 `channels` requests,
// none of them over any limit. Each list must be cheap for the others not to wait (it comes from
// a snapshot rebuilt at most once a second), so the canary's slowest round trip must stay under
// a second. When every request walked every channel, this stalled the canary for seconds.
TEST(CommandCost, ManyConnectionsEachWithinItsBudgetDoNotStallTheOthers) {
    constexpr int attacker_count = 64, each = 40;  // 40 × 10 = the default burst of 400
    // Replies are read promptly, but a queue with room to spare keeps 1013 out of the picture.
    ServerProcess server{
        {"--threads", "2", "--max-channels-per-session", "350", "--max-queue-bytes", "4MiB"}};
    auto port = server.port();
    auto members = hold_channels(port, 15);
    Client canary(port);
    canary.hello("canary");
    std::vector<std::unique_ptr<RawClient>> attackers;
    for (int a = 0; a < attacker_count; ++a)
        attackers.push_back(identified(port, "eager" + std::to_string(a)));

    // The attackers read everything, as fast as they can, on one thread of their own.
    ReplyCounter lists(R"("type":"channels")", {attackers});
    auto batch = channels_requests(each);
    for (auto& attacker : attackers) attacker->send(batch);
    auto worst = slowest_ping(canary, [&] { return lists.count() >= attacker_count * each / 2; });
    lists.stop();

    EXPECT_LT(worst, 1000ms * time_stretch)
        << "slowest of the canary's pings while " << attacker_count << " connections asked for "
        << attacker_count * each << " channel lists (" << lists.count() << " seen)";
}

// `who` lists a channel's members (up to the presence limit). 200 connections from one
// address, each within its command budget (150 requests weighing 2, of 400), ask for the list
// of a channel of 1,000 members at once. The list is encoded once and shared until someone
// arrives or leaves, so each answer is a copy; a canary's slowest ping must stay under a
// second. When every request encoded the thousand nicks anew, the canary waited seconds.
TEST(CommandCost, ManyWhoRequestsForALargeChannelDoNotStallTheOthers) {
    constexpr int crowd_size = 1000, asker_count = 200, each = 150;
    ServerProcess server{{"--threads", "2", "--max-connections-per-ip", "1400", "--max-queue-bytes",
                          "8MiB", "--presence-window", "250ms"}};
    auto port = server.port();
    std::vector<std::unique_ptr<RawClient>> crowd;
    for (int m = 0; m < crowd_size; ++m) {
        crowd.push_back(identified(port, "m" + std::to_string(m)));
        crowd.back()->send(client_frame(text_op, R"({"type":"join","channel":"crowd"})"));
    }
    std::vector<std::unique_ptr<RawClient>> askers;
    for (int a = 0; a < asker_count; ++a)
        askers.push_back(identified(port, "q" + std::to_string(a)));

    // Everyone reads everything as fast as it can (presence, and the lists), on one thread.
    ReplyCounter lists(R"("type":"who")", {crowd, askers});
    Client canary(port);
    canary.hello("canary");
    // The crowd is all there before the askers start.
    for (auto deadline = steady_clock::now() + 30s; steady_clock::now() < deadline;) {
        canary.send(json{{"type", "who"}, {"channel", "crowd"}, {"id", "n"}});
        auto who = canary.next_where([](const json& f) { return f.value("id", "") == "n"; });
        if (who["member_count"] == crowd_size) break;
        std::this_thread::sleep_for(100ms);
    }
    std::string batch;
    for (int i = 0; i < each; ++i)
        batch += client_frame(text_op, R"({"type":"who","channel":"crowd"})");
    for (auto& asker : askers) asker->send(batch);
    auto worst = slowest_ping(canary, [&] { return lists.count() >= asker_count * each * 9 / 10; });
    lists.stop();

    EXPECT_GE(lists.count(), asker_count * each * 9 / 10) << "member lists answered";
    EXPECT_LT(worst, 1000ms * time_stretch)
        << "slowest of the canary's pings while " << asker_count
        << " connections asked who is in a channel of " << crowd_size;
}

}  // namespace
}  // namespace parley::test
