#include "ws_frame.hpp"

#include <cstring>

namespace bench {
namespace {

bool is_control(Opcode opcode) {
    return static_cast<std::uint8_t>(opcode) >= 0x8;
}

bool is_known(std::uint8_t opcode) {
    return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA);
}

ParseResult invalid(const char* why) {
    ParseResult result;
    result.status = ParseStatus::invalid;
    result.error = why;
    return result;
}

}  // namespace

ParseResult parse_server_frame(std::string_view bytes, std::uint64_t max_payload) {
    ParseResult result;
    if (bytes.size() < 2) return result;
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());

    const bool fin = (data[0] & 0x80) != 0;
    if ((data[0] & 0x70) != 0) return invalid("reserved bits set (no extension was negotiated)");
    const std::uint8_t opcode_bits = data[0] & 0x0F;
    if (!is_known(opcode_bits)) return invalid("unknown opcode");
    const auto opcode = static_cast<Opcode>(opcode_bits);
    if ((data[1] & 0x80) != 0) return invalid("server frame is masked");

    std::uint64_t length = data[1] & 0x7F;
    std::size_t header = 2;
    if (length == 126) {
        header = 4;
        if (bytes.size() < header) return result;
        length = (std::uint64_t{data[2]} << 8) | data[3];
    } else if (length == 127) {
        header = 10;
        if (bytes.size() < header) return result;
        length = 0;
        for (int i = 2; i < 10; ++i) length = (length << 8) | data[i];
        if (length >> 63) return invalid("64-bit length has its top bit set");
    }
    if (is_control(opcode) && (!fin || length > 125)) return invalid("malformed control frame");
    if (length > max_payload) return invalid("frame larger than the configured maximum");
    if (bytes.size() - header < length) return result;

    result.status = ParseStatus::complete;
    result.frame.fin = fin;
    result.frame.opcode = opcode;
    result.frame.payload = bytes.substr(header, static_cast<std::size_t>(length));
    result.frame.frame_size = header + static_cast<std::size_t>(length);
    return result;
}

void append_client_frame(std::string& out, Opcode opcode, std::string_view payload,
                         std::uint32_t mask_key) {
    unsigned char header[14];
    std::size_t header_size = 2;
    header[0] = static_cast<unsigned char>(0x80 | static_cast<std::uint8_t>(opcode));
    const std::uint64_t length = payload.size();
    if (length < 126) {
        header[1] = static_cast<unsigned char>(0x80 | length);
    } else if (length <= 0xFFFF) {
        header[1] = 0x80 | 126;
        header[2] = static_cast<unsigned char>(length >> 8);
        header[3] = static_cast<unsigned char>(length);
        header_size = 4;
    } else {
        header[1] = 0x80 | 127;
        for (int i = 0; i < 8; ++i)
            header[2 + i] = static_cast<unsigned char>(length >> (8 * (7 - i)));
        header_size = 10;
    }
    unsigned char mask[4];
    std::memcpy(mask, &mask_key, 4);
    std::memcpy(header + header_size, mask, 4);
    header_size += 4;

    const std::size_t start = out.size();
    out.append(reinterpret_cast<const char*>(header), header_size);
    out.append(payload);
    auto* body = reinterpret_cast<unsigned char*>(out.data() + start + header_size);
    for (std::size_t i = 0; i < payload.size(); ++i) body[i] ^= mask[i & 3];
}

}  // namespace bench
