#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "latency_histogram.hpp"
#include "process_stats.hpp"
#include "results.hpp"
#include "welcome.hpp"
#include "worker.hpp"
#include "ws_connection.hpp"

namespace bench {
namespace {

// The database's bytes on disk, its write-ahead log included.
std::optional<std::uint64_t> database_bytes(const std::string& path) {
    struct stat info {};
    if (path.empty() || ::stat(path.c_str(), &info) != 0) return std::nullopt;
    std::uint64_t total = static_cast<std::uint64_t>(info.st_size);
    if (::stat((path + "-wal").c_str(), &info) == 0)
        total += static_cast<std::uint64_t>(info.st_size);
    return total;
}

std::optional<ProcessSample> sample_server(const Options& options) {
    if (options.server_pids.empty()) return std::nullopt;
    return sample_process(options.server_pids.front());
}

struct Timed {
    LatencyHistogram welcome;  // hello sent to welcome received
    LatencyHistogram connect;  // TCP connect and WebSocket upgrade, before the hello
    std::uint64_t welcomes = 0;
    std::uint64_t bytes = 0;  // of the welcomes
};

// One login: a fresh connection, hello with the token, the welcome checked, close. Throws when
// the welcome is not what the user's setup made it.
void log_in(const WsTarget& target, int timeout_ms, const WelcomeUser& user, Timed* timed) {
    const std::int64_t start = monotonic_ns();
    WsConnection connection(target, timeout_ms);
    const std::int64_t upgraded = monotonic_ns();
    const std::string welcome = connection.request(
        R"({"type":"hello","nick":")" + user.nick + R"(","token":")" + user.token + "\"}",
        "welcome", timeout_ms);
    const std::int64_t welcomed = monotonic_ns();
    connection.close();
    if (const auto wrong = check_welcome(welcome, user); !wrong.empty())
        throw std::runtime_error("wrong welcome for " + user.nick + ": " + wrong);
    if (!timed) return;
    timed->connect.record(upgraded - start);
    timed->welcome.record(welcomed - upgraded);
    ++timed->welcomes;
    timed->bytes += welcome.size();
}

void print_latency(const char* name, const LatencyHistogram& h, const char* what) {
    std::printf("%-12s: p50 %s  p90 %s  p99 %s  max %s  (%s, %llu samples)\n", name,
                milliseconds(h.percentile(0.5)).c_str(), milliseconds(h.percentile(0.9)).c_str(),
                milliseconds(h.percentile(0.99)).c_str(), milliseconds(h.max()).c_str(), what,
                static_cast<unsigned long long>(h.count()));
}

}  // namespace

int run_welcome(const Options& options) {
    const WsTarget target = parse_ws_url(options.urls.front());
    const int timeout_ms = static_cast<int>(options.handshake_timeout_s * 1000);
    std::printf(
        "parley-bench welcome: %s, %zu user%s, each keeping %u channels (%u messages from "
        "others in each, 1 in 4 mentioning it) and %u conversations\n",
        options.urls.front().c_str(), options.tokens.size(), options.tokens.size() == 1 ? "" : "s",
        options.channels, options.messages, options.conversations);
    std::fflush(stdout);

    const auto bytes_before = database_bytes(options.data_file);
    std::vector<WelcomeUser> users;
    for (std::uint32_t i = 0; i < options.tokens.size(); ++i) {
        const auto start = std::chrono::steady_clock::now();
        users.push_back(set_up_welcome_user(options, target, i));
        const WelcomeUser& user = users.back();
        std::uint64_t dms = 0;
        for (const auto& c : user.conversations) dms += c.last_seq;
        std::printf(
            "setup       : %s: %u channels, %llu messages, %llu dms in %.1f s\n", user.nick.c_str(),
            options.channels,
            static_cast<unsigned long long>(options.channels * (options.messages + 1ull)),
            static_cast<unsigned long long>(dms),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        std::fflush(stdout);
    }
    const auto bytes_after = database_bytes(options.data_file);

    // Warm-up logins are checked as well, untimed; then the measured ones, one at a time.
    std::size_t next = 0;
    const auto warmup_end =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(options.warmup_s);
    do {
        log_in(target, timeout_ms, users[next++ % users.size()], nullptr);
    } while (std::chrono::steady_clock::now() < warmup_end);

    Timed timed;
    const auto server_start = sample_server(options);
    const ProcessSample tool_start = sample_self();
    const auto start = std::chrono::steady_clock::now();
    const auto end = start + std::chrono::duration<double>(options.duration_s);
    while (std::chrono::steady_clock::now() < end)
        log_in(target, timeout_ms, users[next++ % users.size()], &timed);
    const double measured =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto server_end = sample_server(options);
    const ProcessSample tool_end = sample_self();

    const double count = static_cast<double>(std::max<std::uint64_t>(timed.welcomes, 1));
    std::printf(
        "welcomes    : %llu in %.2f s, %.0f/s (one connection at a time), %.1f KB each, "
        "every one checked\n",
        static_cast<unsigned long long>(timed.welcomes), measured, count / measured,
        static_cast<double>(timed.bytes) / count / 1024);
    print_latency("latency", timed.welcome, "hello sent to welcome received");
    print_latency("  connect", timed.connect, "TCP connect and upgrade, before it");
    const auto cpu_line = [&](const std::string& who, double cpu) {
        std::printf("%-12s: CPU %.2f s over %.2f s (%.0f%% of one core), %.3f ms per login\n",
                    who.c_str(), cpu, measured, 100 * cpu / measured, cpu * 1e3 / count);
    };
    if (server_start && server_end) {
        const std::string who = "server " + std::to_string(options.server_pids.front());
        cpu_line(who, server_end->cpu_seconds - server_start->cpu_seconds);
        std::printf("%-12s: RSS %.1f MB\n", who.c_str(),
                    static_cast<double>(server_end->rss_kb) / 1024);
    }
    cpu_line("tool", tool_end.cpu_seconds - tool_start.cpu_seconds);
    if (bytes_before && bytes_after)
        std::printf(
            "database    : %.1f MB, %+.1f MB over the setup (messages and dms included; "
            "see docs/benchmarks.md for the bytes kept per user)\n",
            static_cast<double>(*bytes_after) / 1048576,
            (static_cast<double>(*bytes_after) - static_cast<double>(*bytes_before)) / 1048576);
    if (options.json)
        std::printf(
            "{\"scenario\":\"welcome\",\"users\":%zu,\"channels\":%u,\"conversations\":%u,"
            "\"messages\":%u,\"measured_s\":%.3f,\"welcomes\":%llu,\"welcome_bytes\":%.0f,"
            "\"latency_p50_ms\":%.3f,\"latency_p90_ms\":%.3f,\"latency_p99_ms\":%.3f,"
            "\"latency_max_ms\":%.3f,\"server_cpu_ms_per_login\":%.3f}\n",
            users.size(), options.channels, options.conversations, options.messages, measured,
            static_cast<unsigned long long>(timed.welcomes),
            static_cast<double>(timed.bytes) / count, timed.welcome.percentile(0.5) / 1e6,
            timed.welcome.percentile(0.9) / 1e6, timed.welcome.percentile(0.99) / 1e6,
            timed.welcome.max() / 1e6,
            server_start && server_end
                ? (server_end->cpu_seconds - server_start->cpu_seconds) * 1e3 / count
                : 0.0);
    std::fflush(stdout);
    return 0;
}

}  // namespace bench
