// The reader of client frames: every close code a client can earn, fragmentation, masking, and
// frames cut at any byte by the reads that deliver them.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ws/frame_reader.hpp"
#include "ws/frame_writer.hpp"
#include "ws/utf8.hpp"

namespace parley::ws {
namespace {

using Kind = FrameReader::Kind;

constexpr unsigned char text_op = 0x1, binary_op = 0x2, continuation_op = 0x0, close_op = 0x8,
                        ping_op = 0x9, pong_op = 0xa;

// A frame as a client sends it: masked, with the shortest length encoding unless told otherwise.
std::string client_frame(unsigned char opcode, const std::string& payload, bool fin = true,
                         bool masked = true, unsigned char first_byte_extra = 0) {
    std::string bytes;
    bytes.push_back(static_cast<char>((fin ? 0x80 : 0) | first_byte_extra | opcode));
    const unsigned char mask_bit = masked ? 0x80 : 0;
    const std::uint64_t size = payload.size();
    if (size < 126) {
        bytes.push_back(static_cast<char>(mask_bit | size));
    } else if (size <= 0xffff) {
        bytes.push_back(static_cast<char>(mask_bit | 126));
        bytes.push_back(static_cast<char>(size >> 8));
        bytes.push_back(static_cast<char>(size & 0xff));
    } else {
        bytes.push_back(static_cast<char>(mask_bit | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            bytes.push_back(static_cast<char>((size >> shift) & 0xff));
    }
    const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    if (masked) bytes.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < payload.size(); ++i)
        bytes.push_back(static_cast<char>(payload[i] ^ (masked ? mask[i % 4] : 0)));
    return bytes;
}

std::string close_payload(std::uint16_t code, const std::string& reason = "") {
    std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
    return payload + reason;
}

struct Seen {
    Kind kind;
    std::uint16_t code;
    std::string payload;
    bool operator==(const Seen&) const = default;
};

// Feeds `bytes` in pieces of `chunk` bytes (0: all at once) and collects every event.
std::vector<Seen> read_all(FrameReader& reader, std::string bytes, std::size_t chunk = 0) {
    std::vector<Seen> seen;
    std::size_t at = 0;
    while (at < bytes.size()) {
        std::size_t size = chunk == 0 ? bytes.size() - at : std::min(chunk, bytes.size() - at);
        std::span<char> input(bytes.data() + at, size);
        while (true) {
            auto event = reader.next(input);
            if (event.kind == Kind::need_more) break;
            seen.push_back({event.kind, event.code, std::string(event.payload)});
            if (event.kind == Kind::error || event.kind == Kind::close) return seen;
        }
        EXPECT_TRUE(input.empty());
        at += size;
    }
    return seen;
}

std::vector<Seen> read_all(const std::string& bytes, std::size_t max = 1 << 20,
                           std::size_t chunk = 0) {
    FrameReader reader(max);
    return read_all(reader, bytes, chunk);
}

Seen error(std::uint16_t code, const std::string& why) {
    return {Kind::error, code, why};
}

TEST(FrameReader, AWholeTextFrameIsUnmaskedInPlaceWithoutACopy) {
    FrameReader reader(1024);
    std::string bytes = client_frame(text_op, R"({"type":"ping"})");
    std::span<char> input(bytes);
    auto event = reader.next(input);
    EXPECT_EQ(event.kind, Kind::text);
    EXPECT_EQ(event.payload, R"({"type":"ping"})");
    EXPECT_EQ(event.payload.data(), bytes.data() + 6);  // a view of the caller's bytes
    EXPECT_TRUE(input.empty());
    EXPECT_EQ(reader.buffered_bytes(), 0u);
    EXPECT_EQ(reader.next(input).kind, Kind::need_more);
}

TEST(FrameReader, FramesCutAtEveryByteGiveTheSameMessages) {
    std::string big(70000, 'b');  // a 64-bit length
    std::string mid(300, 'm');    // a 16-bit length
    std::string stream = client_frame(text_op, "first") + client_frame(binary_op, mid) +
                         client_frame(text_op, "one ", false) + client_frame(ping_op, "p") +
                         client_frame(continuation_op, "two") + client_frame(text_op, big) +
                         client_frame(text_op, "") + client_frame(close_op, close_payload(1000));
    std::vector<Seen> expected = {{Kind::text, 0, "first"}, {Kind::binary, 0, mid},
                                  {Kind::ping, 0, "p"},     {Kind::text, 0, "one two"},
                                  {Kind::text, 0, big},     {Kind::text, 0, ""},
                                  {Kind::close, 1000, ""}};
    EXPECT_EQ(read_all(stream), expected);
    for (std::size_t chunk : {1, 2, 3, 7, 100, 4096})
        EXPECT_EQ(read_all(stream, 1 << 20, chunk), expected) << "pieces of " << chunk;
}

TEST(FrameReader, RandomCutsGiveTheSameMessages) {
    std::mt19937 random(42);
    std::string stream;
    std::vector<Seen> expected;
    for (int i = 0; i < 200; ++i) {
        std::string text(random() % 300, static_cast<char>('a' + i % 26));
        stream += client_frame(text_op, text);
        expected.push_back({Kind::text, 0, text});
    }
    for (int round = 0; round < 20; ++round) {
        FrameReader reader(1024);
        std::vector<Seen> seen;
        std::string bytes = stream;
        std::size_t at = 0;
        while (at < bytes.size()) {
            std::size_t size = std::min<std::size_t>(1 + random() % 700, bytes.size() - at);
            std::span<char> input(bytes.data() + at, size);
            for (auto event = reader.next(input); event.kind != Kind::need_more;
                 event = reader.next(input))
                seen.push_back({event.kind, event.code, std::string(event.payload)});
            at += size;
        }
        ASSERT_EQ(seen, expected) << "round " << round;
    }
}

TEST(FrameReader, AFragmentedMessageIsJoinedAndItsBufferReleasedAfterwards) {
    FrameReader reader(1024);
    std::string bytes = client_frame(text_op, "hello, ", false) +
                        client_frame(continuation_op, "fragmented ", false) +
                        client_frame(continuation_op, "world");
    std::span<char> input(bytes);
    auto event = reader.next(input);
    EXPECT_EQ(event.kind, Kind::text);
    EXPECT_EQ(event.payload, "hello, fragmented world");
    EXPECT_GT(reader.buffered_bytes(), 0u);  // held until the caller is done with the payload
    EXPECT_EQ(reader.next(input).kind, Kind::need_more);
    EXPECT_EQ(reader.buffered_bytes(), 0u);
}

TEST(FrameReader, AFrameCutByAReadIsHeldOnlyUntilItIsComplete) {
    FrameReader reader(1024);
    std::string bytes = client_frame(text_op, std::string(500, 'x'));
    std::span<char> first(bytes.data(), 100);
    EXPECT_EQ(reader.next(first).kind, Kind::need_more);
    EXPECT_GE(reader.buffered_bytes(), 500u);  // room for the whole frame, known from its header
    std::span<char> rest(bytes.data() + 100, bytes.size() - 100);
    auto event = reader.next(rest);
    EXPECT_EQ(event.kind, Kind::text);
    EXPECT_EQ(event.payload, std::string(500, 'x'));
    EXPECT_EQ(reader.next(rest).kind, Kind::need_more);
    EXPECT_EQ(reader.buffered_bytes(), 0u);
}

TEST(FrameReader, ControlFramesMayComeBetweenFragments) {
    auto seen = read_all(client_frame(text_op, "a", false) + client_frame(ping_op, "still?") +
                         client_frame(pong_op, "") + client_frame(continuation_op, "b"));
    std::vector<Seen> expected = {
        {Kind::ping, 0, "still?"}, {Kind::pong, 0, ""}, {Kind::text, 0, "ab"}};
    EXPECT_EQ(seen, expected);
}

TEST(FrameReader, PingAndPongCarryTheirPayload) {
    std::string payload(125, 'p');
    auto seen = read_all(client_frame(ping_op, payload) + client_frame(pong_op, "x"));
    std::vector<Seen> expected = {{Kind::ping, 0, payload}, {Kind::pong, 0, "x"}};
    EXPECT_EQ(seen, expected);
}

TEST(FrameReader, Utf8SplitAcrossFragmentsIsValid) {
    // "é" is C3 A9 and "€" is E2 82 AC: each is cut between two frames.
    auto seen = read_all(client_frame(text_op, "caf\xc3", false) +
                         client_frame(continuation_op, "\xa9 \xe2", false) +
                         client_frame(continuation_op, "\x82\xac"));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0], (Seen{Kind::text, 0, "caf\xc3\xa9 \xe2\x82\xac"}));
}

TEST(FrameReader, InvalidUtf8Closes1007) {
    EXPECT_EQ(read_all(client_frame(text_op, "ok \xff")).back(), error(1007, "invalid UTF-8"));
    // Cut across fragments, the sequence is still judged as a whole.
    EXPECT_EQ(
        read_all(client_frame(text_op, "\xc3", false) + client_frame(continuation_op, "(")).back(),
        error(1007, "invalid UTF-8"));
    // A message cannot end in the middle of a sequence.
    EXPECT_EQ(read_all(client_frame(text_op, "\xe2\x82")).back(), error(1007, "invalid UTF-8"));
    // Binary messages are not text and are not checked.
    EXPECT_EQ(read_all(client_frame(binary_op, "\xff")).back(), (Seen{Kind::binary, 0, "\xff"}));
}

TEST(FrameReader, AnUnmaskedFrameCloses1002) {
    EXPECT_EQ(read_all(client_frame(text_op, "hi", true, false)),
              std::vector<Seen>{error(1002, "client frames must be masked")});
}

TEST(FrameReader, ReservedBitsAndOpcodesClose1002) {
    for (unsigned char rsv : {0x40, 0x20, 0x10})
        EXPECT_EQ(read_all(client_frame(text_op, "hi", true, true, rsv)).back(),
                  error(1002, "reserved bits set"));
    for (unsigned char opcode : {0x3, 0x7, 0xb, 0xf})
        EXPECT_EQ(read_all(client_frame(opcode, "hi")).back(), error(1002, "unknown opcode"));
}

TEST(FrameReader, BadControlFramesClose1002) {
    EXPECT_EQ(read_all(client_frame(ping_op, "x", false)).back(),
              error(1002, "fragmented control frame"));
    EXPECT_EQ(read_all(client_frame(ping_op, std::string(126, 'x'))).back(),
              error(1002, "control frame over 125 bytes"));
    EXPECT_EQ(read_all(client_frame(close_op, "x")).back(),
              error(1002, "close frame with a one-byte payload"));
}

TEST(FrameReader, FragmentsOutOfOrderClose1002) {
    EXPECT_EQ(read_all(client_frame(continuation_op, "x")).back(),
              error(1002, "continuation frame outside a message"));
    EXPECT_EQ(read_all(client_frame(text_op, "a", false) + client_frame(text_op, "b")).back(),
              error(1002, "new message inside a fragmented one"));
}

TEST(FrameReader, ErrorsAreKnownFromTheFirstTwoBytes) {
    FrameReader reader(1024);
    std::string bytes = client_frame(text_op, "hello", true, false).substr(0, 2);
    std::span<char> input(bytes);
    EXPECT_EQ(reader.next(input).kind, Kind::error);
    // The reader stays failed.
    std::string more = client_frame(text_op, "fine");
    std::span<char> next_input(more);
    EXPECT_EQ(reader.next(next_input).code, 1002);
}

TEST(FrameReader, LengthsMustBeMinimallyEncoded) {
    std::string sixteen_for_small = {'\x81', '\xfe', '\x00', '\x05', '\0', '\0', '\0', '\0'};
    sixteen_for_small += "hello";
    EXPECT_EQ(read_all(sixteen_for_small).back(),
              error(1002, "frame length not minimally encoded"));
    std::string sixty_four_for_small = {'\x81', '\xff', 0, 0, 0, 0, 0, 0, '\x01', '\x00'};
    sixty_four_for_small += std::string(4, '\0') + std::string(256, 'x');
    EXPECT_EQ(read_all(sixty_four_for_small).back(),
              error(1002, "frame length not minimally encoded"));
    std::string top_bit = {'\x81', '\xff', '\x80', 0, 0, 0, 0, 0, 0, 0};
    top_bit += std::string(4, '\0');
    EXPECT_EQ(read_all(top_bit).back(), error(1002, "frame length not minimally encoded"));
}

TEST(FrameReader, AMessageOverTheLimitCloses1009BeforeItsPayloadArrives) {
    EXPECT_EQ(read_all(client_frame(text_op, std::string(100, 'x')), 100).back(),
              (Seen{Kind::text, 0, std::string(100, 'x')}));
    FrameReader reader(100);
    std::string header = client_frame(text_op, std::string(101, 'x')).substr(0, 8);
    std::span<char> input(header);
    EXPECT_EQ(reader.next(input).code, 1009);
    EXPECT_EQ(reader.buffered_bytes(), 0u);
    // Fragments count together.
    EXPECT_EQ(read_all(client_frame(text_op, std::string(60, 'x'), false) +
                           client_frame(continuation_op, std::string(41, 'x')),
                       100)
                  .back(),
              error(1009, "message too big"));
    // A 64-bit length near its maximum does not overflow the check.
    std::string huge = {'\x81', '\xff', '\x7f', '\xff', '\xff',
                        '\xff', '\xff', '\xff', '\xff', '\xff'};
    huge += std::string(4, '\0');
    EXPECT_EQ(read_all(huge, 100).back(), error(1009, "message too big"));
}

TEST(FrameReader, CloseFramesCarryCodeAndReason) {
    EXPECT_EQ(read_all(client_frame(close_op, "")).back(), (Seen{Kind::close, 1005, ""}));
    EXPECT_EQ(read_all(client_frame(close_op, close_payload(1000, "bye"))).back(),
              (Seen{Kind::close, 1000, "bye"}));
    EXPECT_EQ(read_all(client_frame(close_op, close_payload(4000, "app"))).back(),
              (Seen{Kind::close, 4000, "app"}));
    for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000})
        EXPECT_EQ(read_all(client_frame(close_op, close_payload(code))).back(),
                  error(1002, "invalid close code"))
            << code;
    EXPECT_EQ(read_all(client_frame(close_op, close_payload(1000, "\xc3"))).back(),
              error(1007, "invalid UTF-8 in close reason"));
}

