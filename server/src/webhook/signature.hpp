#pragma once

#include <string>
#include <string_view>

namespace parley::webhook {

// X-Parley-Signature's value: "sha256=" and the lower-case hex HMAC-SHA256 of the body keyed
// with the secret (--webhook-secret), which a receiver recomputes to know the body is Parley's.
std::string signature(std::string_view secret, std::string_view body);

}  // namespace parley::webhook
