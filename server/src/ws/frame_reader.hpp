#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "ws/frame_header.hpp"

namespace parley::ws {

// Parses what a WebSocket client sends (RFC 6455 section 5) into messages and control frames, and
// names the close code each violation earns. A pure state machine fed with whatever a socket read
// returned, so frames may arrive in pieces of any size, and tests drive it byte by byte.
//
// Memory is what matters here, since every idle connection has one: between messages the reader
// holds no heap memory. A frame that arrives whole is unmasked where it lies and returned as a view
// of the caller's bytes. Only a frame cut off by the end of a read, or the fragments of a
// fragmented message, are copied, and that buffer is released as soon as its message is returned.
class FrameReader {
  public:
    enum class Kind : std::uint8_t {
        need_more,  // all of the input was consumed; what came last is an incomplete frame
        text,       // a whole message, known to be valid UTF-8
        binary,
        ping,
        pong,
        close,  // the peer's close frame: its code (1005 when it sent none), payload the reason
        error,  // a violation: close with `code`, payload says why; the reader stays failed
    };
    struct Event {
        Kind kind = Kind::need_more;
        std::uint16_t code = 0;
        // Valid until the next call, and only as long as the input's bytes are.
        std::string_view payload;
    };

    explicit FrameReader(std::size_t max_message_bytes);
    ~FrameReader();

    // Consumes bytes from the front of `input`, unmasking them in place, up to the end of the
    // first complete message or control frame, and returns it; need_more once `input` is used up.
    // Nothing should be fed after a close or an error.
    Event next(std::span<char>& input);

    // Heap bytes held for a message or frame that has not arrived completely (its capacity).
    std::size_t buffered_bytes() const;

  private:
    // Only while a frame or message is incomplete; most sessions never need it.
    struct Held {
        std::string message;  // fragments, or the start of a message cut off by a read
        std::string control;  // the start of a control frame cut off by a read
    };

    bool collect_header(std::span<char>& input, std::size_t want);
    const char* check_start() const;  // the first two header bytes: why they are wrong, or null
    Event check_length();             // the whole header
    Event finish_control(std::string_view payload);
    Event finish_message(std::string_view payload);
    Event fail(std::uint16_t code, const char* why);
    void release_returned();
    void unmask(char* data, std::size_t size);

    std::unique_ptr<Held> held_;
    std::size_t max_message_bytes_;
    std::uint64_t frame_left_ = 0;   // payload bytes of the current frame still to come
    const char* failure_ = nullptr;  // why, once failed
    std::uint16_t failed_code_ = 0;
    unsigned char header_[max_header_size] = {};
    MaskKey mask_ = {};
    std::uint8_t header_size_ = 0;  // header bytes collected so far
    std::uint8_t mask_offset_ = 0;  // payload bytes unmasked so far, mod 4
    std::uint8_t opcode_ = 0;
    std::uint8_t message_opcode_ = 0;  // text or binary while a message is in progress, else 0
    bool fin_ = false;
    bool in_payload_ = false;
    bool frame_copied_ = false;     // part of this frame's payload is held
    bool release_message_ = false;  // the held message was returned: free it on the next call
    bool release_control_ = false;
};

}  // namespace parley::ws