TEST(Utf8, AcceptsWellFormedAndRejectsTheRest) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ASCII, longer than eight bytes"));
    EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
    EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));                      // U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));                             // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));                         // overlong, 3 bytes
    EXPECT_FALSE(is_valid_utf8("\xf0\x80\x80\xaf"));                     // overlong, 4 bytes
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));                         // surrogate D800
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));                     // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\x80"));                                 // lone continuation
    EXPECT_FALSE(is_valid_utf8("abcdefgh\xc3"));                         // cut off at the end
    EXPECT_FALSE(is_valid_utf8("\xe2\x28\xa1"));                         // bad continuation
}

TEST(ControlFrames, AreBuiltAsRfc6455Says) {
    EXPECT_EQ(make_ping_frame(), std::string("\x89\x00", 2));
    EXPECT_EQ(make_pong_frame("abc"),
              "\x8a\x03"
              "abc");
    EXPECT_EQ(make_close_frame(1000, "bye"), std::string("\x88\x05\x03\xe8"
                                                         "bye",
                                                         7));
    EXPECT_EQ(make_close_frame(1005, "ignored"), std::string("\x88\x00", 2));
    // A long reason is cut to fit 125 bytes, but never inside a UTF-8 sequence.
    std::string reason = std::string(122, 'r') + "\xe2\x82\xac";
    auto frame = make_close_frame(1013, reason);
    EXPECT_EQ(frame.size(), 2u + 2u + 122u);
    EXPECT_EQ(static_cast<unsigned char>(frame[1]), 124);
}

}  // namespace
}  // namespace parley::ws
