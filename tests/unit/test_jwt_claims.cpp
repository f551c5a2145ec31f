// What a token's header and claims must say: alg, typ and crit, sub, exp and nbf.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "auth/jwt.hpp"
#include "jwt_support.hpp"

namespace {

using parley::auth::base64url_encode;
using parley::auth::token_clock_leeway_seconds;
using parley::auth::verify_token;
using namespace parley::auth::jwt_test;

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

TEST(Jwt, HeaderThatIsNotAJsonObjectIsRefused) {
    auto claims = claims_text(now + 3600);
    for (const char* header : {"[]", "42", "\"HS256\"", "null", "{", R"({"alg":"HS256"} x)", ""})
        EXPECT_EQ(reason_of(verify_token(craft(header, claims), secret, now)), "malformed header")
            << header;
}

}  // namespace
