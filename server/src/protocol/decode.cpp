#include <nlohmann/json.hpp>

#include "protocol/command.hpp"
#include "protocol/fields.hpp"

namespace parley::protocol {
namespace {

constexpr std::size_t max_nick_chars = 32;
constexpr std::size_t max_channel_chars = 64;

Expected<Command, Error> decode_body(const std::string& type, const json& object,
                                     const DecodeLimits& limits) {
    if (type == "hello") {
        auto nick = read_string(object, "nick");
        if (!nick) return std::move(nick).error();
        if (!is_valid_nick(*nick))
            return Error{ErrorCode::nick_invalid, "nick must be 1-32 of A-Z a-z 0-9 _ -"};
        Hello hello{*std::move(nick), std::nullopt, std::nullopt, std::nullopt};
        if (auto it = object.find("token"); it != object.end() && !it->is_null()) {
            if (!it->is_string()) return bad_request("token must be a string");
            hello.token = it->get<std::string>();
        }
        if (auto it = object.find("resume"); it != object.end() && !it->is_null()) {
            if (!it->is_string()) return bad_request("resume must be a string");
            hello.resume = it->get<std::string>();
        }
        if (auto it = object.find("password"); it != object.end() && !it->is_null()) {
            if (!it->is_string()) return bad_request("password must be a string");
            hello.password = it->get<std::string>();
        }
        if (hello.token && hello.password)
            return bad_request("give a token or a password, not both");
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
        auto reply_to = read_optional_seq(object, "reply_to", 1);
        if (!reply_to) return std::move(reply_to).error();
        auto key = read_idempotency_key(object, "key");
        if (!key) return std::move(key).error();
        return Command{
            Say{*std::move(channel), *std::move(text), reply_to->value_or(0), *std::move(key)}};
    }
    if (type == "dm") {
        auto to = read_string(object, "to");
        if (!to) return std::move(to).error();
        if (!is_valid_nick(*to)) return Error{ErrorCode::nick_invalid, "to must be a valid nick"};
        auto text = read_text(object, limits);
        if (!text) return std::move(text).error();
        auto key = read_idempotency_key(object, "key");
        if (!key) return std::move(key).error();
        return Command{Dm{*std::move(to), *std::move(text), *std::move(key)}};
    }
    if (auto command = decode_read_state(type, object, limits)) return *std::move(command);
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
    if (auto command = decode_authority(type, object)) return *std::move(command);
    if (auto command = decode_lifecycle(type, object, limits)) return *std::move(command);
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

Expected<Publish, Error> decode_publish(const json& body, const DecodeLimits& limits) {
    if (!body.is_object()) return bad_request("the body must be a JSON object");
    auto from = read_string(body, "from");
    if (!from) return std::move(from).error();
    if (!is_valid_nick(*from))
        return Error{ErrorCode::nick_invalid, "from must be 1-32 of A-Z a-z 0-9 _ -"};
    auto text = read_text(body, limits);
    if (!text) return std::move(text).error();
    auto reply_to = read_optional_seq(body, "reply_to", 1);
    if (!reply_to) return std::move(reply_to).error();
    auto key = read_idempotency_key(body, "idempotency_key");
    if (!key) return std::move(key).error();
    return Publish{*std::move(from), *std::move(text), reply_to->value_or(0), *std::move(key)};
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
    // An edit or a reaction reaches every member as a `say` does. A delete does not count: an
    // op clearing a flood must not run out of rate.
    return std::holds_alternative<Say>(command) || std::holds_alternative<Dm>(command) ||
           std::holds_alternative<Typing>(command) || std::holds_alternative<Edit>(command) ||
           std::holds_alternative<React>(command);
}

}  // namespace parley::protocol
