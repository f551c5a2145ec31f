#include "auth/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

namespace parley::auth {

namespace {

using nlohmann::json;

constexpr std::size_t sha256_bytes = 32;
constexpr std::size_t max_secret_file_bytes = 64 * 1024;
constexpr std::string_view base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet_of(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

using Mac = std::array<unsigned char, sha256_bytes>;

std::optional<Mac> hmac_sha256(std::string_view key, std::string_view data) {
    // OpenSSL wants real pointers even for empty inputs.
    static const unsigned char nothing = 0;
    const void* key_bytes = key.empty() ? static_cast<const void*>(&nothing) : key.data();
    const auto* data_bytes =
        data.empty() ? &nothing : reinterpret_cast<const unsigned char*>(data.data());
    if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return std::nullopt;

    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int out_size = 0;
    if (HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()), data_bytes, data.size(),
             out.data(), &out_size) == nullptr ||
        out_size != sha256_bytes)
        return std::nullopt;
    Mac mac;
    std::copy_n(out.begin(), sha256_bytes, mac.begin());
    return mac;
}

std::optional<json> decode_json_object(std::string_view segment) {
    auto text = base64url_decode(segment);
    if (!text) return std::nullopt;
    json value = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded() || !value.is_object()) return std::nullopt;
    return value;
}

