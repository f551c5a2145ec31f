// Regression tests for the hardening issue, each defect as an operator saw it, against the real
// binary: HTTP requests and upgrades that are ambiguous or meant for another host are refused.
// Exactly one Host, no Transfer-Encoding but chunked, one well-formed upgrade key, and only the
// hosts of --allowed-hosts when it is given.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "support.hpp"

namespace parley::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

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
