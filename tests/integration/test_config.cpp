// Configuration mistakes are refused at start-up with one line and exit code 2.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace parley::test {
namespace {

TEST(Config, InvalidValuesExitTwoWithOneLine) {
    for (std::vector<std::string> args :
         {std::vector<std::string>{"serve", "--max-queue-bytes", "lots"},
          {"serve", "--port", "70000"},
          {"serve", "--write-timeout", "10 parsecs"},
          {"serve", "--log-format", "xml"},
          {"serve", "--no-such-flag", "1"},
          {"serve", "--threads"},
          {"serve", "--web-root", "/definitely/not/here"},
          {"serve", "--tls-cert", "/nope.pem"},
          {"serve", "--redis", "http://localhost:6379"},
          {"serve", "--redis", "redis://localhost:6379/99"},
          {"serve", "--redis", "redis://127.0.0.1:7001,127.0.0.1:7002/3"},
          {"serve", "--redis", "redis://127.0.0.1:7001,"},
          {"serve", "--cluster-node-ttl", "10ms"}}) {
        auto result = run_parley(args);
        EXPECT_EQ(result.exit_code, 2) << args[1];
        EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
        EXPECT_EQ(result.output.rfind("parley serve: ", 0), 0u) << result.output;
    }
}

// Webhooks' outbox is one stream, which a Redis Cluster's channel scripts cannot reach: the node
// says so instead of starting and failing each event.
TEST(Config, WebhooksWithARedisClusterAreRefusedWithOneLine) {
    auto result =
        run_parley({"serve", "--redis", "redis://127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003",
                    "--webhook", "http://127.0.0.1:9/hook", "--webhook-secret", "s3cret"});
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_EQ(
        result.output.rfind("parley serve: --webhook is not available with a Redis Cluster", 0), 0u)
        << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
}

TEST(Config, EnvironmentVariablesConfigureToo) {
    setenv("PARLEY_MAX_TEXT_CHARS", "12", 1);
    ServerProcess server;
    unsetenv("PARLEY_MAX_TEXT_CHARS");
    Client ann(server.port());
    EXPECT_EQ(ann.hello("ann")["limits"]["max_text_chars"], 12);
    setenv("PARLEY_BURST", "zero", 1);
    auto result = run_parley({"serve"});
    unsetenv("PARLEY_BURST");
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.output.find("PARLEY_BURST"), std::string::npos);
}

TEST(Config, HelpListsEveryOption) {
    auto result = run_parley({"serve", "--help"});
    EXPECT_EQ(result.exit_code, 0);
    for (const char* flag :
         {"--port", "--max-queue-bytes", "--write-timeout", "--data", "PARLEY_MAX_FRAME_BYTES"})
        EXPECT_NE(result.output.find(flag), std::string::npos) << flag;
    EXPECT_EQ(run_parley({"frobnicate"}).exit_code, 2);
}

TEST(Config, TheEffectiveConfigurationIsLoggedWithSecretsMasked) {
    ServerProcess server{{"--auth-secret", "a-very-secret-value-123"}};
    auto logs = server.logs();
    EXPECT_NE(logs.find("config max-queue-bytes=1048576"), std::string::npos);
    EXPECT_NE(logs.find("config auth-secret=***"), std::string::npos);
    EXPECT_EQ(logs.find("a-very-secret-value-123"), std::string::npos);
}

}  // namespace
}  // namespace parley::test
