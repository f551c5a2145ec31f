#include "model/message.hpp"

#include <algorithm>
#include <chrono>

namespace parley::model {

std::int64_t now_millis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string nick_key(const std::string& nick) {
    std::string key = nick;
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return key;
}

std::string account_identity(const std::string& nick) {
    return "t:" + nick;
}

std::string guest_identity(const std::string& nick, const std::string& resume_id) {
    return "g:" + nick_key(nick) + ":" + resume_id;
}

std::string idempotency_key(const std::string& sender, const std::string& key) {
    if (key.empty()) return {};
    // A unit separator cannot be in an identity (nicks are ASCII words), so no two pairs meet.
    return sender + '\x1f' + key;
}

}  // namespace parley::model

namespace parley::model {

namespace {
bool is_nick_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}
}  // namespace

std::vector<std::string> mentioned_keys(std::string_view text) {
    constexpr std::size_t max_nick_chars = 32;
    std::vector<std::string> keys;
    for (std::size_t at = text.find('@');
         at != std::string_view::npos && keys.size() < max_mentions_per_message;
         at = text.find('@', at + 1)) {
        // "a@b" is an address, not a mention: the @ must start a word.
        if (at > 0 && (is_nick_char(text[at - 1]) || text[at - 1] == '@')) continue;
        auto end = at + 1;
        while (end < text.size() && is_nick_char(text[end])) ++end;
        auto length = end - at - 1;
        if (length == 0 || length > max_nick_chars) continue;
        auto key = nick_key(std::string(text.substr(at + 1, length)));
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
    }
    return keys;
}

}  // namespace parley::model
