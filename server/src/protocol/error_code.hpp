#pragma once

#include <string>
#include <string_view>

namespace parley::protocol {

// Every `code` an `error` frame can carry. The wire names are the enumerator names.
enum class ErrorCode {
    bad_json,
    bad_request,
    unknown_type,
    hello_required,
    already_identified,
    nick_invalid,
    nick_taken,
    unauthorized,
    channel_invalid,
    not_member,
    text_invalid,
    rate_limited,
    no_such_user,
    no_such_channel,
    too_many_channels,
    busy,
    unavailable,
    // accounts and channel authority
    nick_registered,
    password_invalid,
    channel_exists,
    forbidden,
    banned,
    muted,
    // a message's lifecycle
    no_such_message,
};

inline constexpr ErrorCode all_error_codes[] = {
    ErrorCode::bad_json,
    ErrorCode::bad_request,
    ErrorCode::unknown_type,
    ErrorCode::hello_required,
    ErrorCode::already_identified,
    ErrorCode::nick_invalid,
    ErrorCode::nick_taken,
    ErrorCode::unauthorized,
    ErrorCode::channel_invalid,
    ErrorCode::not_member,
    ErrorCode::text_invalid,
    ErrorCode::rate_limited,
    ErrorCode::no_such_user,
    ErrorCode::no_such_channel,
    ErrorCode::too_many_channels,
    ErrorCode::busy,
    ErrorCode::unavailable,
    ErrorCode::nick_registered,
    ErrorCode::password_invalid,
    ErrorCode::channel_exists,
    ErrorCode::forbidden,
    ErrorCode::banned,
    ErrorCode::muted,
    ErrorCode::no_such_message,
};

std::string_view to_string(ErrorCode code);

struct Error {
    ErrorCode code;
    std::string message;
};

}  // namespace parley::protocol
