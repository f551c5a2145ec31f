#include "support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
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

}  // namespace parley::test
