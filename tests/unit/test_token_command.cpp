// The secret file and `parley token`, which read the secret and sign tokens for operators.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "auth/jwt.hpp"
#include "cli/commands.hpp"
#include "jwt_support.hpp"

namespace {

using parley::auth::verify_token;
using parley::auth::jwt_test::reason_of;

class SecretFile : public ::testing::Test {
  protected:
    void SetUp() override {
        path_ = std::filesystem::temp_directory_path() /
                ("parley-secret-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    }
    void TearDown() override { std::filesystem::remove(path_); }
    void write(std::string_view contents) { std::ofstream(path_, std::ios::binary) << contents; }

    std::filesystem::path path_;
};

TEST_F(SecretFile, TrailingNewlinesAreDropped) {
    write("s3cret \r\n\n");
    auto secret = parley::auth::read_secret_file(path_);
    ASSERT_TRUE(secret);
    EXPECT_EQ(*secret, "s3cret");
}

TEST_F(SecretFile, EmptyOrMissingFileIsAnError) {
    write("\n");
    auto empty = parley::auth::read_secret_file(path_);
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("empty"), std::string::npos) << empty.error().message;
    std::filesystem::remove(path_);
    auto missing = parley::auth::read_secret_file(path_);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("cannot read"), std::string::npos);
}

// `parley token`, run in-process.
class TokenCommand : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const char* saved = std::getenv("PARLEY_AUTH_SECRET")) saved_env_ = saved;
        ::unsetenv("PARLEY_AUTH_SECRET");
    }
    void TearDown() override {
        if (saved_env_)
            ::setenv("PARLEY_AUTH_SECRET", saved_env_->c_str(), 1);
        else
            ::unsetenv("PARLEY_AUTH_SECRET");
    }

    struct Outcome {
        int code;
        std::string out;
        std::string err;
    };
    static Outcome run(std::vector<std::string> args) {
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        ::testing::internal::CaptureStdout();
        ::testing::internal::CaptureStderr();
        int code = parley::cli::run_token(static_cast<int>(args.size()), argv.data());
        auto out = ::testing::internal::GetCapturedStdout();
        auto err = ::testing::internal::GetCapturedStderr();
        return {code, out, err};
    }

    std::optional<std::string> saved_env_;
};

TEST_F(TokenCommand, PrintsAVerifiableToken) {
    auto outcome = run({"--secret", "S", "--user", "ann", "--ttl", "30m"});
    ASSERT_EQ(outcome.code, 0) << outcome.err;
    ASSERT_FALSE(outcome.out.empty());
    EXPECT_EQ(outcome.out.back(), '\n');
    auto token = outcome.out.substr(0, outcome.out.size() - 1);
    auto result = verify_token(token, "S", parley::auth::unix_now());
    ASSERT_TRUE(result) << reason_of(result);
    EXPECT_EQ(result->subject, "ann");
    auto remaining = result->expires_at - parley::auth::unix_now();
    EXPECT_GT(remaining, 1700);
    EXPECT_LE(remaining, 1800);
}

TEST_F(TokenCommand, TakesTheSecretFromTheEnvironment) {
    ::setenv("PARLEY_AUTH_SECRET", "from-env", 1);
    auto outcome = run({"--user=bob"});
    ASSERT_EQ(outcome.code, 0) << outcome.err;
    auto token = outcome.out.substr(0, outcome.out.size() - 1);
    EXPECT_EQ(reason_of(verify_token(token, "from-env", parley::auth::unix_now())), "valid");
}

TEST_F(TokenCommand, HelpGoesToStdout) {
    auto outcome = run({"--help"});
    EXPECT_EQ(outcome.code, 0);
    EXPECT_NE(outcome.out.find("--secret-file"), std::string::npos);
}

TEST_F(TokenCommand, BadInputIsOneLineOnStderrAndExitCode2) {
    const std::vector<std::vector<std::string>> cases = {
        {},
        {"--user", "ann"},
        {"--secret", "S"},
        {"--secret", "S", "--user", "not a nick"},
        {"--secret", "S", "--user", "ann", "--ttl", "1y"},
        {"--secret", "S", "--user", "ann", "--ttl", "0s"},
        {"--secret", "S", "--user", "ann", "--ttl", "-5m"},
        {"--secret", "S", "--user", "ann", "--verbose"},
        {"--secret", "S", "--user"},
        {"--secret", "", "--user", "ann"},
        {"--secret", "S", "--secret-file", "x", "--user", "ann"},
        {"--secret-file", "/nonexistent/parley-secret", "--user", "ann"},
    };
    for (const auto& args : cases) {
        auto outcome = run(args);
        std::string joined;
        for (const auto& arg : args) joined += arg + " ";
        EXPECT_EQ(outcome.code, 2) << joined;
        EXPECT_TRUE(outcome.out.empty()) << joined;
        EXPECT_EQ(outcome.err.rfind("parley token: ", 0), 0u) << joined << outcome.err;
        EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
    }
}

}  // namespace
