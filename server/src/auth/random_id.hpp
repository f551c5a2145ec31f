#pragma once

#include <string>
#include <string_view>

namespace parley::auth {

// 128 random bits from the system's cryptographic generator, as 32 lower-case hex digits: an id
// that is its holder's proof (a guest's resume id), so it must not be guessable.
std::string random_id();

// Whether `text` is such an id.
bool is_random_id(const std::string& text);

// Compares in time that depends only on the length, so a secret (an id, a token, a setup code)
// cannot be guessed byte by byte.
bool same_secret(std::string_view given, std::string_view expected);

}  // namespace parley::auth
