#include "ws/frame_writer.hpp"

#include <algorithm>
#include <cstdint>

#include "ws/frame_header.hpp"

namespace parley::ws {

namespace {

// One allocation of the frame's exact size: the header is built on the stack first.
std::string server_frame(Opcode opcode, std::string_view payload) {
    const auto header = encode_header<Role::server>(opcode, payload.size());
    std::string bytes;
    bytes.reserve(header.size + payload.size());
    bytes.append(header.view());
    bytes.append(payload);
    return bytes;
}

std::string control_frame(Opcode opcode, std::string_view payload) {
    return server_frame(opcode, payload.substr(0, max_control_payload));
}

}  // namespace

Frame make_text_frame(std::string_view payload) {
    return std::make_shared<const std::string>(server_frame(Opcode::text, payload));
}

std::string make_ping_frame() {
    return control_frame(Opcode::ping, {});
}

std::string make_pong_frame(std::string_view payload) {
    return control_frame(Opcode::pong, payload);
}

std::string make_close_frame(std::uint16_t code, std::string_view reason) {
    if (code == 1005) return control_frame(Opcode::close, {});
    auto cut = std::min(reason.size(), max_control_payload - 2);
    // Back up over continuation bytes so that no UTF-8 sequence is split.
    if (cut < reason.size())
        while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xc0) == 0x80) --cut;
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xff));
    payload.append(reason.substr(0, cut));
    return control_frame(Opcode::close, payload);
}

}  // namespace parley::ws
