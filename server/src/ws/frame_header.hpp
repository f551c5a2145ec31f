#pragma once

// The WebSocket frame header of RFC 6455 section 5.2, for both ends of a connection: the server
// (ws/frame_writer, ws/frame_reader) and the load generator (tools/parley-bench) share it. The two
// ends differ only in masking: a client masks every frame it sends and a server none, so each
// function is a template on the role of the side that uses it, and a frame of the wrong kind is
// a compile error when writing and a rejected header when reading.
//
// Header-only and standard C++ only (nothing of Parley, no Boost): the tool includes it and
// must stay buildable on its own. It knows frames, not connections: the rules that need what
// came before (fragments in order, a message's size across its fragments) and the payloads'
// rules (close codes, UTF-8) stay with the readers, which know their context and limits. So does
// the handling of payloads, which the two ends need in different shapes: the server's reader
// collects a header byte by byte and copies only frames cut off by a read, because an idle
// session must hold no buffer; the tool parses whole frames where they lie in its read buffer,
// because it parses two million frames a second on the core it shares with the server.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace parley::ws {

// Who uses the codec: a server writes unmasked frames and reads masked ones, a client the reverse.
enum class Role : std::uint8_t { server, client };

enum class Opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xa,
};

using MaskKey = std::array<unsigned char, 4>;

inline constexpr std::size_t max_control_payload = 125;
inline constexpr std::size_t max_header_size = 14;  // 2, a 64-bit length and a mask key

constexpr bool is_control(std::uint8_t opcode) noexcept {
    return (opcode & 0x8) != 0;
}

constexpr bool is_known_opcode(std::uint8_t opcode) noexcept {
    return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);
}

// Frames one role sends carry a mask key exactly when that role is the client.
template <Role sender>
inline constexpr bool sends_mask = sender == Role::client;

// The frames a role receives are the other role's.
template <Role receiver>
inline constexpr Role peer_of = receiver == Role::server ? Role::client : Role::server;

// ---- writing ------------------------------------------------------------------------------------

// A header as it goes on the wire, built on the stack so a writer can reserve the frame's exact
// size and append header and payload to it with no second allocation.
struct EncodedHeader {
    std::array<char, max_header_size> bytes{};
    std::uint8_t size = 0;
    std::string_view view() const noexcept { return {bytes.data(), size}; }
};

namespace detail {

constexpr std::size_t write_length(EncodedHeader& out, unsigned char mask_bit, std::uint64_t size) {
    if (size < 126) {
        out.bytes[1] = static_cast<char>(mask_bit | size);
        return 2;
    }
    if (size <= 0xffff) {
        out.bytes[1] = static_cast<char>(mask_bit | 126);
        out.bytes[2] = static_cast<char>((size >> 8) & 0xff);
        out.bytes[3] = static_cast<char>(size & 0xff);
        return 4;
    }
    out.bytes[1] = static_cast<char>(mask_bit | 127);
    for (int i = 0; i < 8; ++i) out.bytes[2 + i] = static_cast<char>((size >> (56 - 8 * i)) & 0xff);
    return 10;
}

constexpr char first_byte(Opcode opcode, bool fin) {
    return static_cast<char>((fin ? 0x80 : 0) | static_cast<std::uint8_t>(opcode));
}

}  // namespace detail

// The header of a frame a server sends: never masked (RFC 6455 5.1), so the same bytes serve
// every recipient. Lengths take the shortest of the 7-, 16- and 64-bit forms, as 5.2 requires.
template <Role sender>
constexpr EncodedHeader encode_header(Opcode opcode, std::uint64_t payload_size,
                                      bool fin = true) requires(!sends_mask<sender>) {
    EncodedHeader out;
    out.bytes[0] = detail::first_byte(opcode, fin);
    out.size = static_cast<std::uint8_t>(detail::write_length(out, 0, payload_size));
    return out;
}

// The header of a frame a client sends, ending in `mask`; the payload that follows must be masked
// with it (apply_mask).
template <Role sender>
constexpr EncodedHeader encode_header(Opcode opcode, std::uint64_t payload_size, MaskKey mask,
                                      bool fin = true) requires sends_mask<sender> {
    EncodedHeader out;
    out.bytes[0] = detail::first_byte(opcode, fin);
    const std::size_t at = detail::write_length(out, 0x80, payload_size);
    for (std::size_t i = 0; i < 4; ++i) out.bytes[at + i] = static_cast<char>(mask[i]);
    out.size = static_cast<std::uint8_t>(at + 4);
    return out;
}

