#pragma once

#include <string>

namespace parley::auth {

// 128 random bits from the system's cryptographic generator, as 32 lower-case hex digits: an id
// that is its holder's proof (a guest's resume id), so it must not be guessable.
std::string random_id();

// Whether `text` is such an id.
bool is_random_id(const std::string& text);

}  // namespace parley::auth
