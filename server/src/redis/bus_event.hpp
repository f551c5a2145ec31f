#pragma once

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

using Event = std::variant<Message, Dm, Presence, Typing, NodeGone, Authority>;

// A message event as two halves around its seq: prefix + seq + suffix.
std::pair<std::string, std::string> message_event_parts(const model::ChatMessage& message);
// A dm event as two halves around the recipient's nick (a JSON string), which only Redis knows.
std::pair<std::string, std::string> dm_event_parts(const model::DirectMessage& message);
std::string encode(const Presence& event);
std::string encode(const Typing& event);
std::string encode(const NodeGone& event);
std::string encode(const Authority& event);

// nullopt for anything malformed: a node never trusts the bus more than a client.
std::optional<Event> decode(std::string_view payload);

}  // namespace bus
}  // namespace parley::redis
