// Regression tests for the hardening issue: each defect as a user or operator saw it, against the
// real binary. What one connection does must not cost the server more than its limits, stall the
// io threads for everyone, use up its file descriptors, take another user's identity or leave a
// command unanswered.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "raw_client.hpp"

namespace parley::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

milliseconds since(steady_clock::time_point start) {
    return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
}

// One sample of /metrics (e.g. `parley_closes_total{code="1008"}`), or -1 when it is absent.
double metric(std::uint16_t port, const std::string& sample) {
    std::istringstream lines(http_get(port, "/metrics").body);
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
    return -1;
}

// ---- plain TCP connections -----------------------------------------------------------------

// A TCP connection to the server from `source` that never sends a byte; -1 if it could not be
// made.
int open_idle(std::uint16_t port, const std::string& source) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// Whether the server has closed `fd` (end of stream or reset), without waiting.
bool closed_by_server(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return false;
    char byte;
    auto n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

// Idle connections, closed by the test at destruction.
class IdleConnections {
  public:
    ~IdleConnections() { close_all(); }
    void open(std::uint16_t port, const std::string& source) {
        if (int fd = open_idle(port, source); fd >= 0) fds_.push_back(fd);
    }
    std::size_t size() const { return fds_.size(); }
    std::size_t closed_by_server_count() const {
        std::size_t closed = 0;
        for (int fd : fds_) closed += closed_by_server(fd) ? 1 : 0;
        return closed;
    }
    // Waits until at least `expected` are closed by the server or `timeout` passes, then a moment
    // more so that a few too many would show; returns how many are closed.
    std::size_t wait_closed(std::size_t expected, milliseconds timeout) const {
        auto start = steady_clock::now();
        while (closed_by_server_count() < expected && since(start) < timeout)
            std::this_thread::sleep_for(20ms);
        std::this_thread::sleep_for(200ms);
        return closed_by_server_count();
    }
    void close_all() {
        for (int fd : fds_) close(fd);
        fds_.clear();
    }

  private:
    std::vector<int> fds_;
};

// The status line's code for a raw request (0 when the server closes or says nothing in time).
// Reads only up to the status line, so a 101 does not wait for the connection to end.
int status_of(std::uint16_t port, const std::string& request, milliseconds timeout = 5s) {
    int fd = open_idle(port, "127.0.0.1");
    if (fd < 0) return 0;
    send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string answer;
    auto start = steady_clock::now();
    while (answer.find("\r\n") == std::string::npos && since(start) < timeout) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>((timeout - since(start)).count())) <= 0) break;
        char chunk[512];
        auto n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        answer.append(chunk, static_cast<std::size_t>(n));
    }
    close(fd);
    if (answer.rfind("HTTP/1.", 0) != 0 || answer.size() < 12) return 0;
    return std::stoi(answer.substr(9, 3));
}

json say(const std::string& channel, const std::string& text, int id) {
    return json{{"type", "say"}, {"channel", channel}, {"text", text}, {"id", id}};
}

// ann's say reaches bob (both members of `channel`) and ann gets its ok.
void expect_chat_works(Client& ann, Client& bob, const std::string& channel,
                       const std::string& text, int id) {
    ann.send(say(channel, text, id));
    auto ok = ann.next_where([&](const json& f) { return f.value("id", -1) == id; });
    EXPECT_EQ(ok["type"], "ok") << ok.dump();
    auto message = bob.next_where([&](const json& f) { return f.value("text", "") == text; });
    EXPECT_EQ(message["from"], "ann");
}

// ---- 1. a ping flood -----------------------------------------------------------------------

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
        auto sent = steady_clock::now();
        canary.send(json{{"type", "ping"}, {"id", id}});
        try {
            canary.next_where([&](const json& f) { return f.value("id", -1) == id; }, 5s);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "no pong for the canary's ping " << id << ": " << e.what();
            break;
        }
        worst_pong = std::max(worst_pong, since(sent));
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

