// Arbitrary bytes as a token must never crash, throw or verify without the secret; and any
// subject we sign must verify back to itself.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "auth/jwt.hpp"

namespace {

using namespace parley::auth;

// scripts/fuzz seeds the corpus with a token signed with this secret, so that mutations reach
// the claim checks behind the signature.
constexpr std::string_view secret = "parley-fuzz-secret";
constexpr std::int64_t now = 1'800'000'000;

void require(bool condition) {
    if (!condition) __builtin_trap();
}

bool is_ascii(std::string_view text) {
    for (char c : text)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);

    auto result = verify_token(input, secret, now);
    if (const auto* token = result ? &*result : nullptr) {
        require(!token->subject.empty());
        require(token->expires_at > now - token_clock_leeway_seconds);
    }
    // Nobody can produce a MAC for a secret they do not know, not even a fuzzer.
    require(!verify_token(input, "another secret", now));

    // Kept short enough that even \u-escaped control characters fit in max_token_bytes.
    if (!input.empty() && size <= 512) {
        auto signed_token = sign_token(secret, input, std::chrono::hours(1), now);
        auto round_trip = verify_token(signed_token, secret, now);
        const auto* verified = round_trip ? &*round_trip : nullptr;
        require(verified != nullptr);
        // Bytes that are not UTF-8 are replaced when signing, so only ASCII must come back as is.
        if (is_ascii(input)) require(verified->subject == input);
    }
    return 0;
}