// NumericDate as an integer; a huge unsigned value saturates rather than wrapping negative.
std::optional<std::int64_t> integer_seconds(const json& value) {
    if (value.is_number_unsigned()) {
        auto seconds = value.get<std::uint64_t>();
        constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        return static_cast<std::int64_t>(seconds > max ? max : seconds);
    }
    if (value.is_number_integer()) return value.get<std::int64_t>();
    return std::nullopt;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
    std::int64_t sum = 0;
    if (__builtin_add_overflow(a, b, &sum))
        return b > 0 ? std::numeric_limits<std::int64_t>::max()
                     : std::numeric_limits<std::int64_t>::min();
    return sum;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) {
            return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

Expected<void, TokenError> check_header(const json& header) {
    auto alg = header.find("alg");
    if (alg == header.end()) return TokenError{"missing alg"};
    // Only the one algorithm we sign with: "none" and the RSA/EC families would let a client
    // choose how its token is checked.
    if (!alg->is_string() || alg->get_ref<const std::string&>() != "HS256")
        return TokenError{"unsupported alg"};
    if (auto typ = header.find("typ"); typ != header.end()) {
        if (!typ->is_string() || !equals_ignoring_case(typ->get_ref<const std::string&>(), "JWT"))
            return TokenError{"unsupported typ"};
    }
    // RFC 7515 §4.1.11: extensions we do not understand must make the token invalid.
    if (header.contains("crit")) return TokenError{"unsupported crit"};
    return {};
}

Expected<VerifiedToken, TokenError> verify_or_throw(std::string_view token, std::string_view secret,
                                                    std::int64_t now_unix) {
    if (secret.empty()) return TokenError{"no secret configured"};
    if (token.size() > max_token_bytes) return TokenError{"token too long"};

    auto first_dot = token.find('.');
    auto second_dot = first_dot == token.npos ? token.npos : token.find('.', first_dot + 1);
    if (second_dot == token.npos || token.find('.', second_dot + 1) != token.npos)
        return TokenError{"malformed token"};
    auto header_segment = token.substr(0, first_dot);
    auto claims_segment = token.substr(first_dot + 1, second_dot - first_dot - 1);
    auto signature_segment = token.substr(second_dot + 1);

    auto header = decode_json_object(header_segment);
    if (!header) return TokenError{"malformed header"};
    if (auto checked = check_header(*header); !checked) return checked.error();

    // The MAC covers the segments exactly as sent, padding included, so no re-encoding here.
    auto signature = base64url_decode(signature_segment);
    if (!signature) return TokenError{"malformed signature"};
    auto expected = hmac_sha256(secret, token.substr(0, second_dot));
    if (!expected) return TokenError{"signature check failed"};
    if (signature->size() != expected->size() ||
        CRYPTO_memcmp(signature->data(), expected->data(), expected->size()) != 0)
        return TokenError{"bad signature"};

    // Only now, with the sender authenticated, are the claims worth reading.
    auto claims = decode_json_object(claims_segment);
    if (!claims) return TokenError{"malformed claims"};

    auto sub = claims->find("sub");
    if (sub == claims->end() || !sub->is_string() || sub->get_ref<const std::string&>().empty())
        return TokenError{"missing sub"};

    auto exp_claim = claims->find("exp");
    if (exp_claim == claims->end()) return TokenError{"missing exp"};
    auto exp = integer_seconds(*exp_claim);
    if (!exp) return TokenError{"exp is not an integer"};
    if (saturating_add(*exp, token_clock_leeway_seconds) <= now_unix) return TokenError{"expired"};

    if (auto nbf_claim = claims->find("nbf"); nbf_claim != claims->end()) {
        auto nbf = integer_seconds(*nbf_claim);
        if (!nbf) return TokenError{"nbf is not an integer"};
        if (saturating_add(now_unix, token_clock_leeway_seconds) < *nbf)
            return TokenError{"not yet valid"};
    }

    std::int64_t issued_at = 0;
    if (auto iat_claim = claims->find("iat"); iat_claim != claims->end()) {
        auto iat = integer_seconds(*iat_claim);
        if (!iat) return TokenError{"iat is not an integer"};
        issued_at = *iat;
    }
    return VerifiedToken{sub->get<std::string>(), *exp, issued_at};
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (unsigned char byte : bytes) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(base64url_alphabet[(buffer >> bits) & 0x3F]);
        }
    }
    if (bits > 0) out.push_back(base64url_alphabet[(buffer << (6 - bits)) & 0x3F]);
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    // Padding is optional, but when present it has to complete the last group of four.
    std::size_t padding = 0;
    while (padding < 2 && !text.empty() && text.back() == '=') {
        text.remove_suffix(1);
        ++padding;
    }
    if (padding > 0 && (text.size() + padding) % 4 != 0) return std::nullopt;
    if (text.size() % 4 == 1) return std::nullopt;  // six bits cannot make a byte

    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        int sextet = sextet_of(c);
        if (sextet < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(sextet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    // Non-zero leftover bits would give several spellings of one token.
    if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

std::string sign_token(std::string_view secret, std::string_view subject, std::chrono::seconds ttl,
                       std::int64_t now_unix) {
    const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    const json claims = {{"sub", std::string(subject)},
                         {"iat", now_unix},
                         {"exp", saturating_add(now_unix, ttl.count())}};
    // `replace` keeps dump() from throwing on a subject that is not UTF-8.
    auto dump = [](const json& value) {
        return value.dump(-1, ' ', false, json::error_handler_t::replace);
    };
    std::string signing_input =
        base64url_encode(dump(header)) + '.' + base64url_encode(dump(claims));
    auto mac = hmac_sha256(secret, signing_input);
    if (!mac) return {};
    std::string_view mac_bytes(reinterpret_cast<const char*>(mac->data()), mac->size());
    return signing_input + '.' + base64url_encode(mac_bytes);
}

Expected<VerifiedToken, TokenError> verify_token(std::string_view token, std::string_view secret,
                                                 std::int64_t now_unix) {
    try {
        return verify_or_throw(token, secret, now_unix);
    } catch (...) {
        // Only allocation failure can get here; the reason fits in the small-string buffer.
        return TokenError{"internal error"};
    }
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Expected<std::string> read_secret_file(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return Failure{"cannot read secret file " + path.string()};
    std::string secret(max_secret_file_bytes + 1, '\0');
    file.read(secret.data(), static_cast<std::streamsize>(secret.size()));
    if (file.bad()) return Failure{"cannot read secret file " + path.string()};
    secret.resize(static_cast<std::size_t>(file.gcount()));
    if (secret.size() > max_secret_file_bytes)
        return Failure{"secret file " + path.string() + " is larger than 64 KiB"};
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' ||
                               secret.back() == ' ' || secret.back() == '\t'))
        secret.pop_back();
    if (secret.empty()) return Failure{"secret file " + path.string() + " is empty"};
    return secret;
}

}  // namespace parley::auth
