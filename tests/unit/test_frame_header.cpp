// The frame header codec the server and parley-bench share (ws/frame_header.hpp): the bytes each
// role writes, in the 7-, 16- and 64-bit length forms, what each role accepts from the other,
// and every header it refuses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ws/frame_header.hpp"

namespace parley::ws {
namespace {

const MaskKey rfc_mask = {0x37, 0xfa, 0x21, 0x3d};  // the key of RFC 6455's examples (5.7)

std::string bytes(std::initializer_list<unsigned char> list) {
    return std::string(list.begin(), list.end());
}

// A header `receiver` reads, given as its bytes; the payload is not needed to parse it.
template <Role receiver>
HeaderParse parse(const std::string& header) {
    return parse_header<receiver>(header);
}

template <Role receiver>
std::string rejection(const std::string& header) {
    const auto parsed = parse<receiver>(header);
    EXPECT_EQ(parsed.status, HeaderStatus::invalid);
    return parsed.why;
}

// Whether the role's encode_header takes a mask key; a server that tried to mask would not compile.
template <Role sender>
concept takes_mask = requires {
    encode_header<sender>(Opcode::text, 1, MaskKey{});
};
static_assert(takes_mask<Role::client> && !takes_mask<Role::server>);
static_assert(encode_header<Role::server>(Opcode::text, 5).size == 2);

TEST(FrameHeader, ServerHeadersAreUnmaskedAsInRfc6455Examples) {
    // 5.7: "Hello" unmasked, a 256-byte and a 64 KiB binary message.
    EXPECT_EQ(encode_header<Role::server>(Opcode::text, 5).view(), bytes({0x81, 0x05}));
    EXPECT_EQ(encode_header<Role::server>(Opcode::binary, 256).view(),
              bytes({0x82, 0x7e, 0x01, 0x00}));
    EXPECT_EQ(encode_header<Role::server>(Opcode::binary, 65536).view(),
              bytes({0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
}

TEST(FrameHeader, EachLengthTakesItsShortestForm) {
    // The edges of the three forms: 7 bits up to 125, 16 bits up to 65535, 64 bits above.
    EXPECT_EQ(encode_header<Role::server>(Opcode::text, 0).view(), bytes({0x81, 0x00}));
    EXPECT_EQ(encode_header<Role::server>(Opcode::text, 125).view(), bytes({0x81, 0x7d}));
    EXPECT_EQ(encode_header<Role::server>(Opcode::text, 126).view(), bytes({0x81, 0x7e, 0, 0x7e}));
    EXPECT_EQ(encode_header<Role::server>(Opcode::text, 65535).view(),
              bytes({0x81, 0x7e, 0xff, 0xff}));
    EXPECT_EQ(encode_header<Role::server>(Opcode::text, 0x0102030405060708).view(),
              bytes({0x81, 0x7f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}));
}

TEST(FrameHeader, ClientHeadersEndInTheMaskKey) {
    EXPECT_EQ(encode_header<Role::client>(Opcode::text, 5, rfc_mask).view(),
              bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d}));
    EXPECT_EQ(encode_header<Role::client>(Opcode::text, 126, rfc_mask).view(),
              bytes({0x81, 0xfe, 0x00, 0x7e, 0x37, 0xfa, 0x21, 0x3d}));
    EXPECT_EQ(encode_header<Role::client>(Opcode::binary, 65536, rfc_mask).view(),
              bytes({0x82, 0xff, 0, 0, 0, 0, 0, 0x01, 0, 0, 0x37, 0xfa, 0x21, 0x3d}));
    // Not the last fragment: FIN clear.
    EXPECT_EQ(encode_header<Role::client>(Opcode::continuation, 1, rfc_mask, false).view(),
              bytes({0x00, 0x81, 0x37, 0xfa, 0x21, 0x3d}));
}

TEST(FrameHeader, MaskingIsRfc6455sExampleAndUndoesItself) {
    std::string payload = "Hello";
    apply_mask(payload.data(), payload.size(), rfc_mask);
    EXPECT_EQ(payload, bytes({0x7f, 0x9f, 0x4d, 0x51, 0x58}));
    // In pieces, each continuing at its offset into the payload, it is the same as at once.
    apply_mask(payload.data(), 3, rfc_mask);
    apply_mask(payload.data() + 3, 2, rfc_mask, 3);
    EXPECT_EQ(payload, "Hello");
}

TEST(FrameHeader, EachRoleReadsWhatTheOtherWrites) {
    for (std::uint64_t size : {0ull, 1ull, 125ull, 126ull, 65535ull, 65536ull, 1ull << 40}) {
        const auto from_server = encode_header<Role::server>(Opcode::text, size);
        const auto at_client = parse<Role::client>(std::string(from_server.view()));
        ASSERT_EQ(at_client.status, HeaderStatus::complete) << size;
        EXPECT_TRUE(at_client.header.fin);
        EXPECT_EQ(at_client.header.opcode, Opcode::text);
        EXPECT_EQ(at_client.header.payload_size, size);
        EXPECT_EQ(at_client.header.size, from_server.size);

        const auto from_client = encode_header<Role::client>(Opcode::binary, size, rfc_mask, false);
        const auto at_server = parse<Role::server>(std::string(from_client.view()));
        ASSERT_EQ(at_server.status, HeaderStatus::complete) << size;
        EXPECT_FALSE(at_server.header.fin);
        EXPECT_EQ(at_server.header.opcode, Opcode::binary);
        EXPECT_EQ(at_server.header.payload_size, size);
        EXPECT_EQ(at_server.header.size, from_client.size);
        EXPECT_EQ(at_server.header.mask, rfc_mask);
        EXPECT_EQ(header_size<Role::server>(from_client.view()[1]), from_client.size);
    }
}

TEST(FrameHeader, EveryPrefixOfAHeaderIsIncompleteAndWhatFollowsIsIgnored) {
    for (std::uint64_t size : {5ull, 300ull, 70000ull}) {
        const std::string header(encode_header<Role::client>(Opcode::text, size, rfc_mask).view());
        for (std::size_t cut = 0; cut < header.size(); ++cut)
            EXPECT_EQ(parse<Role::server>(header.substr(0, cut)).status, HeaderStatus::incomplete)
                << size << " cut at " << cut;
        const auto parsed = parse<Role::server>(header + "payload");
        EXPECT_EQ(parsed.status, HeaderStatus::complete);
        EXPECT_EQ(parsed.header.payload_size, size);
    }
}

TEST(FrameHeader, TheMaskBitMustMatchTheSender) {
    EXPECT_EQ(rejection<Role::server>(bytes({0x81, 0x05})),
              std::string("client frames must be masked"));
    EXPECT_EQ(rejection<Role::client>(bytes({0x81, 0x85, 1, 2, 3, 4})),
              std::string("server frames must not be masked"));
}

TEST(FrameHeader, ReservedBitsAndUnknownOpcodesAreRefusedByBothRoles) {
    for (unsigned char rsv : {0x40, 0x20, 0x10}) {
        EXPECT_EQ(rejection<Role::server>(bytes({static_cast<unsigned char>(0x81 | rsv), 0x81})),
                  "reserved bits set");
        EXPECT_EQ(rejection<Role::client>(bytes({static_cast<unsigned char>(0x81 | rsv), 0x01})),
                  "reserved bits set");
    }
    for (unsigned char opcode : {0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf}) {
        const auto first = static_cast<unsigned char>(0x80 | opcode);
        EXPECT_EQ(rejection<Role::server>(bytes({first, 0x81})), "unknown opcode") << int{opcode};
        EXPECT_EQ(rejection<Role::client>(bytes({first, 0x01})), "unknown opcode") << int{opcode};
    }
}

TEST(FrameHeader, ControlFramesAreWholeAndShort) {
    // Server role: these come masked; client role: unmasked. Same rules.
    for (unsigned char mask_bit : {0x80, 0x00}) {
        const auto check = [&](unsigned char first, unsigned char length) {
            const std::string header =
                bytes({first, static_cast<unsigned char>(mask_bit | length)});
            return mask_bit ? rejection<Role::server>(header) : rejection<Role::client>(header);
        };
        EXPECT_EQ(check(0x09, 0), "fragmented control frame");
        EXPECT_EQ(check(0x89, 126), "control frame over 125 bytes");
        EXPECT_EQ(check(0x8a, 127), "control frame over 125 bytes");
        EXPECT_EQ(check(0x88, 1), "close frame with a one-byte payload");
    }
    EXPECT_EQ(parse<Role::client>(bytes({0x89, 125})).status, HeaderStatus::complete);
    EXPECT_EQ(parse<Role::client>(bytes({0x88, 0})).status, HeaderStatus::complete);
    EXPECT_EQ(parse<Role::client>(bytes({0x88, 2})).status, HeaderStatus::complete);
}

TEST(FrameHeader, TheFirstTwoBytesAreEnoughToRefuse) {
    // Nothing else of the header has arrived, yet the answer is not "incomplete".
    EXPECT_EQ(check_first_bytes<Role::server>(0x81, 0x7f),
              std::string("client frames must be masked"));
    EXPECT_EQ(check_first_bytes<Role::server>(0x81, 0xff), nullptr);
    EXPECT_EQ(rejection<Role::client>(bytes({0x89, 0x7e})), "control frame over 125 bytes");
}

TEST(FrameHeader, LengthsMustBeMinimallyEncoded) {
    const std::string not_minimal = "frame length not minimally encoded";
    // 125 in the 16-bit form; 65535 in the 64-bit form; a 64-bit length with its top bit set.
    EXPECT_EQ(rejection<Role::client>(bytes({0x81, 0x7e, 0x00, 0x7d})), not_minimal);
    EXPECT_EQ(rejection<Role::server>(bytes({0x81, 0xfe, 0x00, 0x7d, 1, 2, 3, 4})), not_minimal);
    EXPECT_EQ(rejection<Role::client>(bytes({0x81, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff})),
              not_minimal);
    EXPECT_EQ(
        rejection<Role::server>(bytes({0x81, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4})),
        not_minimal);
    EXPECT_EQ(rejection<Role::client>(bytes({0x81, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0})), not_minimal);
    // The largest length allowed parses; limiting it is the reader's business.
    const auto largest =
        parse<Role::client>(bytes({0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
    EXPECT_EQ(largest.status, HeaderStatus::complete);
    EXPECT_EQ(largest.header.payload_size, 0x7fffffffffffffffull);
}

}  // namespace
}  // namespace parley::ws
