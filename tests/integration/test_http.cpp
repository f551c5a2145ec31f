// HTTP on the WebSocket port: static files inside the web root only, health, limits.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness.hpp"

namespace parley::test {
namespace {

class Http : public ::testing::Test {
  protected:
    Http() {
        std::filesystem::create_directories(root.path() / "web" / "sub");
        std::ofstream(root.path() / "web" / "index.html") << "<h1>parley</h1>";
        std::ofstream(root.path() / "web" / "app.js") << "console.log(1)";
        std::ofstream(root.path() / "web" / "sub" / "style.css") << "body{}";
        std::ofstream(root.path() / "secret.txt") << "do not serve";
        std::filesystem::create_symlink(root.path() / "secret.txt",
                                        root.path() / "web" / "link.txt");
        server = std::make_unique<ServerProcess>(
            std::vector<std::string>{"--web-root", (root.path() / "web").string()});
    }
    TempDir root;
    std::unique_ptr<ServerProcess> server;
};

TEST_F(Http, ServesFilesWithTheirContentTypes) {
    auto index = http_get(server->port(), "/");
    EXPECT_EQ(index.status, 200);
    EXPECT_EQ(index.body, "<h1>parley</h1>");
    EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(http_get(server->port(), "/app.js").header("Content-Type"),
              "text/javascript; charset=utf-8");
    EXPECT_EQ(http_get(server->port(), "/sub/style.css?v=1").header("Content-Type"),
              "text/css; charset=utf-8");
}

TEST_F(Http, HeadAnswersHeadersOnly) {
    auto head = http_get(server->port(), "/app.js", "HEAD");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Content-Length"), "14");
    EXPECT_EQ(head.body, "");
}

TEST_F(Http, NeverServesOutsideTheWebRoot) {
    for (const char* target :
         {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/sub/../../secret.txt",
          "/link.txt", "/missing.html", "/sub/%00.css", "/..%5csecret.txt"}) {
        auto response = http_get(server->port(), target);
        EXPECT_TRUE(response.status == 404 || response.status == 400) << target;
        EXPECT_EQ(response.body.find("do not serve"), std::string::npos) << target;
    }
}

TEST_F(Http, HealthMethodsAndUpgradePaths) {
    auto health = http_get(server->port(), "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, R"({"status":"ok"})");
    EXPECT_EQ(http_get(server->port(), "/", "POST").status, 405);
    EXPECT_EQ(http_get(server->port(), "/ws").status, 426);
    auto upgrade_elsewhere = raw_request(
        server->port(),
        "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    EXPECT_EQ(upgrade_elsewhere.rfind("HTTP/1.1 404", 0), 0u) << upgrade_elsewhere;
}

TEST_F(Http, OversizedHeadersAre431) {
    auto response = http_get(server->port(), "/", "GET", {{"X-Big", std::string(10000, 'a')}});
    EXPECT_EQ(response.status, 431);
}

TEST_F(Http, ASlowlorisIsCutOff) {
    ServerProcess quick{{"--http-timeout", "300ms"}};
    auto started = std::chrono::steady_clock::now();
    auto answer = raw_request(quick.port(), "GET / HTTP/1.1\r\nHost: x\r\n", 5s);
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_LT(waited, 3s) << "the half-sent request held the connection";
}

}  // namespace
}  // namespace parley::test
