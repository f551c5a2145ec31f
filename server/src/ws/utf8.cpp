#include "ws/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace parley::ws {

bool is_valid_utf8(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    while (p < end) {
        // Chat text is mostly ASCII: skip it eight bytes at a time.
        if (end - p >= 8) {
            std::uint64_t word;
            std::memcpy(&word, p, 8);
            if ((word & 0x8080808080808080ull) == 0) {
                p += 8;
                continue;
            }
        }
        unsigned char lead = *p;
        if (lead < 0x80) {
            ++p;
            continue;
        }
        // The lead byte fixes the length; the second byte's range is what excludes overlong
        // forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
        int length;
        unsigned char low = 0x80, high = 0xbf;
        if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            if (lead == 0xe0) low = 0xa0;
            if (lead == 0xed) high = 0x9f;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            if (lead == 0xf0) low = 0x90;
            if (lead == 0xf4) high = 0x8f;
        } else {
            return false;  // a continuation byte, C0/C1 (always overlong), or F5 and above
        }
        if (end - p < length) return false;
        if (p[1] < low || p[1] > high) return false;
        for (int i = 2; i < length; ++i)
            if ((p[i] & 0xc0) != 0x80) return false;
        p += length;
    }
    return true;
}

}  // namespace parley::ws
