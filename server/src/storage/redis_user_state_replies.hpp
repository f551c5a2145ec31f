#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "model/expected.hpp"
#include "model/parse_number.hpp"
#include "model/read_state.hpp"
#include "redis/client.hpp"
#include "storage/user_state.hpp"

// How storage::RedisUserState reads the replies of its scripts, whichever layout sent them
// (redis_user_state.cpp for a single Redis, redis_user_state_cluster.cpp for a cluster).
namespace parley::storage::user_state_replies {

using Reply = redis::Client::Reply;
using Type = redis::Value::Type;

inline Failure unavailable(const Reply& reply) {
    return Failure{reply ? "redis: " + reply->text : "redis cannot be reached"};
}

inline std::int64_t number(const redis::Value& value) {
    if (value.type == Type::integer) return value.integer;
    // A score (a double's text) or a stream id ("<seq>-0"): the integer it starts with.
    auto text = std::string_view(value.text);
    text = text.substr(0, text.find_first_of(".-e"));
    return parse_number<std::int64_t>(text).value_or(0);
}

inline int count(const redis::Value& value) {
    return static_cast<int>(std::clamp<std::int64_t>(number(value), 0, model::max_unread_count));
}

inline Marked marked_of(const std::string& answer) {
    if (answer == "moved") return Marked::moved;
    if (answer == "beyond_end") return Marked::beyond_end;
    if (answer == "not_kept") return Marked::not_kept;
    return Marked::unchanged;
}

// load()'s reply: {channels, conversations}, each a list of rows of five.
inline model::UserSnapshot snapshot_of(const redis::Value& reply) {
    model::UserSnapshot snapshot;
    for (const auto& row : reply.elements[0].elements) {
        const auto& c = row.elements;
        if (c.size() != 5) continue;
        snapshot.channels.push_back(
            {c[0].text, number(c[1]), number(c[2]), count(c[3]), count(c[4])});
    }
    for (const auto& row : reply.elements[1].elements) {
        const auto& c = row.elements;
        if (c.size() != 5) continue;
        snapshot.conversations.push_back(
            {c[0].text, number(c[1]), number(c[2]), count(c[3]), number(c[4])});
    }
    return snapshot;
}

}  // namespace parley::storage::user_state_replies
