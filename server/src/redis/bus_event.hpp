#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "model/authority.hpp"
#include "model/message.hpp"

namespace parley::redis {

// What nodes tell each other on the Redis channel every node subscribes to. Each is one small
// JSON object whose "k" names its kind. Channel messages are published by the append script in
// Redis itself, which splices the seq it assigned into the text made by message_event_parts().
namespace bus {

struct Message {
    model::ChatMessage message;
};
struct Dm {
    model::DirectMessage message;  // sender_session: the connection that sent it
};
struct Presence {
    std::string node;
    std::string channel;
    std::string nick;
    bool present = false;
};
struct Typing {
    std::string node;
    std::string channel;
    std::string nick;
};
struct NodeGone {
    std::string node;
};
// A change to a channel's authority, published by the script that stored it.
struct Authority {
    std::string channel;
    model::AuthorityChange change;
};

// A persistent user's read marker moved: published by the script that stored it. `place` is a
// channel, or with `conversation` the other user's nick as last seen.
struct Read {
    std::string user;  // nick_key
    std::string place;
    bool conversation = false;
    std::int64_t seq = 0;
};

using Event = std::variant<Message, Dm, Presence, Typing, NodeGone, Authority, Read>;

// A message event as two halves around its seq: prefix + seq + suffix.
std::pair<std::string, std::string> message_event_parts(const model::ChatMessage& message);
// A dm event in three parts around what only Redis knows: prefix + the recipient's nick (a JSON
// string) + middle + the conversation's seq + suffix.
struct DmEventParts {
    std::string prefix, middle, suffix;
};
DmEventParts dm_event_parts(const model::DirectMessage& message);
// A read event as two halves around its place (a JSON string), which for a conversation only
// Redis knows: the other user's nick as last seen.
std::pair<std::string, std::string> read_event_parts(const Read& event);
std::string encode(const Presence& event);
std::string encode(const Typing& event);
std::string encode(const NodeGone& event);
std::string encode(const Authority& event);
std::string encode(const Read& event);

// nullopt for anything malformed: a node never trusts the bus more than a client.
std::optional<Event> decode(std::string_view payload);

}  // namespace bus
}  // namespace parley::redis
