#include "protocol/wire_frame.hpp"

#include <cstdint>

namespace parley::protocol {

Frame make_text_frame(std::string_view payload) {
    constexpr unsigned char fin_text = 0x81;
    const std::uint64_t size = payload.size();
    std::string bytes;
    bytes.reserve(payload.size() + 10);
    bytes.push_back(static_cast<char>(fin_text));
    if (size < 126) {
        bytes.push_back(static_cast<char>(size));
    } else if (size <= 0xffff) {
        bytes.push_back(static_cast<char>(126));
        bytes.push_back(static_cast<char>((size >> 8) & 0xff));
        bytes.push_back(static_cast<char>(size & 0xff));
    } else {
        bytes.push_back(static_cast<char>(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            bytes.push_back(static_cast<char>((size >> shift) & 0xff));
    }
    bytes.append(payload);
    return std::make_shared<const std::string>(std::move(bytes));
}

}  // namespace parley::protocol
