#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::model {

// What a channel event is. Messages and the changes to them share the channel's one sequence
// of seqs, so `since` recovery replays changes exactly as it replays messages.
enum class EventType : std::uint8_t { message, edited, deleted, reaction };

// One emoji on a message and the nicks that gave it, in the order they did.
struct Reaction {
    std::string emoji;
    std::vector<std::string> nicks;
};

// A channel event as stored and as every member sees it: a message, or a change to one (its
// `target`). `seq` is assigned by storage. For `deleted`, `from` is who deleted it.
struct ChatMessage {
    std::string channel;
    std::int64_t seq = 0;
    std::string from;
    std::string text;     // message, edited; erased (empty) once the message is deleted
    std::int64_t ts = 0;  // milliseconds since the Unix epoch
    EventType type = EventType::message;
    std::int64_t target = 0;    // edited, deleted, reaction: the message they change
    std::int64_t reply_to = 0;  // message: the message it answers (0: none)
    std::string emoji = {};     // reaction
    bool on = true;             // reaction: given (true) or taken back
    // Who sent it, beyond the nick (see DirectMessage): only that identity may edit a message.
    // Stored, never sent. For a change, the identity asking for it.
    std::string author = {};
    // Posted through the HTTP API by a bot (an API key's holder), not by a connected user.
    bool bot = false;
    // An idempotency key, qualified by who sent it (idempotency_key()): a resend under it within
    // the window stores nothing and gets the first send's seq. Empty: none. Never sent.
    std::string idempotency = {};
    // Set by the hub: storage queues the event for the webhooks in the same commit that stores
    // it. Never stored on the event, never sent.
    bool to_webhooks = false;
    // A message's current state, as history pages show it (never on a live `message`).
    std::int64_t edited_ts = 0;  // 0: never edited
    bool deleted = false;
    std::vector<Reaction> reactions = {};
};

// The most distinct emoji one message carries.
inline constexpr std::size_t max_reactions_per_message = 20;

struct DirectMessage {
    std::string from;
    std::string to;
    std::string text;
    std::int64_t ts = 0;
    // Its place in the conversation between its two identities: 1, 2, 3, ... Assigned by storage.
    std::int64_t seq = 0;
    // The connection that sent it, which is not sent its own message back. Never stored.
    std::string sender_session = {};
    // Who sent it and who it was for, beyond their nicks (see identity_of): a user's recent
    // direct messages are those of its identity, so a guest who takes a nick later, or a token
    // for the same nick in another case, reads none of them. Stored, never sent to clients.
    std::string from_identity = {};
    std::string to_identity = {};
    std::string idempotency = {};  // as ChatMessage's
    // The sender's node found the recipient connected nowhere (one node): nothing is stored,
    // but a resend of a dm stored earlier, when it was, still gets its first answer. Never
    // stored.
    bool recipient_away = false;
};

// A client's idempotency key as storage keeps it: qualified by the sender (a user's identity, or
// "api" for the HTTP API), so that two users' keys never meet.
std::string idempotency_key(const std::string& sender, const std::string& key);

// A user's identity for its direct messages: an account (a token or a password proved the
// nick) is its exact nick, "t:ann"; a guest is one stay under a nick, "g:ann:<its resume id>",
// and only a connection that presents that id continues it.
std::string account_identity(const std::string& nick);
std::string guest_identity(const std::string& nick, const std::string& resume_id);

std::int64_t now_millis();

// The nick keys a text mentions: each `@nick` that stands as a whole word (no word character
// right before the @, the nick running to a character no nick has), once each, at most
// max_mentions_per_message of them.
inline constexpr std::size_t max_mentions_per_message = 20;
std::vector<std::string> mentioned_keys(std::string_view text);

// Nicks are unique case-insensitively: this is the key they are compared by.
std::string nick_key(const std::string& nick);

}  // namespace parley::model
