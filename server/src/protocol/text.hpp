#pragma once

#include <string_view>

namespace parley::protocol {

// Whether a code point draws nothing on its own: Unicode White_Space, a control, a
// default-ignorable or format character (zero-width spaces and joiners, bidi controls, variation
// selectors, tags, Hangul fillers), the Braille blank, or a combining mark (General_Category M),
// which only shows on a base character before it.
bool is_invisible(char32_t code_point);

// Whether `text` has at least one character that is not invisible, so that a message shows as
// more than blank space. `text` should be UTF-8; a malformed byte counts as visible, since it
// would be shown as a replacement character.
bool has_visible_character(std::string_view text);

}  // namespace parley::protocol
