#include "auth/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace {

using parley::auth::base64url_decode;
using parley::auth::base64url_encode;
using parley::auth::sign_token;
using parley::auth::token_clock_leeway_seconds;
using parley::auth::TokenError;
using parley::auth::VerifiedToken;
using parley::auth::verify_token;

constexpr std::int64_t now = 1'800'000'000;
constexpr std::string_view secret = "correct horse battery staple";

std::string hmac_base64url(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &size);
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), size));
}

// A token with exactly the header and claims text given, signed with `key`.
std::string craft(std::string_view header, std::string_view claims, std::string_view key = secret) {
    std::string input = base64url_encode(header) + "." + base64url_encode(claims);
    return input + "." + hmac_base64url(key, input);
}

std::string claims_text(std::int64_t exp) {
    return R"({"sub":"ann","exp":)" + std::to_string(exp) + "}";
}

constexpr std::string_view hs256_header = R"({"alg":"HS256","typ":"JWT"})";

std::string reason_of(const parley::Expected<VerifiedToken, TokenError>& result) {
    if (!result) return result.error().reason;
    return "valid";
}

TEST(Base64url, EncodesWithoutPaddingInTheUrlAlphabet) {
    EXPECT_EQ(base64url_encode(""), "");
    EXPECT_EQ(base64url_encode("A"), "QQ");
    EXPECT_EQ(base64url_encode("AB"), "QUI");
    EXPECT_EQ(base64url_encode("ABC"), "QUJD");
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64url, RoundTripsEveryByteValue) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
    for (std::size_t size = 0; size <= bytes.size(); size += 17) {
        auto prefix = bytes.substr(0, size);
        EXPECT_EQ(base64url_decode(base64url_encode(prefix)), prefix) << size;
    }
}

TEST(Base64url, AcceptsCompletePaddingOnly) {
    EXPECT_EQ(base64url_decode("QQ=="), "A");
    EXPECT_EQ(base64url_decode("QUI="), "AB");
    EXPECT_EQ(base64url_decode("QQ"), "A");
    EXPECT_FALSE(base64url_decode("QQ="));
    EXPECT_FALSE(base64url_decode("QQ==="));
    EXPECT_FALSE(base64url_decode("QUJD="));
}

TEST(Base64url, RefusesForeignCharactersAndNonCanonicalBits) {
    EXPECT_FALSE(base64url_decode("Q"));     // a lone sextet is no byte
    EXPECT_FALSE(base64url_decode("QR"));    // leftover bits set
    EXPECT_FALSE(base64url_decode("+/8"));   // standard base64 alphabet
    EXPECT_FALSE(base64url_decode("QU I"));  // whitespace
    EXPECT_FALSE(base64url_decode(std::string_view("Q\0Q", 3)));
}

TEST(Jwt, SignedTokenVerifies) {
    auto token = sign_token(secret, "ann", std::chrono::hours(1), now);
    auto result = verify_token(token, secret, now);
    ASSERT_TRUE(result) << reason_of(result);
    EXPECT_EQ(result->subject, "ann");
    EXPECT_EQ(result->expires_at, now + 3600);
}

TEST(Jwt, SignedTokenIsThreeUnpaddedSegments) {
    auto token = sign_token(secret, "ann", std::chrono::hours(1), now);
    EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
    EXPECT_EQ(token.find_first_of("=+/ "), std::string::npos);
    auto header = base64url_decode(token.substr(0, token.find('.')));
    ASSERT_TRUE(header);
    EXPECT_EQ(*header, hs256_header);
}

TEST(Jwt, ExpiresAfterTtlPlusLeeway) {
    auto token = sign_token(secret, "ann", std::chrono::seconds(60), now);
    auto last_valid = now + 60 + token_clock_leeway_seconds - 1;
    EXPECT_EQ(reason_of(verify_token(token, secret, last_valid)), "valid");
    EXPECT_EQ(reason_of(verify_token(token, secret, last_valid + 1)), "expired");
    EXPECT_EQ(reason_of(verify_token(token, secret, now + 86400)), "expired");
}

