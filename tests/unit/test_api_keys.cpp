// API keys of the publish API: a secret names its key only when it is exactly that key's secret,
// and the options that give them never show a secret back.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "auth/api_keys.hpp"
#include "config/options.hpp"

namespace parley {
namespace {

const std::string deploy = "0123456789abcdef-deploy";
const std::string ci = "fedcba9876543210-ci";

TEST(ApiKeys, ARightSecretNamesItsKey) {
    auth::ApiKeys keys({"deploy:" + deploy, "ci:" + ci});
    EXPECT_FALSE(keys.empty());
    EXPECT_EQ(keys.names(), (std::vector<std::string>{"deploy", "ci"}));
    EXPECT_EQ(keys.name_of(deploy), "deploy");
    EXPECT_EQ(keys.name_of(ci), "ci");
    // Only the first colon separates: the rest is the secret.
    auth::ApiKeys colons({"ops:a:b:c:0123456789abcdef"});
    EXPECT_EQ(colons.name_of("a:b:c:0123456789abcdef"), "ops");
    EXPECT_FALSE(colons.name_of("0123456789abcdef"));
}

TEST(ApiKeys, NamesWrongSecretsPrefixesAndExtensionsAreRefused) {
    auth::ApiKeys keys({"deploy:" + deploy, "ci:" + ci});
    std::vector<std::string> wrong{"",
                                   "deploy",
                                   "ci",
                                   "deploy:" + deploy,
                                   deploy + ci,
                                   deploy + " ",
                                   " " + deploy,
                                   deploy + std::string(1, '\0'),
                                   "0123456789ABCDEF-DEPLOY",
                                   std::string(deploy.size(), 'x')};
    for (std::size_t n = 0; n < deploy.size(); ++n) wrong.push_back(deploy.substr(0, n));
    for (std::size_t n = 1; n < deploy.size(); ++n) wrong.push_back(deploy.substr(n));
    for (const auto& secret : wrong) EXPECT_FALSE(keys.name_of(secret)) << "'" << secret << "'";
}

TEST(ApiKeys, WithoutKeysNothingIsAccepted) {
    auth::ApiKeys none({});
    EXPECT_TRUE(none.empty());
    EXPECT_TRUE(none.names().empty());
    EXPECT_FALSE(none.name_of(""));
    EXPECT_FALSE(none.name_of(deploy));
}

// parse_serve_options on flags and an environment, as `parley serve` gets them.
Expected<config::Options> parse(std::vector<std::string> args, std::vector<std::string> env = {}) {
    // A web root that exists, so that only the options under test can be wrong.
    args.insert(args.begin(), {"--web-root", "."});
    std::vector<char*> argv, envp;
    for (auto& arg : args) argv.push_back(arg.data());
    for (auto& entry : env) envp.push_back(entry.data());
    envp.push_back(nullptr);
    return config::parse_serve_options(static_cast<int>(argv.size()), argv.data(), envp.data());
}

TEST(ApiKeyOptions, FlagsRepeatAndTheEnvironmentListsSeveral) {
    const std::string environment =
        "PARLEY_API_KEYS=cron:0123456789abcdef-cron,bots:0123456789abcdef-bots";
    auto from_environment = parse({}, {environment});
    ASSERT_TRUE(from_environment) << from_environment.error().message;
    auth::ApiKeys listed(from_environment->api_keys);
    EXPECT_EQ(listed.name_of("0123456789abcdef-cron"), "cron");
    EXPECT_EQ(listed.name_of("0123456789abcdef-bots"), "bots");
    // Flags on the command line replace the environment's list, as every flag overrides its
    // variable.
    auto options = parse({"--api-key", "deploy:" + deploy, "--api-key", "ci:" + ci}, {environment});
    ASSERT_TRUE(options) << options.error().message;
    EXPECT_EQ(options->api_keys.size(), 2u);
    auth::ApiKeys keys(options->api_keys);
    EXPECT_EQ(keys.name_of("0123456789abcdef-cron"), std::nullopt);
    EXPECT_EQ(keys.name_of(deploy), "deploy");
    EXPECT_EQ(keys.name_of(ci), "ci");
    EXPECT_EQ(options->idempotency_window, std::chrono::hours(24));
    // The start-up log's lines mask them.
    auto lines = config::describe(*options);
    EXPECT_NE(std::find(lines.begin(), lines.end(), "api-key=***"), lines.end());
    for (const auto& line : lines)
        EXPECT_EQ(line.find("0123456789abcdef"), std::string::npos) << line;
}

TEST(ApiKeyOptions, ABadKeyIsRefusedWithoutShowingItsSecret) {
    for (const std::string& key :
         {std::string("deploy:s3cr3t-short"), std::string("s3cr3t-without-a-name-at-all"),
          std::string(":s3cr3t-0123456789abcdef"), std::string("bad name:s3cr3t-0123456789abcdef"),
          std::string("n\xc3\xa9:s3cr3t-0123456789abcdef"),
          std::string(33, 'n') + ":s3cr3t-0123456789abcdef", std::string("deploy:")}) {
        for (const auto& options : {parse({"--api-key", key}), parse({"--api-key=" + key}),
                                    parse({}, {"PARLEY_API_KEYS=" + key})}) {
            ASSERT_FALSE(options) << key;
            EXPECT_NE(options.error().message.find("--api-key"), std::string::npos)
                << options.error().message;
            EXPECT_EQ(options.error().message.find("s3cr3t"), std::string::npos)
                << options.error().message;
        }
    }
    // A secret is 16 characters at least; a name 32 at most.
    EXPECT_TRUE(parse({"--api-key", "deploy:0123456789abcdef"}));
    EXPECT_FALSE(parse({"--api-key", "deploy:0123456789abcde"}));
    EXPECT_TRUE(parse({"--api-key", std::string(32, 'n') + ":0123456789abcdef"}));
}

// The flag takes one key ("give it once per key"): a comma in its secret does not cut it into a
// second key named after a piece of the secret, which the start-up log would then show.
TEST(ApiKeyOptions, ACommaInAFlagsSecretMakesNoKeyNamedAfterPartOfIt) {
    for (const std::string& secret : {std::string("0123456789abcdef,s3cr3t:x"),
                                      std::string("0123456789abcdef,s3cr3t:0123456789abcdef")}) {
        auto options = parse({"--api-key", "deploy:" + secret});
        if (!options) {
            EXPECT_EQ(options.error().message.find("s3cr3t"), std::string::npos)
                << options.error().message;
            continue;
        }
        auth::ApiKeys keys(options->api_keys);
        EXPECT_EQ(keys.names(), std::vector<std::string>{"deploy"});
        EXPECT_EQ(keys.name_of(secret), "deploy");
    }
}

TEST(ApiKeyOptions, TheIdempotencyWindowIsADurationWithinBounds) {
    auto options = parse({"--idempotency-window", "90s"});
    ASSERT_TRUE(options) << options.error().message;
    EXPECT_EQ(options->idempotency_window, std::chrono::seconds(90));
    for (const char* bad : {"0s", "500ms", "forever", "-1s", "721h"})
        EXPECT_FALSE(parse({"--idempotency-window", bad})) << bad;
}

}  // namespace
}  // namespace parley
