#include <nlohmann/json.hpp>

#include "protocol/command.hpp"
#include "protocol/text.hpp"

namespace parley::protocol {
namespace {

using nlohmann::json;

constexpr std::size_t max_id_chars = 64;
constexpr std::size_t max_nick_chars = 32;
constexpr std::size_t max_channel_chars = 64;

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

// A command with one channel field and nothing else.
template <class T>
Expected<Command, Error> channel_command(const json& object) {
    auto channel = read_channel(object);
    if (!channel) return std::move(channel).error();
    return Command{T{*std::move(channel)}};
}

Expected<Command, Error> decode_body(const std::string& type, const json& object,
                                     const DecodeLimits& limits) {
    if (type == "hello") {
        auto nick = read_string(object, "nick");
        if (!nick) return std::move(nick).error();
        if (!is_valid_nick(*nick))
            return Error{ErrorCode::nick_invalid, "nick must be 1-32 of A-Z a-z 0-9 _ -"};
        Hello hello{*std::move(nick), std::nullopt, std::nullopt};
        if (auto it = object.find("token"); it != object.end() && !it->is_null()) {
            if (!it->is_string()) return bad_request("token must be a string");
            hello.token = it->get<std::string>();
        }
        if (auto it = object.find("resume"); it != object.end() && !it->is_null()) {
            if (!it->is_string()) return bad_request("resume must be a string");
            hello.resume = it->get<std::string>();
        }
        return Command{std::move(hello)};
    }
    if (type == "join") {
        auto channel = read_channel(object);
        if (!channel) return std::move(channel).error();
        auto since = read_optional_seq(object, "since", 0);
        if (!since) return std::move(since).error();
        return Command{Join{*std::move(channel), *since}};
    }
    if (type == "leave") return channel_command<Leave>(object);
    if (type == "say") {
        auto channel = read_channel(object);
        if (!channel) return std::move(channel).error();
        auto text = read_text(object, limits);
        if (!text) return std::move(text).error();
        return Command{Say{*std::move(channel), *std::move(text)}};
    }
    if (type == "dm") {
        auto to = read_string(object, "to");
        if (!to) return std::move(to).error();
        if (!is_valid_nick(*to)) return Error{ErrorCode::nick_invalid, "to must be a valid nick"};
        auto text = read_text(object, limits);
        if (!text) return std::move(text).error();
        return Command{Dm{*std::move(to), *std::move(text)}};
    }
    if (type == "history") {
        auto channel = read_channel(object);
        if (!channel) return std::move(channel).error();
        auto before = read_optional_seq(object, "before", 1);
        if (!before) return std::move(before).error();
        auto limit = read_history_limit(object, limits);
        if (!limit) return std::move(limit).error();
        return Command{HistoryQuery{*std::move(channel), *before, *limit}};
    }
    if (type == "who") return channel_command<Who>(object);
    if (type == "channels") return Command{ListChannels{}};
    if (type == "typing") return channel_command<Typing>(object);
    if (type == "ping") return Command{Ping{}};
    return Error{ErrorCode::unknown_type, "unknown type: " + type.substr(0, 32)};
}

}  // namespace

Decoded decode(std::string_view frame, const DecodeLimits& limits) {
    // nlohmann's parser takes a NUL byte for the end of its input (for C strings), so whatever
    // follows one would be ignored. A NUL is never valid anywhere in JSON text (inside a string it
    // must be escaped), so a frame holding one is not JSON; everything else after the value but
    // whitespace already fails the parse.
    auto not_json = [] { return Error{ErrorCode::bad_json, "frame is not valid JSON"}; };
    if (frame.find('\0') != std::string_view::npos) return {{}, not_json()};
    json object = json::parse(frame, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) return {{}, not_json()};
    if (!object.is_object())
        return {{}, Error{ErrorCode::bad_request, "frame must be one JSON object"}};

    auto id = read_id(object);
    if (!id) return {{}, std::move(id).error()};

    auto type = object.find("type");
    if (type == object.end()) return {*std::move(id), bad_request("missing field: type")};
    if (!type->is_string()) return {*std::move(id), bad_request("type must be a string")};
    return {*std::move(id), decode_body(type->get_ref<const std::string&>(), object, limits)};
}

bool is_valid_nick(std::string_view nick) {
    if (nick.empty() || nick.size() > max_nick_chars) return false;
    for (char c : nick)
        if (!is_word_char(c)) return false;
    return true;
}

bool is_valid_channel(std::string_view channel) {
    if (channel.empty() || channel.size() > max_channel_chars) return false;
    if (!is_word_char(channel[0]) || channel[0] == '_' || channel[0] == '-') return false;
    for (char c : channel)
        if (!is_word_char(c) && c != '.') return false;
    return true;
}

std::size_t count_code_points(std::string_view text) {
    std::size_t count = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80) ++count;
    return count;
}

bool is_rate_limited(const Command& command) {
    return std::holds_alternative<Say>(command) || std::holds_alternative<Dm>(command) ||
           std::holds_alternative<Typing>(command);
}

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
    }
    return "unknown";
}

}  // namespace parley::protocol