// A connection that has said hello as `nick`, for tests that write many frames at once.
std::unique_ptr<RawClient> identified(std::uint16_t port, const std::string& nick) {
    auto client = std::make_unique<RawClient>(
        port, client_frame(text_op, json{{"type", "hello"}, {"nick", nick}}.dump()));
    auto welcome = client->next();
    if (!welcome || json::parse(welcome->payload)["type"] != "welcome")
        throw std::runtime_error("no welcome for " + nick);
    return client;
}

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
    for (int id = 1; (!done() || since(start) < 1s) && since(start) < 15s; ++id) {
        auto sent = steady_clock::now();
        canary.send(json{{"type", "ping"}, {"id", id}});
        try {
            canary.next_where([&](const json& f) { return f.value("id", -1) == id; }, 30s);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "the canary's ping " << id << " got no pong: " << e.what();
            return 30s;
        }
        worst = std::max(worst, since(sent));
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
    std::atomic<bool> stop{false};
    std::atomic<long> lists{0};
    std::thread reader([&] {
        const std::string marker = R"("type":"channels")";
        std::vector<pollfd> fds;
        for (auto& attacker : attackers) fds.push_back({attacker->native_handle(), POLLIN, 0});
        std::vector<char> chunk(1 << 16);
        while (!stop) {
            if (poll(fds.data(), fds.size(), 20) <= 0) continue;
            for (auto& p : fds) {
                if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
                auto n = recv(p.fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
                if (n <= 0) {
                    p.fd = -1;  // closed: poll ignores it from now on
                    continue;
                }
                // Each list's header is in one piece often enough to count roughly.
                std::string_view bytes(chunk.data(), static_cast<std::size_t>(n));
                for (auto at = bytes.find(marker); at != bytes.npos;
                     at = bytes.find(marker, at + 1))
                    ++lists;
            }
        }
    });
    auto batch = channels_requests(each);
    for (auto& attacker : attackers) attacker->send(batch);
    auto worst = slowest_ping(canary, [&] { return lists >= attacker_count * each / 2; });
    stop = true;
    reader.join();

    EXPECT_LT(worst, 1000ms * time_stretch)
        << "slowest of the canary's pings while " << attacker_count << " connections asked for "
        << attacker_count * each << " channel lists (" << lists << " seen)";
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
    std::atomic<bool> stop{false};
    std::atomic<long> lists{0};
    std::thread reader([&] {
        const std::string marker = R"("type":"who")";
        std::vector<pollfd> fds;
        for (auto& c : crowd) fds.push_back({c->native_handle(), POLLIN, 0});
        for (auto& a : askers) fds.push_back({a->native_handle(), POLLIN, 0});
        std::vector<char> chunk(1 << 16);
        while (!stop) {
            if (poll(fds.data(), fds.size(), 20) <= 0) continue;
            for (auto& p : fds) {
                if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
                auto n = recv(p.fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
                if (n <= 0) {
                    p.fd = -1;
                    continue;
                }
                std::string_view bytes(chunk.data(), static_cast<std::size_t>(n));
                for (auto at = bytes.find(marker); at != bytes.npos;
                     at = bytes.find(marker, at + 1))
                    ++lists;
            }
        }
    });
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
    auto worst = slowest_ping(canary, [&] { return lists >= asker_count * each * 9 / 10; });
    stop = true;
    reader.join();

    EXPECT_GE(lists, asker_count * each * 9 / 10) << "member lists answered";
    EXPECT_LT(worst, 1000ms * time_stretch)
        << "slowest of the canary's pings while " << asker_count
        << " connections asked who is in a channel of " << crowd_size;
}

// ---- 3. file descriptors -------------------------------------------------------------------

// Every accepted TCP connection counts for its address, upgraded or not: of 400 idle ones from
// one address the server keeps 256 (--max-connections-per-ip) and closes the rest at once,
// while health checks from elsewhere and users already chatting carry on.
TEST(Descriptors, OneAddressKeepsAtMostItsShareOfIdleConnections) {
    ServerProcess server{{"--http-timeout", "60s"}};  // idle ones are not timed out meanwhile
    auto port = server.port();
    Client ann(port), bob(port);
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    bob.join("general");

    IdleConnections idle;
    for (int i = 0; i < 400; ++i) idle.open(port, "127.0.0.2");
    ASSERT_EQ(idle.size(), 400u);
    auto closed = idle.wait_closed(400 - 256, 5s);
    EXPECT_EQ(idle.size() - closed, 256u) << "idle connections the server keeps from one address";

    {
        FromAddress elsewhere("127.0.0.3");
        EXPECT_EQ(http_get(port, "/healthz").status, 200);
        EXPECT_EQ(metric(port, "parley_refused_connections_total{limit=\"per_ip\"}"), 400 - 256);
    }
    expect_chat_works(ann, bob, "general", "still here", 1);
}

// With an open-files limit of 300 and idle connections from many addresses (each under its own
// limit) until the server takes no more: the connections are capped below the limit, /healthz
// still answers from the descriptors kept for it, an identified user keeps chatting, new
// upgrades are refused, and the connections turned away are counted. Before the fix every
// descriptor was used and /healthz went unanswered.
TEST(Descriptors, AtTheOpenFilesLimitHealthChecksAndIdentifiedUsersStillWork) {
    constexpr std::size_t open_files = 300;
    ServerProcess server{{"--http-timeout", "60s"}, true, open_files};
    auto port = server.port();
    Client ann(port), bob(port);
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    bob.join("general");

    IdleConnections idle;
    for (int i = 0; i < 340; ++i) idle.open(port, "127.0.0." + std::to_string(2 + i % 49));
    ASSERT_EQ(idle.size(), 340u);
    // Some are closed at once: the total stays under the limit.
    auto refused = idle.wait_closed(1, 5s);
    EXPECT_GT(refused, 0u) << "every one of 340 idle connections was kept under a limit of "
                           << open_files << " open files";

    // Health checks come from the reserve (which idle connections can hold only a moment).
    bool healthy = false;
    auto start = steady_clock::now();
    while (!healthy && since(start) < 8s) {
        FromAddress monitor("127.0.0.100");
        auto answer = raw_request(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 1s);
        healthy = answer.rfind("HTTP/1.1 200 ", 0) == 0;
        if (!healthy) std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(healthy) << "/healthz did not answer 200 within 8 s at the open-files limit";

    // New WebSocket connections and other requests are turned away, not left hanging.
    {
        FromAddress newcomer("127.0.0.101");
        auto upgrade = upgrade_status(port);
        EXPECT_TRUE(upgrade == 503 || upgrade == 0) << upgrade;
        auto page = http_get(port, "/index.html");
        EXPECT_TRUE(page.status == 503 || page.status == 0) << page.status;
    }
    expect_chat_works(ann, bob, "general", "still chatting", 1);

    idle.close_all();
    double counted = -1;
    for (start = steady_clock::now(); counted < 0 && since(start) < 5s;)
        counted = metric(port, "parley_refused_connections_total{limit=\"open_limit\"}");
    EXPECT_GE(counted, static_cast<double>(refused));
}

// ---- 5. one reply per id -------------------------------------------------------------------

// A chat client that writes a burst of commands in one write, so that the server reads them
// together, and sorts what comes back into replies (with an id) and events (without).
class Pipeliner {
  public:
    Pipeliner(std::uint16_t port, const std::string& nick)
        : raw_(port, client_frame(text_op, json{{"type", "hello"}, {"nick", nick}}.dump())) {
        auto welcome = next_json(default_timeout);
        if (!welcome || (*welcome)["type"] != "welcome")
            throw std::runtime_error("no welcome for " + nick);
    }

    void burst(const std::vector<json>& commands) {
        std::string bytes;
        for (const auto& command : commands) bytes += client_frame(text_op, command.dump());
        raw_.send(bytes);
    }

    // Every frame that carries an id, until each of `ids` has had at least one or the time is
    // up; frames without an id are counted by type.
    std::vector<json> replies_until(const std::set<int>& ids, milliseconds timeout) {
        std::vector<json> replies;
        std::set<int> waiting = ids;
        auto start = steady_clock::now();
        while (!waiting.empty() && since(start) < timeout) {
            auto frame = next_json(timeout - since(start));
            if (!frame) break;
            if (!frame->contains("id")) {
                ++events_[frame->value("type", "?")];
                continue;
            }
            if ((*frame)["id"].is_number_integer()) waiting.erase((*frame)["id"].get<int>());
            replies.push_back(std::move(*frame));
        }
        return replies;
    }

    // Whatever replies arrive within `quiet` (there should be none left).
    std::vector<json> late_replies(milliseconds quiet) { return replies_until({-1}, quiet); }
    const std::map<std::string, int>& events() const { return events_; }

  private:
    std::optional<json> next_json(milliseconds timeout) {
        auto start = steady_clock::now();
        while (since(start) < timeout) {
            auto frame = raw_.next(timeout - since(start));
            if (!frame) return std::nullopt;
            if (frame->opcode == ping_op) raw_.send(client_frame(pong_op, frame->payload));
            if (frame->opcode == close_op)
                throw std::runtime_error("closed " + std::to_string(frame->close_code()));
            if (frame->opcode == text_op) return json::parse(frame->payload);
        }
        return std::nullopt;
    }

    RawClient raw_;
    std::map<std::string, int> events_;
};

json command(const std::string& type, const std::string& channel, int id) {
    json c{{"type", type}, {"channel", channel}, {"id", id}};
    if (type == "say") c["text"] = "said with id " + std::to_string(id);
    if (type == "history") c["limit"] = 5;
    return c;
}

// Replies by id, each id's replies in arrival order.
std::map<int, std::vector<json>> by_id(const std::vector<json>& replies) {
    std::map<int, std::vector<json>> ids;
    for (const auto& reply : replies) ids[reply["id"].get<int>()].push_back(reply);
    return ids;
}

// The issue's exact scenario: join g, leave g, join g in one burst. Each id gets exactly one
// reply, and the last one tells the truth: the client is a member, and its say succeeds.
void join_leave_join(std::uint16_t port, Client* other_member) {
    Pipeliner ann(port, "ann");
    ann.burst({command("join", "g", 1), command("leave", "g", 2), command("join", "g", 3)});
    auto replies = ann.replies_until({1, 2, 3}, default_timeout);
    auto late = ann.late_replies(300ms);
    replies.insert(replies.end(), late.begin(), late.end());
    auto ids = by_id(replies);
    std::string seen;
    for (const auto& reply : replies) seen += reply.dump() + "\n";
    ASSERT_EQ(ids.size(), 3u) << seen;
    for (int id : {1, 2, 3})
        ASSERT_EQ(ids[id].size(), 1u) << "replies to id " << id << ":\n" << seen;
    // The first join was overtaken by the leave, or completed before it: either way answered.
    auto first = ids[1][0];
    EXPECT_TRUE(first["type"] == "joined" ||
                (first["type"] == "error" && first["code"] == "not_member"))
        << first.dump();
    EXPECT_EQ(ids[2][0]["type"], "left") << seen;
    EXPECT_EQ(ids[3][0]["type"], "joined") << seen;

    ann.burst({command("say", "g", 4)});
    auto ok = ann.replies_until({4}, default_timeout);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0]["type"], "ok") << ok[0].dump();
    if (other_member)
        other_member->next_where(
            [](const json& f) { return f.value("text", "") == "said with id 4"; });
}

TEST(Pipelining, JoinLeaveJoinInAnEmptyChannelAnswersEachIdOnce) {
    ServerProcess server;
    join_leave_join(server.port(), nullptr);
}

TEST(Pipelining, JoinLeaveJoinWithOthersPresentAnswersEachIdOnce) {
    ServerProcess server;
    Client bob(server.port());
    bob.hello("bob");
    bob.join("g");
    join_leave_join(server.port(), &bob);
}

// Several clients pipeline random bursts of join, leave, say, who and history over a few
// channels. Every id must get exactly one reply of its command's kind, and what the replies say
// must agree with the commands taken in order: a leave or say succeeds exactly when the client
// is (or is becoming) a member, and a join is answered `joined` unless a later leave in the same
// burst overtook it (then `not_member`). The seed is printed with any failure; set
// PARLEY_TEST_SEED to replay it. Say limits are lifted; the other commands of a run stay well
// inside the default command budget (about 190 weighted of 400 per client), so that no limiter
// interferes and the test runs unchanged against builds without --command-rate.
TEST(Pipelining, EveryCommandWithAnIdGetsExactlyOneReplyInRandomBursts) {
    std::uint32_t seed = std::random_device{}();
    if (const char* fixed = std::getenv("PARLEY_TEST_SEED")) seed = std::stoul(fixed);
    SCOPED_TRACE("PARLEY_TEST_SEED=" + std::to_string(seed));
    std::mt19937 random(seed);

    ServerProcess server{{"--rate-per-sec", "100000", "--burst", "100000"}};
    constexpr int client_count = 5, rounds = 25;
    const std::vector<std::string> channels = {"p0", "p1", "p2"};
    std::vector<std::unique_ptr<Pipeliner>> clients;
    for (int c = 0; c < client_count; ++c)
        clients.push_back(std::make_unique<Pipeliner>(server.port(), "user" + std::to_string(c)));

    struct Expected {
        std::string command;
        std::set<std::string> replies;  // reply types; "error:CODE" for an error
        std::string describe;
    };
    std::vector<std::map<std::string, bool>> member(client_count);
    std::map<int, Expected> expected;
    std::map<int, int> answered;
    int next_id = 1;
    for (int round = 0; round < rounds; ++round) {
        std::vector<std::vector<json>> bursts(client_count);
        std::vector<std::set<int>> ids(client_count);
        for (int c = 0; c < client_count; ++c) {
            std::uniform_int_distribution<int> length(3, 10), which(0, 99),
                channel(0, static_cast<int>(channels.size()) - 1);
            int n = length(random);
            for (int i = 0; i < n; ++i) {
                int roll = which(random);
                std::string type = roll < 30   ? "join"
                                   : roll < 55 ? "leave"
                                   : roll < 80 ? "say"
                                   : roll < 90 ? "who"
                                               : "history";
                bursts[c].push_back(command(type, channels[channel(random)], next_id));
                ids[c].insert(next_id++);
            }
            // What each reply must be, from the commands in order.
            for (std::size_t i = 0; i < bursts[c].size(); ++i) {
                const auto& cmd = bursts[c][i];
                std::string type = cmd["type"], ch = cmd["channel"];
                Expected e{type,
                           {},
                           "client " + std::to_string(c) + " round " + std::to_string(round) +
                               ": " + cmd.dump()};
                bool& in = member[c][ch];
                if (type == "join") {
                    bool left_later = false;
                    for (std::size_t j = i + 1; j < bursts[c].size(); ++j)
                        left_later |=
                            bursts[c][j]["type"] == "leave" && bursts[c][j]["channel"] == ch;
                    e.replies = {"joined"};
                    if (!in && left_later) e.replies.insert("error:not_member");
                    in = true;
                } else if (type == "leave") {
                    e.replies = {in ? "left" : "error:not_member"};
                    in = false;
                } else if (type == "say") {
                    e.replies = {in ? "ok" : "error:not_member"};
                } else if (type == "who") {
                    e.replies = {"who"};
                } else {
                    e.replies = {"history", "error:no_such_channel", "error:busy"};
                }
                expected[cmd["id"].get<int>()] = e;
            }
        }
        for (int c = 0; c < client_count; ++c) clients[c]->burst(bursts[c]);
        for (int c = 0; c < client_count; ++c) {
            for (const auto& reply : clients[c]->replies_until(ids[c], default_timeout)) {
                if (!reply["id"].is_number_integer() || !expected.count(reply["id"].get<int>())) {
                    ADD_FAILURE() << "a reply to no command: " << reply.dump();
                    continue;
                }
                int id = reply["id"];
                ++answered[id];
                std::string kind = reply["type"] == "error"
                                       ? "error:" + reply.value("code", std::string("?"))
                                       : reply.value("type", std::string("?"));
                const auto& e = expected[id];
                EXPECT_TRUE(e.replies.count(kind)) << e.describe << " got " << reply.dump();
                EXPECT_EQ(answered[id], 1) << e.describe << " answered again: " << reply.dump();
            }
            for (int id : ids[c])
                if (!answered.count(id)) {
                    ADD_FAILURE() << expected[id].describe << " was never answered";
                    return;  // the run is off the rails: one failure says enough
                }
        }
    }
    for (auto& client : clients)
        for (const auto& reply : client->late_replies(300ms))
            ADD_FAILURE() << "late or second reply: " << reply.dump();
    // Only chat events come without an id.
    for (auto& client : clients)
        for (const auto& [type, count] : client->events())
            EXPECT_TRUE(type == "message" || type == "presence") << count << " × " << type;
}

// ---- 6. HTTP and the handshake -------------------------------------------------------------

std::string get(const std::string& target, const std::string& headers) {
    return "GET " + target + " HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n";
}

std::string upgrade(const std::string& host, const std::string& key_headers) {
    return "GET /ws HTTP/1.1\r\nHost: " + host +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
           key_headers + "\r\n";
}

TEST(HttpHardening, ARequestNeedsExactlyOneHostHeader) {
    ServerProcess server;
    auto port = server.port();
    EXPECT_EQ(status_of(port, get("/healthz", "")), 400);
    EXPECT_EQ(status_of(port, get("/healthz", "Host: a.example\r\nHost: b.example\r\n")), 400);
    EXPECT_EQ(status_of(port, get("/index.html", "Host: a.example\r\nHost: a.example\r\n")), 400);
    // HTTP/1.0 has no Host requirement.
    EXPECT_EQ(status_of(port, "GET /healthz HTTP/1.0\r\n\r\n"), 200);
    EXPECT_EQ(status_of(port, get("/healthz", "Host: a.example\r\n")), 200);
}

TEST(HttpHardening, ATransferCodingOtherThanChunkedIsNeverServed) {
    ServerProcess server;
    auto port = server.port();
    auto index = http_get(port, "/index.html");
    ASSERT_EQ(index.status, 200);
    // A proxy in front may frame such a request differently from this server: it is refused,
    // whether chunked comes last (framed, but with a coding not spoken here) or not at all.
    for (const std::string coding : {"gzip, chunked", "gzip", "chunked, gzip", "identity"}) {
        auto answer = raw_request(
            port, "GET /index.html HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
                      "\r\nConnection: close\r\n\r\n0\r\n\r\n");
        EXPECT_EQ(answer.rfind("HTTP/1.1 501 ", 0), 0u) << coding << ": " << answer.substr(0, 200);
        EXPECT_EQ(answer.find(index.body.substr(0, 64)), std::string::npos)
            << coding << ": the file was served";
    }
}

TEST(HttpHardening, AFileIsNotADirectory) {
    ServerProcess server;
    EXPECT_EQ(http_get(server.port(), "/index.html").status, 200);
    EXPECT_EQ(http_get(server.port(), "/index.html/").status, 404);
    EXPECT_EQ(http_get(server.port(), "/index.html/x").status, 404);
}

TEST(HttpHardening, AnUpgradeKeyMustBeOneSixteenByteValueInBase64) {
    ServerProcess server;
    auto port = server.port();
    auto host = "127.0.0.1:" + std::to_string(port);
    auto with_key = [&](const std::string& key) {
        return status_of(port, upgrade(host, "Sec-WebSocket-Key: " + key + "\r\n"));
    };
    EXPECT_EQ(with_key("dGhlIHNhbXBsZSBub25jZQ=="), 101);  // the RFC's example
    EXPECT_EQ(with_key("dGhlIHNhbXBsZQ=="), 400) << "10 bytes";
    EXPECT_EQ(with_key("dGhlIHNhbXBsZSBub25jZWE="), 400) << "17 bytes, 24 characters";
    EXPECT_EQ(with_key("dGhlIHNhbXBsZSBub25jZSBub25jZQ=="), 400) << "22 bytes";
    EXPECT_EQ(with_key("dGhlIHNhbXBsZSBub25j!!=="), 400) << "not base64";
    EXPECT_EQ(with_key("dGhlIHNhbXBsZSBub25jZR=="), 400) << "padding bits set";
    EXPECT_EQ(status_of(port, upgrade(host,
                                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                      "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n")),
              400)
        << "two keys";
}

TEST(HttpHardening, AllowedHostsAnswer421ForAnyOtherHost) {
    ServerProcess server{{"--allowed-hosts", "chat.example,localhost"}};
    auto port = server.port();
    auto attacker = "attacker.example:" + std::to_string(port);
    auto local = "localhost:" + std::to_string(port);
    const std::string key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    EXPECT_EQ(status_of(port, get("/", "Host: " + attacker + "\r\n")), 421);
    EXPECT_EQ(status_of(port, get("/api/channels/x/messages", "Host: " + attacker + "\r\n")), 421);
    EXPECT_EQ(status_of(port, upgrade(attacker, key)), 421);
    EXPECT_EQ(status_of(port, get("/", "Host: " + local + "\r\n")), 200);
    EXPECT_EQ(status_of(port, get("/api/channels/x/messages", "Host: " + local + "\r\n")), 404);
    EXPECT_EQ(status_of(port, upgrade(local, key)), 101);
    EXPECT_EQ(status_of(port, upgrade("CHAT.example", key)), 101);
}

}  // namespace
}  // namespace parley::test
