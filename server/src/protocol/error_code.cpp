#include "protocol/error_code.hpp"

namespace parley::protocol {

std::string_view to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::bad_json:
            return "bad_json";
        case ErrorCode::bad_request:
            return "bad_request";
        case ErrorCode::unknown_type:
            return "unknown_type";
        case ErrorCode::hello_required:
            return "hello_required";
        case ErrorCode::already_identified:
            return "already_identified";
        case ErrorCode::nick_invalid:
            return "nick_invalid";
        case ErrorCode::nick_taken:
            return "nick_taken";
        case ErrorCode::unauthorized:
            return "unauthorized";
        case ErrorCode::channel_invalid:
            return "channel_invalid";
        case ErrorCode::not_member:
            return "not_member";
        case ErrorCode::text_invalid:
            return "text_invalid";
        case ErrorCode::rate_limited:
            return "rate_limited";
        case ErrorCode::no_such_user:
            return "no_such_user";
        case ErrorCode::no_such_channel:
            return "no_such_channel";
        case ErrorCode::too_many_channels:
            return "too_many_channels";
        case ErrorCode::busy:
            return "busy";
        case ErrorCode::unavailable:
            return "unavailable";
        case ErrorCode::nick_registered:
            return "nick_registered";
        case ErrorCode::password_invalid:
            return "password_invalid";
        case ErrorCode::channel_exists:
            return "channel_exists";
        case ErrorCode::forbidden:
            return "forbidden";
        case ErrorCode::banned:
            return "banned";
        case ErrorCode::muted:
            return "muted";
        case ErrorCode::no_such_message:
            return "no_such_message";
    }
    return "unknown";
}

}  // namespace parley::protocol
