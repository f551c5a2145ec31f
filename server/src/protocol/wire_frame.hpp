#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace parley::protocol {

// The bytes of one complete server-to-client WebSocket frame, header included. Server frames are
// never masked, so one frame is byte-for-byte the same for every recipient: a broadcast builds it
// once and every participant's queue holds the same immutable bytes.
using Frame = std::shared_ptr<const std::string>;

// A FIN text frame carrying `payload` (one JSON object).
Frame make_text_frame(std::string_view payload);

}  // namespace parley::protocol
