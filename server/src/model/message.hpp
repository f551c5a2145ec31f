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
    // Who sent it and who it was for, beyond their nicks (see identity_of): a user's recent
    // direct messages are those of its identity, so a guest who takes a nick later, or a token
    // for the same nick in another case, reads none of them. Stored, never sent to clients.
    std::string from_identity = {};
    std::string to_identity = {};
};

// A user's identity for its direct messages: an account (a token or a password proved the
// nick) is its exact nick, "t:ann"; a guest is one stay under a nick, "g:ann:<its resume id>",
// and only a connection that presents that id continues it.
std::string account_identity(const std::string& nick);
std::string guest_identity(const std::string& nick, const std::string& resume_id);

std::int64_t now_millis();

// Nicks are unique case-insensitively: this is the key they are compared by.
std::string nick_key(const std::string& nick);

}  // namespace parley::model
