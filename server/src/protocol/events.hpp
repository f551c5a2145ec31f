#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/message.hpp"
#include "model/read_state.hpp"
#include "protocol/command.hpp"

namespace parley::protocol {

// Limits a client learns from `welcome`, so it can check input before sending.
struct ClientLimits {
    std::size_t max_frame_bytes = 0;
    std::size_t max_text_chars = 0;
    double rate_per_sec = 0;
    double burst = 0;
};

struct Welcome {
    std::string nick;
    std::string session;
    std::string node;
    ClientLimits limits;
    std::vector<model::DirectMessage> dms;  // a guest's recent direct messages to or from it
    // A persistent user's kept channels and conversations, instead of `dms`.
    std::optional<model::UserSnapshot> kept;
    std::string resume;    // a guest's resume id; empty for an account
    bool account = false;  // an account (password or token), not a guest
    bool admin = false;    // one of the server's admins
};

struct Joined {
    std::string channel;
    std::size_t member_count = 0;
    std::optional<std::vector<std::string>> members;  // left out above the presence limit
    std::vector<model::ChatMessage> history;
    bool gap = false;
    std::string topic;
    bool is_private = false;
    std::string role = "member";  // owner, op or member
    bool registered = false;      // a channel with an owner (created), not an open one
    // Account key -> "owner" or "op": who outranks members, for the client's badges and menus.
    std::map<std::string, std::string> roles;
    bool muted = false;  // the joining user may read but not speak
};

struct ChannelSummary {
    std::string name;
    std::size_t member_count = 0;
};

// Each encoder returns the JSON text of one server frame. Replies take the command's id.
std::string encode_welcome(const RequestId& id, const Welcome& welcome);
std::string encode_joined(const RequestId& id, const Joined& joined);
std::string encode_left(const RequestId& id, const std::string& channel);
// `seq` answers a say; `ts` answers a dm, so the sender can show it with the time others see.
std::string encode_ok(const RequestId& id, std::optional<std::int64_t> seq,
                      std::optional<std::int64_t> ts = std::nullopt);
std::string encode_error(const RequestId& id, ErrorCode code, const std::string& message);
std::string encode_history(const RequestId& id, const std::string& channel,
                           const std::vector<model::ChatMessage>& messages);
// The `who` reply around a member list made by encode_nick_list and shared while it holds.
std::string encode_nick_list(const std::vector<std::string>& nicks);
std::string encode_who(const RequestId& id, const std::string& channel, std::size_t member_count,
                       const std::string& member_list);
// The `channels` reply around a list made once by encode_channel_list and shared by every
// request for a while.
std::string encode_channel_list(const std::vector<ChannelSummary>& channels);
std::string encode_channels(const RequestId& id, const std::string& channel_list);
std::string encode_pong(const RequestId& id);
// A page of the asker's conversation with `with`.
std::string encode_conversation(const RequestId& id, const std::string& with,
                                const std::vector<model::DirectMessage>& messages, bool gap);
// A read marker moved: in a channel, or with `conversation` in the conversation with `place`.
std::string encode_read(const std::string& place, bool conversation, std::int64_t seq);

std::string encode_message(const model::ChatMessage& message);
std::string encode_dm(const model::DirectMessage& message);
std::string encode_presence(const std::string& channel, const std::vector<std::string>& joined,
                            const std::vector<std::string>& left);
std::string encode_typing(const std::string& channel, const std::string& nick);

// Channel authority's events.
std::string encode_topic(const std::string& channel, const std::string& topic,
                         const std::string& by);
std::string encode_role(const std::string& channel, const std::string& nick,
                        const std::string& role, const std::string& by);
std::string encode_invited(const std::string& channel, const std::string& by);
std::string encode_kicked(const std::string& channel, const std::string& by, bool ban,
                          const std::string& reason);

// The JSON shape of a list of messages, shared by the `history` frame and the HTTP API.
std::string encode_messages_page(const std::string& channel,
                                 const std::vector<model::ChatMessage>& messages);

}  // namespace parley::protocol
