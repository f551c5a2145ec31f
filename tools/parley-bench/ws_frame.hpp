#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

enum class Opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

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
