#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/expected.hpp"
#include "model/message.hpp"
#include "model/read_state.hpp"

namespace parley::storage {

// What a mark_read did.
enum class Marked {
    moved,       // the marker is now at the seq asked for
    unchanged,   // it was there already, or further on: markers never go back
    beyond_end,  // the seq is past the channel's (conversation's) last: nothing changed
    not_kept,    // the channel is not in the user's list (no such conversation): nothing changed
};

enum class Kept { kept, too_many };

// A page of one conversation, ascending by seq; each message carries its seq.
struct ConversationPage {
    std::vector<model::DirectMessage> messages;
    bool gap = false;  // a since read found more than it could return: these are the newest
};

// What the server keeps for persistent users (accounts and token users): the channels they are
// in, across connections and restarts; their read markers; and the conversations of their
// direct messages (stored by History::append_dm, which numbers them 1, 2, 3, ... per pair of
// identities). `user` is a nick_key; `identity` a model::account_identity.
//
// Like History and Directory, every call queues its work and returns false at once when the
// bounded queue is full (the caller answers `busy`); callbacks run elsewhere. A failed store
// answers with a Failure. Reads of many channels or conversations take one round trip to the
// store per kind of state, never one per channel.
//
// In a cluster, a marker that moved reaches every node, this one included, through the
// ClusterListener (on_cluster_read); a single node's hub tells the user's connections itself.
class UserState {
  public:
    virtual ~UserState() = default;

    // Records the user (a dm to them is kept while they are offline from now on) and reads what
    // `welcome` shows: every kept channel, and the newest `max_conversations` conversations.
    virtual bool load(std::string user, std::string identity, std::string nick,
                      int max_conversations,
                      std::function<void(Expected<model::UserSnapshot>)> done) = 0;
    // Adds the channel to the user's list, its marker at the channel's newest seq; a channel kept
    // already keeps its marker. `too_many` (nothing added) when the list has `max_channels`.
    virtual bool keep_channel(std::string user, std::string channel, std::size_t max_channels,
                              std::function<void(Expected<Kept>)> done) = 0;
    // Takes the channel off the user's list (leave, kick, ban); nothing for a channel not on it.
    virtual bool drop_channel(std::string user, std::string channel,
                              std::function<void(Expected<void>)> done) = 0;
    // Moves the user's marker in a kept channel forward to `seq`.
    virtual bool mark_channel(std::string user, std::string channel, std::int64_t seq,
                              std::function<void(Expected<Marked>)> done) = 0;
    // Moves `identity`'s marker in its newest conversation with the nick `with_key` (a nick_key).
    // `with` in the answer: that user's nick as last seen, for the `read` event.
    struct ConversationMarked {
        Marked marked;
        std::string with;
    };
    virtual bool mark_conversation(std::string user, std::string identity, std::string with_key,
                                   std::int64_t seq,
                                   std::function<void(Expected<ConversationMarked>)> done) = 0;
    // A page of `identity`'s newest conversation with the nick `with_key`: `limit` messages
    // before `before` (the newest without it), or with `since` those after it (at most `limit`,
    // the newest, gap=true when more were there). Empty when there is no such conversation.
    virtual bool conversation(std::string identity, std::string with_key,
                              std::optional<std::int64_t> before, std::optional<std::int64_t> since,
                              int limit, std::function<void(Expected<ConversationPage>)> done) = 0;

    virtual void stop() = 0;
};

}  // namespace parley::storage
