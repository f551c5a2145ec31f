#include "ws_frame.hpp"

#include <cstring>

namespace bench {

namespace ws = parley::ws;
using ws::Role;

ParseResult parse_server_frame(std::string_view bytes, std::uint64_t max_payload) {
    ParseResult result;
    const ws::HeaderParse parsed = ws::parse_header<Role::client>(bytes);
    if (parsed.status == ws::HeaderStatus::invalid) {
        result.status = ParseStatus::invalid;
        result.error = parsed.why;
        return result;
    }
    if (parsed.status == ws::HeaderStatus::incomplete) return result;
    const ws::FrameHeader& header = parsed.header;
    const std::uint64_t length = header.payload_size;
    if (length > max_payload) {
        result.status = ParseStatus::invalid;
        result.error = "frame larger than the configured maximum";
        return result;
    }
    if (bytes.size() - header.size < length) return result;

    result.status = ParseStatus::complete;
    result.frame.fin = header.fin;
    result.frame.opcode = header.opcode;
    result.frame.payload = bytes.substr(header.size, static_cast<std::size_t>(length));
    result.frame.frame_size = header.size + static_cast<std::size_t>(length);
    return result;
}

void append_client_frame(std::string& out, Opcode opcode, std::string_view payload,
                         std::uint32_t mask_key) {
    ws::MaskKey mask;
    std::memcpy(mask.data(), &mask_key, mask.size());
    const auto header = ws::encode_header<Role::client>(opcode, payload.size(), mask);
    const std::size_t start = out.size() + header.size;
    out.append(header.view());
    out.append(payload);
    ws::apply_mask(out.data() + start, payload.size(), mask);
}

}  // namespace bench
