#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "model/expected.hpp"

// HS256 JSON Web Tokens (RFC 7519), just the subset Parley needs: a `sub` naming the user and an
// `exp` bounding the token's life. Nothing here ever throws on hostile input.
namespace parley::auth {

struct VerifiedToken {
    std::string subject;      // the `sub` claim: the nick this token vouches for
    std::int64_t expires_at;  // the `exp` claim, seconds since the Unix epoch
    // The `iat` claim; 0 when the issuer left it out (such a token is older than any password
    // change, so an account that changed its password refuses it).
    std::int64_t issued_at = 0;
};

struct TokenError {
    std::string reason;  // short and safe to log: it never contains the token itself
};

// Clock skew tolerated between the machine that issued a token and this one, applied to both
// `exp` and `nbf`. Small on purpose: it only has to cover NTP drift, not hide stale tokens.
inline constexpr std::int64_t token_clock_leeway_seconds = 5;

// Anything longer is refused before decoding; real tokens are a few hundred bytes.
inline constexpr std::size_t max_token_bytes = 8 * 1024;

// A token for `subject` valid from `now_unix` for `ttl`, header {"alg":"HS256","typ":"JWT"},
// claims sub, iat and exp, base64url without padding. Empty only if OpenSSL itself fails.
std::string sign_token(std::string_view secret, std::string_view subject, std::chrono::seconds ttl,
                       std::int64_t now_unix);

// Checks the signature (constant-time), the header (alg must be HS256, typ absent or JWT, no
// crit) and the claims (sub a non-empty string, exp an integer in the future, nbf if present in
// the past). An empty secret verifies nothing.
Expected<VerifiedToken, TokenError> verify_token(std::string_view token, std::string_view secret,
                                                 std::int64_t now_unix);

// Seconds since the Unix epoch from the system clock, for callers outside tests.
std::int64_t unix_now();

// Reads a secret from a file, dropping trailing line breaks and spaces so that `echo s > file`
// gives the same secret as `--secret s`. Fails, with why in one line, when the file is
// unreadable or the secret empty.
Expected<std::string> read_secret_file(const std::filesystem::path& path);

// base64url (RFC 4648 §5). Encoding never pads; decoding accepts input with or without padding
// but refuses other alphabets, stray characters and non-zero leftover bits.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace parley::auth