TEST(Jwt, NegativeTtlGivesAnExpiredToken) {
    auto token = sign_token(secret, "ann", std::chrono::seconds(-3600), now);
    EXPECT_EQ(reason_of(verify_token(token, secret, now)), "expired");
}

TEST(Jwt, NotBeforeInTheFutureIsRefused) {
    auto claims = [](std::int64_t nbf) {
        return R"({"sub":"ann","exp":)" + std::to_string(now + 3600) + R"(,"nbf":)" +
               std::to_string(nbf) + "}";
    };
    EXPECT_EQ(reason_of(verify_token(craft(hs256_header, claims(now + 600)), secret, now)),
              "not yet valid");
    EXPECT_EQ(reason_of(verify_token(craft(hs256_header, claims(now + token_clock_leeway_seconds)),
                                     secret, now)),
              "valid");
    EXPECT_EQ(reason_of(verify_token(craft(hs256_header, claims(now - 10)), secret, now)), "valid");
    auto string_nbf = R"({"sub":"ann","exp":)" + std::to_string(now + 60) + R"(,"nbf":"0"})";
    EXPECT_EQ(reason_of(verify_token(craft(hs256_header, string_nbf), secret, now)),
              "nbf is not an integer");
}

TEST(Jwt, WrongSecretIsRefused) {
    auto token = sign_token("another secret", "ann", std::chrono::hours(1), now);
    EXPECT_EQ(reason_of(verify_token(token, secret, now)), "bad signature");
}

TEST(Jwt, EmptySecretVerifiesNothing) {
    auto token = sign_token("", "ann", std::chrono::hours(1), now);
    EXPECT_EQ(reason_of(verify_token(token, "", now)), "no secret configured");
}

TEST(Jwt, TamperedClaimsAreRefused) {
    auto token = sign_token(secret, "ann", std::chrono::hours(1), now);
    auto signature = token.substr(token.rfind('.') + 1);
    auto forged_claims =
        base64url_encode(R"({"sub":"admin","exp":)" + std::to_string(now + 3600) + "}");
    auto forged = token.substr(0, token.find('.')) + "." + forged_claims + "." + signature;
    EXPECT_EQ(reason_of(verify_token(forged, secret, now)), "bad signature");
}

TEST(Jwt, AlteredSignatureIsRefused) {
    auto token = sign_token(secret, "ann", std::chrono::hours(1), now);
    auto first_signature_char = token.rfind('.') + 1;
    token[first_signature_char] = token[first_signature_char] == 'A' ? 'B' : 'A';
    EXPECT_EQ(reason_of(verify_token(token, secret, now)), "bad signature");

    auto truncated = sign_token(secret, "ann", std::chrono::hours(1), now);
    truncated.resize(truncated.size() - 3);  // 40 characters: canonical, but 30 bytes
    EXPECT_EQ(reason_of(verify_token(truncated, secret, now)), "bad signature");

    auto unsigned_token = truncated.substr(0, truncated.rfind('.') + 1);
    EXPECT_EQ(reason_of(verify_token(unsigned_token, secret, now)), "bad signature");
}

TEST(Jwt, AlgNoneIsRefusedWithOrWithoutSignature) {
    auto claims = claims_text(now + 3600);
    auto header = std::string(R"({"alg":"none","typ":"JWT"})");
    auto unsigned_token = base64url_encode(header) + "." + base64url_encode(claims) + ".";
    EXPECT_EQ(reason_of(verify_token(unsigned_token, secret, now)), "unsupported alg");
    EXPECT_EQ(reason_of(verify_token(craft(header, claims), secret, now)), "unsupported alg");
    EXPECT_EQ(reason_of(verify_token(craft(R"({"alg":"None"})", claims), secret, now)),
              "unsupported alg");
}

