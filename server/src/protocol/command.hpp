#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json_fwd.hpp>

#include "model/authority.hpp"
#include "model/expected.hpp"
#include "protocol/error_code.hpp"

namespace parley::protocol {

// A client's request id as JSON text ("\"a1\"" or "42"), cheap to carry to a deferred reply.
// It is the id as nlohmann writes it back, not the bytes the client sent: replies carry the same
// JSON value ("\u0041" comes back as "A", -0 as 0), which is what the protocol promises. Finding
// the original bytes would take a second scanner of the frame, since nlohmann reports no offsets.
using RequestId = std::optional<std::string>;

struct Hello {
    std::string nick;
    std::optional<std::string> token;
    std::optional<std::string> password;  // an account's login
    // A guest's resume id from an earlier `welcome`: it continues that stay under the nick, and
    // gets its direct messages.
    std::optional<std::string> resume;
};
struct Join {
    std::string channel;
    std::optional<std::int64_t> since;
};
struct Leave {
    std::string channel;
};
struct Say {
    std::string channel;
    std::string text;
    std::int64_t reply_to = 0;  // the seq of the message it answers; 0: none
    // An idempotency key (1-64 characters; empty: none): a resend under the same key gets the
    // first send's seq and stores nothing.
    std::string key = {};
};
struct Dm {
    std::string to;
    std::string text;
    std::string key = {};  // as Say's
};
struct HistoryQuery {
    std::string channel;
    std::optional<std::int64_t> before;
    int limit = 50;
};
// A page of the asker's own conversation with a user (`history` with `with`): before a seq, or
// with `since` what came after it.
struct ConversationQuery {
    std::string with;
    std::optional<std::int64_t> before;
    std::optional<std::int64_t> since;
    int limit = 50;
};
// Moves a persistent user's read marker in a channel, or with `conversation` in the conversation
// with the nick `place`.
struct MarkRead {
    std::string place;
    bool conversation = false;
    std::int64_t seq = 0;
};
struct Who {
    std::string channel;
};
struct ListChannels {};
struct Typing {
    std::string channel;
};
struct Ping {};

// Accounts and channel authority.
struct Register {
    std::string nick;
    std::string password;
    // The setup code from the server's log: needed to register an --admins nick, so that nobody
    // but whoever runs the server can take an admin's nick first.
    std::optional<std::string> setup;
};
struct ChangePassword {
    std::string old_password;
    std::string new_password;
};
struct CreateChannel {
    std::string channel;
    bool is_private = false;
    std::string topic;
};
using Role = model::Role;
struct SetRole {
    std::string channel;
    std::string nick;
    Role role;  // op or member
};
struct SetTopic {
    std::string channel;
    std::string topic;
};
struct Invite {
    std::string channel;
    std::string nick;
};
// kick, ban, unban, mute and unmute: one shape, the action says which.
enum class Sanction { kick, ban, unban, mute, unmute };
struct Moderate {
    Sanction action;
    std::string channel;
    std::string nick;
    std::string reason;  // kick and ban only; may be empty
};

// A message's lifecycle: edit, delete, react and unreact name a message by its seq.
struct Edit {
    std::string channel;
    std::int64_t seq = 0;
    std::string text;
};
struct Delete {
    std::string channel;
    std::int64_t seq = 0;
};
struct React {
    std::string channel;
    std::int64_t seq = 0;
    std::string emoji;
    bool on = true;  // react; false: unreact
};

using Command = std::variant<Hello, Join, Leave, Say, Dm, HistoryQuery, Who, ListChannels, Typing,
                             Ping, Register, ChangePassword, CreateChannel, SetRole, SetTopic,
                             Invite, Moderate, Edit, Delete, React, ConversationQuery, MarkRead>;

inline constexpr std::size_t max_topic_chars = 300;
inline constexpr std::size_t max_reason_chars = 300;
inline constexpr std::size_t max_emoji_bytes = 32;

std::string_view to_string(Role role);
std::string_view to_string(Sanction action);

// Limits the decoder enforces; they come from the server's options.
struct DecodeLimits {
    std::size_t max_text_chars = 4000;
    int max_history_limit = 100;
};

struct Decoded {
    RequestId id;  // set whenever the frame carried a valid id, also when decoding failed
    Expected<Command, Error> result;
};

// One text frame to one typed command, or to the error the client gets back.
Decoded decode(std::string_view frame, const DecodeLimits& limits);
// The accounts and channel authority commands; nothing when `type` is none of them.
std::optional<Expected<Command, Error>> decode_authority(const std::string& type,
                                                         const nlohmann::json& object);
// A message posted through the HTTP API (POST /api/channels/{name}/messages): its body.
struct Publish {
    std::string from;
    std::string text;
    std::int64_t reply_to = 0;
    std::string key;  // idempotency_key; empty: none
};
inline constexpr std::size_t max_idempotency_key_chars = 64;
// The body's fields, checked as `say`'s are; `from` follows the nick syntax.
Expected<Publish, Error> decode_publish(const nlohmann::json& body, const DecodeLimits& limits);

// mark_read, and history with `with`; nothing when neither.
std::optional<Expected<Command, Error>> decode_read_state(const std::string& type,
                                                          const nlohmann::json& object,
                                                          const DecodeLimits& limits);
// edit, delete, react and unreact; nothing when `type` is none of them.
std::optional<Expected<Command, Error>> decode_lifecycle(const std::string& type,
                                                         const nlohmann::json& object,
                                                         const DecodeLimits& limits);
// 1 to 32 bytes of UTF-8 (already checked by the JSON parser) with no whitespace or control
// character: one emoji, or a short code a client shows as one.
bool is_valid_emoji(std::string_view emoji);

bool is_valid_nick(std::string_view nick);
bool is_valid_channel(std::string_view channel);
// Number of Unicode code points; `text` is already known to be valid UTF-8.
std::size_t count_code_points(std::string_view text);

// Whether a command counts against the per-connection message rate.
bool is_rate_limited(const Command& command);

// What a command weighs against the per-connection command budget (a `say` is 1).
double command_cost(const Command& command);

}  // namespace parley::protocol
