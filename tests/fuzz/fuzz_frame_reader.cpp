// Feeds arbitrary bytes to the reader of client WebSocket frames, whole and cut into pieces at
// places the input itself chooses. Besides crashes and sanitizer reports, it checks that the cuts
// change nothing (a socket may split frames anywhere), that nothing over the limit is returned,
// and that text is valid UTF-8.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ws/frame_reader.hpp"
#include "ws/utf8.hpp"

namespace {

using parley::ws::FrameReader;
using Kind = FrameReader::Kind;

constexpr std::size_t max_message = 4096;

void require(bool condition) {
    if (!condition) __builtin_trap();
}

struct Seen {
    Kind kind;
    std::uint16_t code;
    std::string payload;
    bool operator==(const Seen&) const = default;
};

// Parses `bytes` fed in pieces whose sizes come from `cuts` (empty: all at once).
std::vector<Seen> parse(std::string bytes, std::span<const std::uint8_t> cuts) {
    FrameReader reader(max_message);
    std::vector<Seen> seen;
    std::size_t at = 0, cut = 0;
    while (at < bytes.size()) {
        std::size_t size = bytes.size() - at;
        if (!cuts.empty()) size = std::min<std::size_t>(size, 1 + cuts[cut++ % cuts.size()]);
        std::span<char> input(bytes.data() + at, size);
        while (true) {
            auto event = reader.next(input);
            if (event.kind == Kind::need_more) break;
            if (event.kind == Kind::text || event.kind == Kind::binary)
                require(event.payload.size() <= max_message);
            if (event.kind == Kind::text) require(parley::ws::is_valid_utf8(event.payload));
            seen.push_back({event.kind, event.code, std::string(event.payload)});
            if (event.kind == Kind::error || event.kind == Kind::close) return seen;
        }
        require(input.empty());
        at += size;
    }
    return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    // The first byte says how many of the following bytes choose the cuts; the rest is the stream.
    std::size_t cut_bytes = std::min<std::size_t>(data[0] % 16, size - 1);
    std::span<const std::uint8_t> cuts(data + 1, cut_bytes);
    std::string bytes(reinterpret_cast<const char*>(data + 1 + cut_bytes), size - 1 - cut_bytes);
    require(parse(bytes, {}) == parse(bytes, cuts));
    return 0;
}
