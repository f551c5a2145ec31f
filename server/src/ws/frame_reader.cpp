#include "ws/frame_reader.hpp"

#include <algorithm>
#include <cstring>

#include "ws/utf8.hpp"

namespace parley::ws {

namespace {

// The opcode bytes as they are held while a frame is read, before they are known to be valid.
constexpr auto op_continuation = static_cast<std::uint8_t>(Opcode::continuation);
constexpr auto op_text = static_cast<std::uint8_t>(Opcode::text);
constexpr auto op_ping = static_cast<std::uint8_t>(Opcode::ping);
constexpr auto op_pong = static_cast<std::uint8_t>(Opcode::pong);
constexpr std::uint16_t protocol_error = 1002, invalid_payload = 1007, too_big = 1009;

// Assigning an empty string would keep the old allocation; swapping with one frees it.
void release(std::string& buffer) {
    std::string().swap(buffer);
}

// The codes a peer may put in its close frame: 1004-1006 and 1015 are reserved for reporting
// and must never be sent, 1016-2999 are reserved for future standards.
bool is_sendable_close_code(std::uint16_t code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

}  // namespace

FrameReader::FrameReader(std::size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

FrameReader::~FrameReader() = default;

std::size_t FrameReader::buffered_bytes() const {
    if (!held_) return 0;
    return sizeof(Held) + held_->message.capacity() + held_->control.capacity();
}

void FrameReader::release_returned() {
    if (!held_) return;
    if (release_message_) release(held_->message);
    if (release_control_) release(held_->control);
    release_message_ = release_control_ = false;
    if (held_->message.empty() && held_->control.empty() && !frame_copied_) held_.reset();
}

FrameReader::Event FrameReader::next(std::span<char>& input) {
    if (failed_code_ != 0) return {Kind::error, failed_code_, failure_};
    release_returned();

    while (true) {
        if (!in_payload_) {
            if (!collect_header(input, 2)) return {};
            // Rejected from the first two bytes already, without waiting for the rest.
            if (const char* why = check_start()) return fail(protocol_error, why);
            if (!collect_header(input, header_size<Role::server>(header_[1]))) return {};
            if (auto error = check_length(); error.kind == Kind::error) return error;
        }
        const bool control = is_control(opcode_);
        const auto available =
            static_cast<std::size_t>(std::min<std::uint64_t>(frame_left_, input.size()));

        // The usual case: a whole one-frame message or control frame within the input.
        bool single = control || (fin_ && opcode_ != op_continuation);
        if (single && !frame_copied_ && available == frame_left_) {
            unmask(input.data(), available);
            std::string_view payload(input.data(), available);
            input = input.subspan(available);
            in_payload_ = false;
            return control ? finish_control(payload) : finish_message(payload);
        }

        if (!held_) held_ = std::make_unique<Held>();
        std::string& buffer = control ? held_->control : held_->message;
        if (!frame_copied_) buffer.reserve(buffer.size() + frame_left_);  // within the limit
        frame_copied_ = true;
        auto start = buffer.size();
        buffer.append(input.data(), available);
        unmask(buffer.data() + start, available);
        input = input.subspan(available);
        frame_left_ -= available;
        if (frame_left_ > 0) return {};

        in_payload_ = false;
        frame_copied_ = false;
        if (control) {
            release_control_ = true;
            return finish_control(held_->control);
        }
        if (fin_) {
            release_message_ = true;
            return finish_message(held_->message);
        }
        // A fragment that is not the last: read on for the next one.
    }
}

bool FrameReader::collect_header(std::span<char>& input, std::size_t want) {
    if (header_size_ >= want) return true;
    auto n = std::min<std::size_t>(want - header_size_, input.size());
    if (n > 0) std::memcpy(header_ + header_size_, input.data(), n);
    header_size_ = static_cast<std::uint8_t>(header_size_ + n);
    input = input.subspan(n);
    return header_size_ == want;
}

// The checks of ws/frame_header.hpp, then those that need the message in progress. They come
// before the rest of the header, which may be long in coming.
const char* FrameReader::check_start() const {
    if (const char* why = check_first_bytes<Role::server>(header_[0], header_[1])) return why;
    const std::uint8_t opcode = header_[0] & 0x0f;
    if (is_control(opcode)) return nullptr;
    if (opcode == op_continuation && message_opcode_ == 0)
        return "continuation frame outside a message";
    if (opcode != op_continuation && message_opcode_ != 0)
        return "new message inside a fragmented one";
    return nullptr;
}

FrameReader::Event FrameReader::check_length() {
    // The header is complete here and its first bytes passed check_start, so the parse is either
    // complete or rejects the length's encoding.
    const auto parsed = parse_header<Role::server>(
        std::string_view(reinterpret_cast<const char*>(header_), header_size_));
    if (parsed.status != HeaderStatus::complete) return fail(protocol_error, parsed.why);
    const FrameHeader& header = parsed.header;
    const std::uint64_t length = header.payload_size;
    mask_ = header.mask;
    header_size_ = 0;

    opcode_ = static_cast<std::uint8_t>(header.opcode);
    fin_ = header.fin;
    if (!is_control(opcode_)) {
        std::size_t so_far = held_ ? held_->message.size() : 0;
        if (length > max_message_bytes_ - std::min(so_far, max_message_bytes_))
            return fail(too_big, "message too big");
        if (opcode_ != op_continuation) message_opcode_ = opcode_;
    }
    frame_left_ = length;
    mask_offset_ = 0;
    in_payload_ = true;
    return {};
}

FrameReader::Event FrameReader::finish_control(std::string_view payload) {
    if (opcode_ == op_ping) return {Kind::ping, 0, payload};
    if (opcode_ == op_pong) return {Kind::pong, 0, payload};
    if (payload.empty()) return {Kind::close, 1005, {}};
    auto code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                           static_cast<unsigned char>(payload[1]));
    if (!is_sendable_close_code(code)) return fail(protocol_error, "invalid close code");
    auto reason = payload.substr(2);
    if (!is_valid_utf8(reason)) return fail(invalid_payload, "invalid UTF-8 in close reason");
    return {Kind::close, code, reason};
}

FrameReader::Event FrameReader::finish_message(std::string_view payload) {
    auto opcode = message_opcode_;
    message_opcode_ = 0;
    if (opcode == op_text && !is_valid_utf8(payload)) return fail(invalid_payload, "invalid UTF-8");
    return {opcode == op_text ? Kind::text : Kind::binary, 0, payload};
}

FrameReader::Event FrameReader::fail(std::uint16_t code, const char* why) {
    failed_code_ = code;
    failure_ = why;
    held_.reset();
    return {Kind::error, code, why};
}

void FrameReader::unmask(char* data, std::size_t size) {
    apply_mask(data, size, mask_, mask_offset_);
    mask_offset_ = static_cast<std::uint8_t>((mask_offset_ + size) & 3);
}

}  // namespace parley::ws
