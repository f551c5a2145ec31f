#include "ws/frame_writer.hpp"

#include <algorithm>
#include <cstdint>

namespace parley::ws {

namespace {

constexpr std::size_t max_control_payload = 125;

std::string control_frame(unsigned char fin_opcode, std::string_view payload) {
    payload = payload.substr(0, max_control_payload);
    std::string bytes;
    bytes.reserve(2 + payload.size());
    bytes.push_back(static_cast<char>(fin_opcode));
    bytes.push_back(static_cast<char>(payload.size()));
    bytes.append(payload);
    return bytes;
}

}  // namespace

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

std::string make_ping_frame() {
    return control_frame(0x89, {});
}

std::string make_pong_frame(std::string_view payload) {
    return control_frame(0x8a, payload);
}

std::string make_close_frame(std::uint16_t code, std::string_view reason) {
    if (code == 1005) return control_frame(0x88, {});
    auto cut = std::min(reason.size(), max_control_payload - 2);
    // Back up over continuation bytes so that no UTF-8 sequence is split.
    if (cut < reason.size())
        while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xc0) == 0x80) --cut;
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xff));
    payload.append(reason.substr(0, cut));
    return control_frame(0x88, payload);
}

}  // namespace parley::ws
