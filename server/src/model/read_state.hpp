#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parley::model {

// The most a `welcome` counts of unread messages or mentions in one channel or conversation.
inline constexpr int max_unread_count = 999;

// One channel of a persistent user's list, as `welcome.channels` shows it.
struct ChannelMark {
    std::string channel;
    std::int64_t last_seq = 0;  // the channel's newest seq
    std::int64_t read_seq = 0;  // the user's read marker
    int unread = 0;             // live `message` events after the marker from others (capped)
    int mentions = 0;           // of those, the ones that mention the user (capped)
};

// One conversation of a user, as `welcome.conversations` shows it.
struct ConversationMark {
    std::string with;  // the other user's nick, as last seen
    std::int64_t last_seq = 0;
    std::int64_t read_seq = 0;
    int unread = 0;  // direct messages after the marker from the other user (capped)
    std::int64_t last_ts = 0;
};

struct UserSnapshot {
    std::vector<ChannelMark> channels;            // in the order they were joined
    std::vector<ConversationMark> conversations;  // newest first
};

}  // namespace parley::model
