#pragma once

#include <cstdint>
#include <string>

namespace parley::model {

// A channel message as stored and as every member sees it. `seq` is assigned by storage.
struct ChatMessage {
    std::string channel;
    std::int64_t seq = 0;
    std::string from;
    std::string text;
    std::int64_t ts = 0;  // milliseconds since the Unix epoch
};

struct DirectMessage {
    std::string from;
    std::string to;
    std::string text;
    std::int64_t ts = 0;
    // The connection that sent it, which is not sent its own message back. Never stored.
    std::string sender_session = {};
};

std::int64_t now_millis();

// Nicks are unique case-insensitively: this is the key they are compared by.
std::string nick_key(const std::string& nick);

}  // namespace parley::model
