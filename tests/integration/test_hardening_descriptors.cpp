// Regression tests for the hardening issue, each defect as an operator saw it, against the real
// binary: connections must not use up the server's file descriptors. Idle connections from one
// address and from many at a low open-files limit, while health checks and users already
// chatting carry on.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <thread>

#include "harness.hpp"
#include "support.hpp"

namespace parley::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// ---- plain TCP connections -----------------------------------------------------------------

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

// ann's say reaches bob (both members of `channel`) and ann gets its ok.
// ann and bob, said hello, in "general": the users whose chat must keep working.
void both_in_general(Client& ann, Client& bob) {
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    bob.join("general");
}

void expect_chat_works(Client& ann, Client& bob, const std::string& channel,
                       const std::string& text, int id) {
    ann.send(say_frame(channel, text, id));
    auto ok = ann.next_where([&](const json& f) { return f.value("id", -1) == id; });
    EXPECT_EQ(ok["type"], "ok") << ok.dump();
    auto message = bob.next_where([&](const json& f) { return f.value("text", "") == text; });
    EXPECT_EQ(message["from"], "ann");
}

// ---- 3. file descriptors -------------------------------------------------------------------

// Every accepted TCP connection counts for its address, upgraded or not: of 400 idle ones from
// one address the server keeps 256 (--max-connections-per-ip) and closes the rest at once,
// while health checks from elsewhere and users already chatting carry on.
TEST(Descriptors, OneAddressKeepsAtMostItsShareOfIdleConnections) {
    ServerProcess server{{"--http-timeout", "60s"}};  // idle ones are not timed out meanwhile
    auto port = server.port();
    Client ann(port), bob(port);
    both_in_general(ann, bob);

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
    both_in_general(ann, bob);

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

}  // namespace
}  // namespace parley::test
