// The readers every decoder uses: each returns a field's value, or the error the client gets.
#include "protocol/fields.hpp"

#include "protocol/text.hpp"

namespace parley::protocol {

namespace {

constexpr std::size_t max_id_chars = 64;

}  // namespace

Error bad_request(std::string message) {
    return {ErrorCode::bad_request, std::move(message)};
}

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

// Reads an id: a string of at most 64 characters or an integer. Anything else is refused
// instead of silently dropped, so a client never waits for a reply that cannot be matched.
Expected<RequestId, Error> read_id(const json& object) {
    auto it = object.find("id");
    if (it == object.end() || it->is_null()) return RequestId{};
    if (it->is_string()) {
        const auto& text = it->get_ref<const std::string&>();
        if (count_code_points(text) > max_id_chars)
            return bad_request("id must be at most 64 characters");
        return RequestId{it->dump()};
    }
    if (it->is_number_integer()) return RequestId{it->dump()};
    return bad_request("id must be a string or an integer");
}

// Field readers return the field's value, or the error naming the field.
Expected<std::string, Error> read_string(const json& object, const char* field) {
    auto it = object.find(field);
    if (it == object.end()) return bad_request(std::string("missing field: ") + field);
    if (!it->is_string()) return bad_request(std::string(field) + " must be a string");
    return it->get<std::string>();
}

// An optional seq, at least 0 (join's `since`: 0 means everything) or 1 (history's `before`: a
// bound of 0 would name no message, and a pager that sent it would get the newest page again);
// nothing when absent or null.
Expected<std::optional<std::int64_t>, Error> read_optional_seq(const json& object,
                                                               const char* field,
                                                               std::int64_t minimum) {
    auto it = object.find(field);
    if (it == object.end() || it->is_null()) return std::optional<std::int64_t>{};
    if (!it->is_number_integer()) return bad_request(std::string(field) + " must be an integer");
    auto value = it->get<std::int64_t>();
    if (it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX)
        return bad_request(std::string(field) + " is out of range");
    if (value < minimum)
        return bad_request(std::string(field) +
                           (minimum > 0 ? " must be a positive integer" : " must not be negative"));
    return std::optional<std::int64_t>{value};
}

Expected<std::string, Error> read_channel(const json& object) {
    auto channel = read_string(object, "channel");
    if (channel && !is_valid_channel(*channel))
        return Error{ErrorCode::channel_invalid,
                     "channel must be 1-64 of A-Z a-z 0-9 _ - . starting with a letter or digit"};
    return channel;
}

Expected<std::string, Error> read_text(const json& object, const DecodeLimits& limits) {
    auto text = read_string(object, "text");
    if (!text) return text;
    // A text with nothing that shows (only spaces of any script, zero-width characters, marks
    // without a base) would be stored and shown as a blank message.
    if (!has_visible_character(*text))
        return Error{ErrorCode::text_invalid, "text must have a visible character"};
    auto chars = count_code_points(*text);
    if (chars > limits.max_text_chars)
        return Error{
            ErrorCode::text_invalid,
            "text is longer than " + std::to_string(limits.max_text_chars) + " characters"};
    return text;
}

// 1 to the server's maximum, 50 when absent or null.
Expected<int, Error> read_history_limit(const json& object, const DecodeLimits& limits) {
    auto it = object.find("limit");
    if (it == object.end() || it->is_null()) return 50;
    if (!it->is_number_integer()) return bad_request("limit must be an integer");
    if (it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > limits.max_history_limit ||
        (it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX))
        return bad_request("limit must be between 1 and " +
                           std::to_string(limits.max_history_limit));
    return static_cast<int>(it->get<std::int64_t>());
}

Expected<std::string, Error> read_nick(const json& object, const char* field) {
    auto nick = read_string(object, field);
    if (nick && !is_valid_nick(*nick))
        return Error{ErrorCode::nick_invalid,
                     std::string(field) + " must be 1-32 of A-Z a-z 0-9 _ -"};
    return nick;
}

Expected<std::string, Error> read_optional_text(const json& object, const char* field,
                                                std::size_t max_chars) {
    auto it = object.find(field);
    if (it == object.end() || it->is_null()) return std::string();
    if (!it->is_string()) return bad_request(std::string(field) + " must be a string");
    auto text = it->get<std::string>();
    if (count_code_points(text) > max_chars)
        return bad_request(std::string(field) + " must be at most " + std::to_string(max_chars) +
                           " characters");
    return text;
}

Expected<std::string, Error> read_idempotency_key(const json& object, const char* field) {
    auto key = read_optional_text(object, field, max_idempotency_key_chars);
    if (key && key->empty() && object.contains(field) && !object[field].is_null())
        return bad_request(std::string(field) + " must be 1-64 characters");
    return key;
}

Expected<bool, Error> read_optional_bool(const json& object, const char* field) {
    auto it = object.find(field);
    if (it == object.end() || it->is_null()) return false;
    if (!it->is_boolean()) return bad_request(std::string(field) + " must be true or false");
    return it->get<bool>();
}

Expected<std::string, Error> read_password(const json& object, const char* field) {
    auto password = read_string(object, field);
    if (!password) return password;
    auto chars = count_code_points(*password);
    if (chars < min_password_chars || chars > max_password_chars)
        return Error{ErrorCode::password_invalid,
                     std::string(field) + " must be 8 to 128 characters"};
    return password;
}

}  // namespace parley::protocol