TEST(Jwt, OtherAlgorithmsAreRefused) {
    auto claims = claims_text(now + 3600);
    for (const char* header :
         {R"({"alg":"HS512","typ":"JWT"})", R"({"alg":"RS256"})", R"({"alg":"hs256"})",
          R"({"alg":"HS256 "})", R"({"alg":null})", R"({"alg":["HS256"]})", R"({"alg":256})"})
        EXPECT_EQ(reason_of(verify_token(craft(header, claims), secret, now)), "unsupported alg")
            << header;
    EXPECT_EQ(reason_of(verify_token(craft(R"({"typ":"JWT"})", claims), secret, now)),
              "missing alg");
}

TEST(Jwt, TypMustBeJwtWhenPresentAndCritIsRefused) {
    auto claims = claims_text(now + 3600);
    EXPECT_EQ(reason_of(verify_token(craft(R"({"alg":"HS256"})", claims), secret, now)), "valid");
    EXPECT_EQ(reason_of(verify_token(craft(R"({"alg":"HS256","typ":"jwt"})", claims), secret, now)),
              "valid");
    EXPECT_EQ(
        reason_of(verify_token(craft(R"({"alg":"HS256","typ":"at+jwt"})", claims), secret, now)),
        "unsupported typ");
    EXPECT_EQ(reason_of(verify_token(craft(R"({"alg":"HS256","typ":1})", claims), secret, now)),
              "unsupported typ");
    EXPECT_EQ(
        reason_of(verify_token(craft(R"({"alg":"HS256","crit":["exp"]})", claims), secret, now)),
        "unsupported crit");
}

TEST(Jwt, ClaimsMustCarrySubAndIntegerExp) {
    auto exp = std::to_string(now + 3600);
    auto check = [](std::string_view claims) {
        return reason_of(verify_token(craft(hs256_header, claims), secret, now));
    };
    EXPECT_EQ(check(R"({"exp":)" + exp + "}"), "missing sub");
    EXPECT_EQ(check(R"({"sub":"","exp":)" + exp + "}"), "missing sub");
    EXPECT_EQ(check(R"({"sub":42,"exp":)" + exp + "}"), "missing sub");
    EXPECT_EQ(check(R"({"sub":"ann"})"), "missing exp");
    EXPECT_EQ(check(R"({"sub":"ann","exp":")" + exp + "\"}"), "exp is not an integer");
    EXPECT_EQ(check(R"({"sub":"ann","exp":1.9e9})"), "exp is not an integer");
    EXPECT_EQ(check(R"({"sub":"ann","exp":null})"), "exp is not an integer");
    EXPECT_EQ(check(R"({"sub":"ann","exp":-1})"), "expired");
    EXPECT_EQ(check(R"({"sub":"ann","exp":18446744073709551615})"), "valid");
    EXPECT_EQ(check("[]"), "malformed claims");
    EXPECT_EQ(check("not json"), "malformed claims");
}

TEST(Jwt, HugeExpSaturatesInsteadOfWrapping) {
    auto result = verify_token(craft(hs256_header, R"({"sub":"ann","exp":18446744073709551615})"),
                               secret, now);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->expires_at, std::numeric_limits<std::int64_t>::max());
}

TEST(Jwt, MalformedSegmentsAreRefused) {
    auto valid = sign_token(secret, "ann", std::chrono::hours(1), now);
    for (std::string token :
         {std::string(), std::string("."), std::string("..."), std::string("abc"),
          std::string("a.b"), valid + ".", "." + valid, valid + "." + "x"})
        EXPECT_EQ(reason_of(verify_token(token, secret, now)), "malformed token") << token;
    EXPECT_EQ(reason_of(verify_token("a.b.c", secret, now)), "malformed header");
    EXPECT_EQ(reason_of(verify_token("..", secret, now)), "malformed header");
}

