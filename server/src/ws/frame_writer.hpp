#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace parley::ws {

// The bytes of one complete server-to-client WebSocket frame, header included. Server frames are
// never masked, so one frame is byte-for-byte the same for every recipient: a broadcast builds it
// once and every participant's queue holds the same immutable bytes.
using Frame = std::shared_ptr<const std::string>;

// A FIN text frame carrying `payload` (one JSON object).
Frame make_text_frame(std::string_view payload);

// Control frames, as bytes for one session's queue. Their payloads are at most 125 bytes: longer
// ones are cut (the reason of a close frame where a UTF-8 sequence starts, so it stays valid).
std::string make_ping_frame();
std::string make_pong_frame(std::string_view payload);
// Code 1005 ("none given") is sent as an empty close frame, as RFC 6455 requires.
std::string make_close_frame(std::uint16_t code, std::string_view reason);

}  // namespace parley::ws
