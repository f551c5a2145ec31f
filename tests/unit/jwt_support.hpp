#pragma once
// What the token tests share: a fixed clock and secret, and tokens crafted byte for byte (any
// header and claims text, signed with any key) to see how verification answers them.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/jwt.hpp"

namespace parley::auth::jwt_test {

inline constexpr std::int64_t now = 1'800'000'000;
inline constexpr std::string_view secret = "correct horse battery staple";
inline constexpr std::string_view hs256_header = R"({"alg":"HS256","typ":"JWT"})";

inline std::string hmac_base64url(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &size);
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), size));
}

// A token with exactly the header and claims text given, signed with `key`.
inline std::string craft(std::string_view header, std::string_view claims,
                         std::string_view key = secret) {
    std::string input = base64url_encode(header) + "." + base64url_encode(claims);
    return input + "." + hmac_base64url(key, input);
}

inline std::string claims_text(std::int64_t exp) {
    return R"({"sub":"ann","exp":)" + std::to_string(exp) + "}";
}

// "valid", or why verification refused the token.
inline std::string reason_of(const Expected<VerifiedToken, TokenError>& result) {
    if (!result) return result.error().reason;
    return "valid";
}

}  // namespace parley::auth::jwt_test
