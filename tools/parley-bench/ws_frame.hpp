#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ws/frame_header.hpp"

namespace bench {

// The header rules, opcodes and masking are the server's own (ws/frame_header.hpp, header-only,
// standard C++ only), in the client's role. What stays here is how the tool uses them: parsing
// whole frames in place out of its read buffer and appending masked frames to its send buffers.
using Opcode = parley::ws::Opcode;

// One complete server frame, viewed in place: the payload points into the caller's buffer.
struct FrameView {
    bool fin = false;
    Opcode opcode = Opcode::text;
    std::string_view payload;
    std::size_t frame_size = 0;  // header + payload: how many bytes to consume
};

enum class ParseStatus { complete, incomplete, invalid };

struct ParseResult {
    ParseStatus status = ParseStatus::incomplete;
    FrameView frame;
    const char* error = "";  // set when invalid
};

// Parses the first server-to-client frame at the start of `bytes`. Incremental by design: with
// too few bytes it answers `incomplete` and the caller retries once more have arrived, so a frame
// split anywhere (even inside the 126/127 extended length) is handled without copying.
ParseResult parse_server_frame(std::string_view bytes, std::uint64_t max_payload);

// Appends one FIN client frame to `out`. Clients must mask (RFC 6455 5.3); the key comes from the
// caller so each worker can use its own cheap generator.
void append_client_frame(std::string& out, Opcode opcode, std::string_view payload,
                         std::uint32_t mask_key);

}  // namespace bench
