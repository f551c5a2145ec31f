#pragma once

#include <string_view>

namespace parley::ws {

// Whether `text` is well-formed UTF-8 (RFC 3629): no overlong forms, no UTF-16 surrogates,
// nothing above U+10FFFF, no sequence cut off at the end.
bool is_valid_utf8(std::string_view text);

}  // namespace parley::ws
