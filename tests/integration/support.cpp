#include "support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace parley::test {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

milliseconds since(steady_clock::time_point start) {
    return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
}

json say_frame(const std::string& channel, const std::string& text, int id) {
    return json{{"type", "say"}, {"channel", channel}, {"text", text}, {"id", id}};
}

// ---- /metrics ------------------------------------------------------------------------------

double metric(std::uint16_t port, const std::string& sample) {
    std::istringstream lines(http_get(port, "/metrics").body);
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
    return -1;
}

std::map<std::string, double> parse_prometheus(const std::string& text) {
    static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
    static const std::regex type(
        R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
    static const std::regex sample(
        R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*)?\})? (\S+))");
    std::set<std::string> helped, typed;
    std::map<std::string, double> samples;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::smatch match;
        if (line.rfind("# HELP ", 0) == 0) {
            EXPECT_TRUE(std::regex_match(line, match, help)) << line;
            helped.insert(match[1]);
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            EXPECT_TRUE(std::regex_match(line, match, type)) << line;
            typed.insert(match[1]);
            continue;
        }
        if (!std::regex_match(line, match, sample)) {
            ADD_FAILURE() << "not a Prometheus sample: '" << line << "'";
            continue;
        }
        std::string name = match[1];
        std::string value = match[5];
        char* end = nullptr;
        double number = std::strtod(value.c_str(), &end);
        EXPECT_TRUE(end == value.c_str() + value.size() && !value.empty()) << line;
        // A histogram's samples belong to the family without the suffix.
        std::string family = name;
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            std::string s = suffix;
            if (family.size() > s.size() && family.ends_with(s) &&
                typed.count(family.substr(0, family.size() - s.size())))
                family = family.substr(0, family.size() - s.size());
        }
        EXPECT_TRUE(helped.count(family)) << "no # HELP before " << line;
        EXPECT_TRUE(typed.count(family)) << "no # TYPE before " << line;
        samples[name + std::string(match[2])] = number;
    }
    return samples;
}

std::map<std::string, double> scrape(std::uint16_t port) {
    auto response = http_get(port, "/metrics");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.header("Content-Type").rfind("text/plain", 0), 0u);
    return parse_prometheus(response.body);
}

double wait_for_metric(std::uint16_t port, const std::string& sample, double expected) {
    auto deadline = steady_clock::now() + default_timeout;
    double value = 0;
    while (steady_clock::now() < deadline) {
        value = scrape(port)[sample];
        if (value == expected) break;
        std::this_thread::sleep_for(20ms);
    }
    return value;
}

// ---- raw connections -----------------------------------------------------------------------

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

std::unique_ptr<RawClient> identified(std::uint16_t port, const std::string& nick) {
    auto client = std::make_unique<RawClient>(
        port, client_frame(text_op, json{{"type", "hello"}, {"nick", nick}}.dump()));
    auto welcome = client->next();
    if (!welcome || json::parse(welcome->payload)["type"] != "welcome")
        throw std::runtime_error("no welcome for " + nick);
    return client;
}

ReplyCounter::ReplyCounter(
    std::string marker, std::initializer_list<std::reference_wrapper<const RawClients>> clients) {
    std::vector<pollfd> fds;
    for (const RawClients& group : clients)
        for (const auto& client : group) fds.push_back({client->native_handle(), POLLIN, 0});
    reader_ = std::thread([this, marker = std::move(marker), fds = std::move(fds)]() mutable {
        std::vector<char> chunk(1 << 16);
        while (!stop_) {
            if (poll(fds.data(), fds.size(), 20) <= 0) continue;
            for (auto& p : fds) {
                if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
                auto n = recv(p.fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
                if (n <= 0) {
                    p.fd = -1;  // closed: poll ignores it from now on
                    continue;
                }
                std::string_view bytes(chunk.data(), static_cast<std::size_t>(n));
                for (auto at = bytes.find(marker); at != bytes.npos;
                     at = bytes.find(marker, at + 1))
                    ++count_;
            }
        }
    });
}

void ReplyCounter::stop() {
    stop_ = true;
    if (reader_.joinable()) reader_.join();
}

// ---- direct messages in token mode -----------------------------------------------------------

void expect_dm_reaches_only_the_same_subject(const std::string& secret, const json& refused,
                                             Client& phone, Client& laptop, Client& bob,
                                             Client& other) {
    EXPECT_EQ(refused.value("code", std::string("(none)")), "nick_taken") << refused.dump();
    EXPECT_EQ(laptop.hello("ann", parley_token(secret, "ann"))["type"], "welcome");
    EXPECT_EQ(bob.hello("bob", parley_token(secret, "bob"))["type"], "welcome");

    bob.send(json{{"type", "dm"}, {"to", "ann"}, {"text", "for ann only"}, {"id", 1}});
    EXPECT_EQ(bob.next_of_type("ok")["id"], 1);
    for (auto* device : {&phone, &laptop})
        EXPECT_EQ(device->next_of_type("dm")["text"], "for ann only");
    EXPECT_TRUE(other.nothing_within(300ms)) << "the refused connection got ann's dm";
}

std::unique_ptr<ServerProcess> start_node(const std::string& redis_url, const std::string& name,
                                          std::vector<std::string> more) {
    std::vector<std::string> args = {
        "--redis",        redis_url, "--node",  name,      "--cluster-node-ttl", "1s",
        "--rate-per-sec", "1000000", "--burst", "1000000", "--presence-window",  "20ms"};
    args.insert(args.end(), more.begin(), more.end());
    auto node = std::make_unique<ServerProcess>(args);
    // Both connections: the bus's subscription, and the one commands go through (a node whose
    // commands connection is still connecting answers `unavailable`, as when Redis is down). On
    // a Redis Cluster, commands go out once the slot map is read: a master's connection still
    // opening then holds them until it is up.
    bool cluster = redis_url.find(',') != std::string::npos;
    if (!node->wait_for_log("cluster: subscribed") ||
        !node->wait_for_log(cluster ? "redis commands: slot map read"
                                    : "redis commands: connected"))
        throw std::runtime_error("node " + name + " did not reach Redis:\n" + node->logs());
    return node;
}

}  // namespace parley::test