// XORs `size` bytes with the key, the first of them being byte `offset` of the payload (a payload
// may be masked or unmasked in pieces). Masking and unmasking are the same operation.
constexpr void apply_mask(char* data, std::size_t size, const MaskKey& mask,
                          std::size_t offset = 0) noexcept {
    for (std::size_t i = 0; i < size; ++i)
        data[i] = static_cast<char>(data[i] ^ mask[(offset + i) & 3]);
}

// ---- reading ------------------------------------------------------------------------------------

struct FrameHeader {
    bool fin = false;
    Opcode opcode = Opcode::continuation;
    std::uint8_t size = 0;  // header bytes, the mask key included
    std::uint64_t payload_size = 0;
    MaskKey mask{};  // frames from a client only
};

enum class HeaderStatus : std::uint8_t { incomplete, complete, invalid };

struct HeaderParse {
    HeaderStatus status = HeaderStatus::incomplete;
    FrameHeader header;    // when complete
    const char* why = "";  // when invalid: the reason, fit for a close frame
};

// What the first two bytes of a frame `receiver` reads already rule out, so a reader can refuse a
// frame before the rest of its header arrives: the reason, or null. Checks reserved bits (no
// extension is ever negotiated), the opcode, the mask bit and the control-frame rules of 5.5.
template <Role receiver>
constexpr const char* check_first_bytes(unsigned char first, unsigned char second) noexcept {
    const std::uint8_t opcode = first & 0x0f;
    const std::size_t length7 = second & 0x7f;
    if ((first & 0x70) != 0) return "reserved bits set";
    if (!is_known_opcode(opcode)) return "unknown opcode";
    const bool masked = (second & 0x80) != 0;
    if constexpr (sends_mask<peer_of<receiver>>) {
        if (!masked) return "client frames must be masked";
    } else {
        if (masked) return "server frames must not be masked";
    }
    if (is_control(opcode)) {
        if ((first & 0x80) == 0) return "fragmented control frame";
        if (length7 > max_control_payload) return "control frame over 125 bytes";
        if (opcode == static_cast<std::uint8_t>(Opcode::close) && length7 == 1)
            return "close frame with a one-byte payload";
    }
    return nullptr;
}

// The length of the whole header, mask key included, as announced by its second byte (which
// must have passed check_first_bytes).
template <Role receiver>
constexpr std::size_t header_size(unsigned char second) noexcept {
    const std::uint8_t length7 = second & 0x7f;
    const std::size_t length_bytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
    return 2 + length_bytes + (sends_mask<peer_of<receiver>> ? 4 : 0);
}

// Parses the header at the start of `bytes` (a frame `receiver` reads): incomplete while fewer
// bytes than the header are there, whatever follows it is not looked at. Besides
// check_first_bytes, the length must take its shortest form and a 64-bit length must leave the
// top bit clear (5.2). The payload's size is the caller's to limit.
template <Role receiver>
constexpr HeaderParse parse_header(std::string_view bytes) noexcept {
    HeaderParse result;
    if (bytes.size() < 2) return result;
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    if (const char* why = check_first_bytes<receiver>(byte(0), byte(1))) {
        result.status = HeaderStatus::invalid;
        result.why = why;
        return result;
    }
    const std::size_t size = header_size<receiver>(byte(1));
    if (bytes.size() < size) return result;

    const std::uint8_t length7 = byte(1) & 0x7f;
    std::uint64_t length = length7;
    std::size_t at = 2;
    if (length7 >= 126) {
        const std::size_t length_bytes = length7 == 126 ? 2 : 8;
        length = 0;
        for (std::size_t i = 0; i < length_bytes; ++i) length = (length << 8) | byte(at + i);
        at += length_bytes;
        const std::uint64_t smallest = length7 == 126 ? 126 : 0x10000;
        if (length < smallest || (length >> 63) != 0) {
            result.status = HeaderStatus::invalid;
            result.why = "frame length not minimally encoded";
            return result;
        }
    }
    FrameHeader& header = result.header;
    if constexpr (sends_mask<peer_of<receiver>>)
        for (std::size_t i = 0; i < 4; ++i) header.mask[i] = byte(at + i);
    header.fin = (byte(0) & 0x80) != 0;
    header.opcode = static_cast<Opcode>(byte(0) & 0x0f);
    header.size = static_cast<std::uint8_t>(size);
    header.payload_size = length;
    result.status = HeaderStatus::complete;
    return result;
}

}  // namespace parley::ws
