// Feeds arbitrary frames to the protocol decoder. Besides crashes and sanitizer reports, it checks
// that whatever the decoder accepts really obeys the protocol's field rules: nothing but
// whitespace after the object, texts with a visible character, `before` of at least 1, and an id
// that replies carry as the same JSON value the frame held.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "protocol/command.hpp"
#include "protocol/events.hpp"
#include "protocol/fields.hpp"
#include "protocol/text.hpp"

namespace {

using namespace parley::protocol;
using nlohmann::json;

void require(bool condition) {
    if (!condition) __builtin_trap();
}

void require_text(std::string_view text, const DecodeLimits& limits) {
    auto characters = count_code_points(text);
    require(characters >= 1 && characters <= limits.max_text_chars);
    require(has_visible_character(text));
}

// Passwords are counted in characters, as users type them, not in bytes.
void require_password(std::string_view password) {
    auto characters = count_code_points(password);
    require(characters >= min_password_chars && characters <= max_password_chars);
}

void check(const Command& command, const DecodeLimits& limits) {
    if (const auto* hello = std::get_if<Hello>(&command)) require(is_valid_nick(hello->nick));
    if (const auto* join = std::get_if<Join>(&command)) {
        require(is_valid_channel(join->channel));
        require(!join->since || *join->since >= 0);
    }
    if (const auto* leave = std::get_if<Leave>(&command)) require(is_valid_channel(leave->channel));
    if (const auto* who = std::get_if<Who>(&command)) require(is_valid_channel(who->channel));
    if (const auto* typing = std::get_if<Typing>(&command))
        require(is_valid_channel(typing->channel));
    if (const auto* say = std::get_if<Say>(&command)) {
        require(is_valid_channel(say->channel));
        require_text(say->text, limits);
    }
    if (const auto* dm = std::get_if<Dm>(&command)) {
        require(is_valid_nick(dm->to));
        require_text(dm->text, limits);
    }
    if (const auto* say = std::get_if<Say>(&command)) require(say->reply_to >= 0);
    if (const auto* edit = std::get_if<Edit>(&command)) {
        require(is_valid_channel(edit->channel) && edit->seq >= 1);
        require_text(edit->text, limits);
    }
    if (const auto* removal = std::get_if<Delete>(&command))
        require(is_valid_channel(removal->channel) && removal->seq >= 1);
    if (const auto* react = std::get_if<React>(&command)) {
        require(is_valid_channel(react->channel) && react->seq >= 1);
        require(is_valid_emoji(react->emoji));
        require(!react->emoji.empty() && react->emoji.size() <= max_emoji_bytes);
        for (unsigned char c : react->emoji) require(c > ' ' && c != 0x7F);
    }
    if (const auto* mark = std::get_if<MarkRead>(&command)) {
        require(mark->seq >= 0);
        require(mark->conversation ? is_valid_nick(mark->place) : is_valid_channel(mark->place));
    }
    if (const auto* query = std::get_if<ConversationQuery>(&command)) {
        require(is_valid_nick(query->with) && !(query->before && query->since));
        require(query->limit >= 1 && query->limit <= limits.max_history_limit);
    }
    if (const auto* reg = std::get_if<Register>(&command)) {
        require(is_valid_nick(reg->nick));
        require_password(reg->password);
    }
    if (const auto* change = std::get_if<ChangePassword>(&command))
        require_password(change->new_password);
    if (const auto* create = std::get_if<CreateChannel>(&command)) {
        require(is_valid_channel(create->channel));
        require(count_code_points(create->topic) <= max_topic_chars);
    }
    if (const auto* role = std::get_if<SetRole>(&command)) {
        require(is_valid_channel(role->channel) && is_valid_nick(role->nick));
        require(role->role == Role::op || role->role == Role::member);
    }
    if (const auto* topic = std::get_if<SetTopic>(&command)) {
        require(is_valid_channel(topic->channel));
        require(count_code_points(topic->topic) <= max_topic_chars);
    }
    if (const auto* invite = std::get_if<Invite>(&command))
        require(is_valid_channel(invite->channel) && is_valid_nick(invite->nick));
    if (const auto* moderate = std::get_if<Moderate>(&command)) {
        require(is_valid_channel(moderate->channel) && is_valid_nick(moderate->nick));
        require(count_code_points(moderate->reason) <= max_reason_chars);
    }
    if (const auto* history = std::get_if<HistoryQuery>(&command)) {
        require(is_valid_channel(history->channel));
        require(!history->before || *history->before >= 1);
        require(history->limit >= 1 && history->limit <= limits.max_history_limit);
    }
}

// A reply carries the id as the same JSON value as the frame's own "id" field.
void check_id(std::string_view frame, const RequestId& id) {
    if (!id) return;
    auto object = json::parse(frame, nullptr, /*allow_exceptions=*/false);
    require(object.is_object() && object.contains("id"));
    auto reply = json::parse(encode_pong(id), nullptr, /*allow_exceptions=*/false);
    require(reply.is_object() && reply["id"] == object["id"]);
}

bool is_bad_json(const Decoded& decoded) {
    return !decoded.result && decoded.result.error().code == ErrorCode::bad_json;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const DecodeLimits limits{};
    std::string_view frame(reinterpret_cast<const char*>(data), size);
    auto decoded = decode(frame, limits);
    if (decoded.result) check(*decoded.result, limits);
    check_id(frame, decoded.id);

    if (!is_bad_json(decoded)) {
        // A NUL byte is never JSON, wherever it is.
        require(frame.find('\0') == std::string_view::npos);
        // Bytes after the object make the frame bad_json; whitespace after it changes nothing.
        std::string with(frame);
        require(is_bad_json(decode(with + '\0' + "garbage", limits)));
        require(is_bad_json(decode(with + " x", limits)));
        auto padded = decode(with + " \t\r\n", limits);
        require(static_cast<bool>(padded.result) == static_cast<bool>(decoded.result));
        require(padded.id == decoded.id);
    }

    // The visibility check takes any bytes: a printable ASCII character is always visible.
    bool has_printable_ascii = false;
    for (unsigned char c : frame)
        has_printable_ascii = has_printable_ascii || (c > 0x20 && c < 0x7F);
    require(has_visible_character(frame) || !has_printable_ascii);
    return 0;
}
