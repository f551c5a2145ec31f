// Decoding a message's lifecycle: edit, delete, react and unreact.
#include "protocol/fields.hpp"

namespace parley::protocol {

namespace {

// The message a change names: its channel and its seq (required, at least 1).
Expected<std::pair<std::string, std::int64_t>, Error> channel_and_seq(const json& object) {
    auto channel = read_channel(object);
    if (!channel) return std::move(channel).error();
    auto seq = read_optional_seq(object, "seq", 1);
    if (!seq) return std::move(seq).error();
    if (!*seq) return bad_request("missing field: seq");
    return std::pair{*std::move(channel), **seq};
}

// Code points that are whitespace though not ASCII: U+0085, U+00A0, U+1680, U+2000-U+200A,
// U+2028, U+2029, U+202F, U+205F and U+3000, as UTF-8 byte sequences.
bool starts_with_unicode_space(std::string_view rest) {
    static constexpr std::string_view spaces[] = {"\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80",
                                                  "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF",
                                                  "\xE2\x81\x9F", "\xE3\x80\x80"};
    for (auto space : spaces)
        if (rest.substr(0, space.size()) == space) return true;
    // U+2000 to U+200A: E2 80 80 to E2 80 8A.
    return rest.size() >= 3 && rest[0] == '\xE2' && rest[1] == '\x80' &&
           static_cast<unsigned char>(rest[2]) >= 0x80 &&
           static_cast<unsigned char>(rest[2]) <= 0x8A;
}

}  // namespace

bool is_valid_emoji(std::string_view emoji) {
    if (emoji.empty() || emoji.size() > max_emoji_bytes) return false;
    for (std::size_t i = 0; i < emoji.size(); ++i) {
        auto c = static_cast<unsigned char>(emoji[i]);
        // ASCII controls and whitespace, DEL, and the C1 controls (U+0080-U+009F: C2 80-9F).
        if (c <= 0x20 || c == 0x7F) return false;
        if (c == 0xC2 && i + 1 < emoji.size() && static_cast<unsigned char>(emoji[i + 1]) < 0xA0)
            return false;
        if (starts_with_unicode_space(emoji.substr(i))) return false;
    }
    return true;
}

std::optional<Expected<Command, Error>> decode_lifecycle(const std::string& type,
                                                         const json& object,
                                                         const DecodeLimits& limits) {
    bool react = type == "react";
    if (type != "edit" && type != "delete" && !react && type != "unreact") return std::nullopt;
    auto target = channel_and_seq(object);
    if (!target) return std::move(target).error();
    auto [channel, seq] = *std::move(target);
    if (type == "edit") {
        auto text = read_text(object, limits);
        if (!text) return std::move(text).error();
        return Command{Edit{std::move(channel), seq, *std::move(text)}};
    }
    if (type == "delete") return Command{Delete{std::move(channel), seq}};
    auto emoji = read_string(object, "emoji");
    if (!emoji) return std::move(emoji).error();
    if (!is_valid_emoji(*emoji))
        return bad_request("emoji must be 1-32 bytes with no whitespace or control character");
    return Command{React{std::move(channel), seq, *std::move(emoji), react}};
}

}  // namespace parley::protocol
