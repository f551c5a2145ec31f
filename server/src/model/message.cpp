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
