#pragma once
// Decoding one frame in a test: the typed command it gives, or the error a client would get.

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "protocol/command.hpp"

namespace parley::protocol {

inline Decoded decode_text(const std::string& text) {
    return decode(text, DecodeLimits{});
}

// The error code of a frame expected not to decode.
inline ErrorCode error_of(const std::string& text) {
    auto decoded = decode_text(text);
    EXPECT_FALSE(decoded.result) << text;
    // The decoder never answers `busy`: a frame that decoded shows as a mismatch, too.
    return decoded.result ? ErrorCode::busy : decoded.result.error().code;
}

// The command of a frame expected to decode as a T.
template <class T>
T command_of(const std::string& text) {
    auto decoded = decode_text(text);
    EXPECT_TRUE(decoded.result) << text << ": " << decoded.result.error().message;
    return std::get<T>(*decoded.result);
}

}  // namespace parley::protocol
