// HTTPS and wss:// on one port with a certificate made by the test, and the certificate
// mistakes that must stop the server at start-up.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "harness.hpp"
#include "tls_client.hpp"

namespace parley::test {
namespace {

// Makes a self-signed certificate for localhost and 127.0.0.1, valid for a day; returns false
// when openssl fails.
bool make_certificate(const std::string& cert, const std::string& key,
                      const std::string& common_name = "localhost") {
    std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=" + common_name +
                          " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 1 -keyout '" +
                          key + "' -out '" + cert + "' >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
}

class Tls : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(make_certificate(cert, key)) << "openssl req failed";
        server = std::make_unique<ServerProcess>(
            std::vector<std::string>{"--tls-cert", cert, "--tls-key", key, "--http-timeout", "2s"});
    }
    TempDir dir;
    std::string cert = dir.file("cert.pem");
    std::string key = dir.file("key.pem");
    std::unique_ptr<ServerProcess> server;
};

TEST_F(Tls, TheServerSaysItListensOnHttps) {
    EXPECT_TRUE(server->wait_for_log("listening on https://127.0.0.1:"));
    EXPECT_TRUE(server->wait_for_log("wscat -c wss://"));
}

TEST_F(Tls, HealthzAndStaticFilesOverHttps) {
    auto health = https_get(server->port(), cert, "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, R"({"status":"ok"})");
    auto index = https_get(server->port(), cert, "/");
    EXPECT_EQ(index.status, 200);
    EXPECT_NE(index.header("Content-Security-Policy").find("frame-ancestors 'none'"),
              std::string::npos);
}

TEST_F(Tls, AChatRoundTripOverWss) {
    TlsClient ann(server->port(), cert), bob(server->port(), cert);
    ann.send(json{{"type", "hello"}, {"nick", "ann"}});
    EXPECT_EQ(ann.next_of_type("welcome")["nick"], "ann");
    bob.send(json{{"type", "hello"}, {"nick", "bob"}});
    bob.next_of_type("welcome");
    ann.send(json{{"type", "join"}, {"channel", "general"}});
    ann.next_of_type("joined");
    bob.send(json{{"type", "join"}, {"channel", "general"}});
    bob.next_of_type("joined");

    ann.send(json{{"type", "say"}, {"channel", "general"}, {"text", "over tls"}, {"id", 1}});
    EXPECT_EQ(ann.next_of_type("ok")["seq"], 1);
    for (auto* client : {&ann, &bob}) {
        auto message = client->next_of_type("message");
        EXPECT_EQ(message["from"], "ann");
        EXPECT_EQ(message["text"], "over tls");
    }
    // The close handshake ends with TLS close_notify both ways: no truncation error.
    EXPECT_FALSE(ann.close()) << "client-initiated close over TLS";
}

TEST_F(Tls, AMessageLargerThanOneTlsReadArrivesWhole) {
    TlsClient ann(server->port(), cert);
    ann.send(json{{"type", "hello"}, {"nick", "ann"}});
    ann.next_of_type("welcome");
    ann.send(json{{"type", "join"}, {"channel", "general"}});
    ann.next_of_type("joined");
    std::string text;
    for (int i = 0; i < 4000; ++i) text += "\xc3\xa9";  // 8000 bytes: several reads of 4 KiB
    ann.send(json{{"type", "say"}, {"channel", "general"}, {"text", text}, {"id", 7}});
    EXPECT_EQ(ann.next_of_type("ok")["id"], 7);
    EXPECT_EQ(ann.next_of_type("message")["text"], text);
}

TEST_F(Tls, ServerClosesReachTheClientWithTheirCodes) {
    TlsClient ann(server->port(), cert);
    ann.send(json{{"type", "hello"}, {"nick", "ann"}});
    ann.next_of_type("welcome");
    kill(server->pid(), SIGTERM);
    EXPECT_EQ(ann.wait_closed().code, 1001);
    EXPECT_EQ(server->wait_exit(), 0);
}

TEST_F(Tls, PlainHttpOnTheTlsPortGetsNoAnswer) {
    auto answer = raw_request(server->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(answer.find("200 OK"), std::string::npos);
}

TEST_F(Tls, AClientThatDistrustsTheCertificateCannotConnect) {
    std::string other_cert = dir.file("other.pem"), other_key = dir.file("other-key.pem");
    ASSERT_TRUE(make_certificate(other_cert, other_key, "someone-else"));
    EXPECT_THROW(https_get(server->port(), other_cert, "/healthz"), std::exception);
    EXPECT_EQ(https_get(server->port(), cert, "/healthz").status, 200);  // still serving
}

TEST_F(Tls, ASilentConnectionIsDroppedAfterTheHttpTimeout) {
    auto start = std::chrono::steady_clock::now();
    auto answer = raw_request(server->port(), "", 8s);  // never starts the handshake
    auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(answer, "");
    EXPECT_LT(waited, 6s) << "--http-timeout is 2s";
}

// ---- start-up refusals ---------------------------------------------------------------------

// The single line `parley serve: ...` the command prints on stderr before exiting 1.
std::string refusal_line(const CommandResult& result) {
    auto at = result.output.find("parley serve: ");
    if (at == std::string::npos) return {};
    return result.output.substr(at, result.output.find('\n', at) - at);
}

TEST(TlsStartup, AKeyThatDoesNotMatchTheCertificateIsRefused) {
    TempDir dir;
    ASSERT_TRUE(make_certificate(dir.file("a.pem"), dir.file("a-key.pem")));
    ASSERT_TRUE(make_certificate(dir.file("b.pem"), dir.file("b-key.pem")));
    auto result = run_parley({"serve", "--port", "0", "--data", ":memory:", "--tls-cert",
                              dir.file("a.pem"), "--tls-key", dir.file("b-key.pem")});
    EXPECT_EQ(result.exit_code, 1);
    auto line = refusal_line(result);
    EXPECT_NE(line.find("does not match the certificate"), std::string::npos) << result.output;
    EXPECT_NE(line.find("b-key.pem"), std::string::npos) << line;
}

TEST(TlsStartup, AFileThatIsNotPemIsRefused) {
    TempDir dir;
    ASSERT_TRUE(make_certificate(dir.file("cert.pem"), dir.file("key.pem")));
    std::ofstream(dir.file("garbage.pem")) << "this is not a certificate\n";
    auto bad_cert = run_parley({"serve", "--port", "0", "--data", ":memory:", "--tls-cert",
                                dir.file("garbage.pem"), "--tls-key", dir.file("key.pem")});
    EXPECT_EQ(bad_cert.exit_code, 1);
    EXPECT_NE(refusal_line(bad_cert).find("--tls-cert"), std::string::npos) << bad_cert.output;
    EXPECT_NE(refusal_line(bad_cert).find("no PEM certificate"), std::string::npos);

    // A certificate where the key should be is not a key either.
    auto bad_key = run_parley({"serve", "--port", "0", "--data", ":memory:", "--tls-cert",
                               dir.file("cert.pem"), "--tls-key", dir.file("cert.pem")});
    EXPECT_EQ(bad_key.exit_code, 1);
    EXPECT_NE(refusal_line(bad_key).find("no PEM private key"), std::string::npos)
        << bad_key.output;
}

TEST(TlsStartup, AMissingFileIsAConfigurationError) {
    TempDir dir;
    ASSERT_TRUE(make_certificate(dir.file("cert.pem"), dir.file("key.pem")));
    auto result = run_parley(
        {"serve", "--tls-cert", dir.file("cert.pem"), "--tls-key", dir.file("missing.pem")});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.output.find("missing.pem"), std::string::npos);
}

}  // namespace
}  // namespace parley::test
