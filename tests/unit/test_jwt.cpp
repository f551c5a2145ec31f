// Tokens signed and verified: base64url, the signature, expiry, and malformed or altered input.
#include "auth/jwt.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "jwt_support.hpp"

namespace {

using parley::auth::base64url_decode;
using parley::auth::base64url_encode;
using parley::auth::sign_token;
using parley::auth::token_clock_leeway_seconds;
using parley::auth::TokenError;
using parley::auth::VerifiedToken;
using parley::auth::verify_token;
using namespace parley::auth::jwt_test;

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

}  // namespace