TEST(Jwt, BadBase64IsRefused) {
    auto valid = sign_token(secret, "ann", std::chrono::hours(1), now);
    auto first_dot = valid.find('.');
    auto second_dot = valid.rfind('.');

    auto bad_header = "+" + valid.substr(1);
    EXPECT_EQ(reason_of(verify_token(bad_header, secret, now)), "malformed header");

    auto bad_signature = valid.substr(0, second_dot + 1) + "*" + valid.substr(second_dot + 2);
    EXPECT_EQ(reason_of(verify_token(bad_signature, secret, now)), "malformed signature");

    // Claims are checked after the signature, so a broken claims segment fails the signature.
    auto bad_claims = valid.substr(0, first_dot + 1) + "/" + valid.substr(first_dot + 2);
    EXPECT_EQ(reason_of(verify_token(bad_claims, secret, now)), "bad signature");
}

TEST(Jwt, HeaderThatIsNotAJsonObjectIsRefused) {
    auto claims = claims_text(now + 3600);
    for (const char* header : {"[]", "42", "\"HS256\"", "null", "{", R"({"alg":"HS256"} x)", ""})
        EXPECT_EQ(reason_of(verify_token(craft(header, claims), secret, now)), "malformed header")
            << header;
}

TEST(Jwt, HugeInputIsRefusedBeforeDecoding) {
    std::string huge(1 << 20, 'A');
    huge[1000] = '.';
    huge[2000] = '.';
    EXPECT_EQ(reason_of(verify_token(huge, secret, now)), "token too long");

    // Just under the limit still goes through the normal checks.
    std::string long_sub(parley::auth::max_token_bytes / 2, 'a');
    auto big = sign_token(secret, long_sub, std::chrono::hours(1), now);
    ASSERT_LE(big.size(), parley::auth::max_token_bytes);
    EXPECT_EQ(reason_of(verify_token(big, secret, now)), "valid");
}

TEST(Jwt, PaddedSegmentsVerifyWhenSignedThatWay) {
    // Some libraries pad; the MAC then covers the padded text, which we must not re-encode.
    auto pad = [](std::string text) {
        while (text.size() % 4 != 0) text += '=';
        return text;
    };
    std::string header = R"({"alg": "HS256"})";  // 16 bytes: its encoding needs padding
    std::string claims = claims_text(now + 3600) + " ";
    std::string input = pad(base64url_encode(header)) + "." + pad(base64url_encode(claims));
    ASSERT_NE(input.find('='), std::string::npos);
    auto token = input + "." + pad(hmac_base64url(secret, input));
    EXPECT_EQ(reason_of(verify_token(token, secret, now)), "valid");

    auto ours = sign_token(secret, "ann", std::chrono::hours(1), now);
    EXPECT_EQ(reason_of(verify_token(ours + "=", secret, now)), "valid");
}

TEST(Jwt, SignsAnySubjectWithoutThrowing) {
    auto token = sign_token(secret, "caf\xc3\xa9 \"quoted\" \\", std::chrono::hours(1), now);
    auto result = verify_token(token, secret, now);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->subject, "caf\xc3\xa9 \"quoted\" \\");
    EXPECT_NO_THROW(sign_token(secret, "\xff\xfe", std::chrono::hours(1), now));
}

TEST(Jwt, RandomMutationsNeverThrowOrVerify) {
    auto valid = sign_token(secret, "ann", std::chrono::hours(1), now);
    std::mt19937 random(42);
    for (int round = 0; round < 2000; ++round) {
        auto token = valid;
        int edits = 1 + static_cast<int>(random() % 4);
        for (int e = 0; e < edits; ++e)
            token[random() % token.size()] = static_cast<char>(random() % 256);
        if (token == valid) continue;
        parley::Expected<VerifiedToken, TokenError> result = TokenError{"not checked"};
        EXPECT_NO_THROW(result = verify_token(token, secret, now));
        EXPECT_FALSE(result) << token;
    }
}

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
