#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <string>

#include "chat/authority.hpp"
#include "chat/authority_cache.hpp"
#include "chat/channel_directory.hpp"
#include "chat/channel_reads.hpp"
#include "chat/cluster_bridge.hpp"
#include "chat/cluster_link.hpp"
#include "chat/direct_messages.hpp"
#include "chat/fan_out.hpp"
#include "chat/hub_options.hpp"
#include "chat/identification.hpp"
#include "chat/membership.hpp"
#include "chat/nick_registry.hpp"
#include "chat/participant.hpp"
#include "chat/presence_batcher.hpp"
#include "chat/read_state.hpp"
#include "chat/replies.hpp"
#include "chat/rules.hpp"
#include "chat/speech.hpp"
#include "metrics/metrics.hpp"
#include "protocol/command.hpp"
#include "storage/history.hpp"
#include "storage/user_state.hpp"

namespace parley::chat {

// The shared meeting place, and the one door to it: each command of a connection comes in here
// and goes to the part that owns what it touches. The parts, each with its own state and lock:
//   NickRegistry      who holds which nick here, through which connections
//   ReadState         what persistent users keep: channels, read markers, conversations
//   Identification    hello, register and welcome: guests, accounts, passwords, tokens
//   ChannelDirectory  the channels with members here (each a Channel with its Sequencer)
//   AuthorityCache    channels' owners, roles, privacy, bans and mutes, as stored
//   Membership        joining (checked, history first, then live) and leaving
//   Speech            say, typing, and edits, deletions and reactions
//   ChannelReads      history, who and channels, private channels for their members only
//   Authority         create, role, topic, invite, kick, ban, mute
//   FanOut            committed messages and typing to members, in seq order, exactly once
//   PresenceBatcher   joins and leaves of a short window, one frame per channel
//   DirectMessages    direct messages, stored then delivered
//   ClusterBridge     what other nodes of a cluster tell this one
// The hub knows nothing of sockets: it delivers frames to Participants.
//
// Threading: any io thread may call anything at any time; storage, the password hashers and
// the cluster call back on their own threads. Nothing is one global lock. When locks nest, they
// are taken in this order (a lock may be held while taking one below it, never one above):
//   1. a NickRegistry shard
//   2. a participant's state (ParticipantState)
//   3. a ChannelDirectory shard
//   4. a channel's mutex
//   5. the PresenceBatcher's mutex
//   6. a session's send queue (inside Participant::deliver); a FanOut lane's mailbox;
//      storage's, the hashers' and Redis's queues; the AuthorityCache's and the channel
//      listing's mutexes (leaves)
// Storage calls back one operation at a time in the order they were made; committed messages
// reach members through each channel's Sequencer, which releases them in `seq` order, and
// through FanOut to the io thread each member lives on (Participant::lane).
class Hub {
  public:
    struct Services {
        storage::History& history;
        storage::Directory& directory;
        storage::UserState& user_state;
        auth::PasswordHasher& hasher;
        auth::FailureLimiter& failed_logins;
        metrics::Metrics& metrics;
    };
    // `executor` runs the presence timer (and the fan-out, when HubOptions::lanes is empty).
    // `cluster` is null on a single node.
    Hub(boost::asio::any_io_executor executor, HubOptions options, Services services,
        ClusterLink* cluster = nullptr);

    // `token_issued_at`: the hello carried a valid token for this very nick, issued then.
    void hello(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Hello& hello,
               std::optional<std::int64_t> token_issued_at);
    void register_account(const ParticipantPtr& p, const protocol::RequestId& id,
                          const protocol::Register& request);
    void change_password(const ParticipantPtr& p, const protocol::RequestId& id,
                         const protocol::ChangePassword& request);
    void join(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Join& join);
    void leave(const ParticipantPtr& p, const protocol::RequestId& id,
               const protocol::Leave& leave);
    void say(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Say& say);
    void dm(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Dm& dm);
    void history(const ParticipantPtr& p, const protocol::RequestId& id,
                 const protocol::HistoryQuery& query);
    void who(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Who& who);
    void channels(const ParticipantPtr& p, const protocol::RequestId& id);
    void typing(const ParticipantPtr& p, const protocol::RequestId& id,
                const protocol::Typing& typing);
    // A message posted through the HTTP API by an API key's holder (storage decides whether it
    // repeats an idempotency key). `done` runs once, on a storage or io thread.
    void publish(model::ChatMessage message, Speech::Answer done) {
        speech_.publish(std::move(message), std::move(done));
    }
    // A page of the asker's conversation with someone.
    void conversation(const ParticipantPtr& p, const protocol::RequestId& id,
                      const protocol::ConversationQuery& query);
    void mark_read(const ParticipantPtr& p, const protocol::RequestId& id,
                   const protocol::MarkRead& mark);
    // edit, delete, react and unreact.
    void change(const ParticipantPtr& p, const protocol::RequestId& id,
                const protocol::Command& command);
    // create, role, topic, invite and the moderation commands.
    void authority(const ParticipantPtr& p, const protocol::RequestId& id,
                   const protocol::Command& command);
    // Leaves every channel and frees the nick. Safe to call more than once.
    void disconnect(const ParticipantPtr& p);

    // Whether a channel exists now or has history: the HTTP API answers 404 otherwise.
    bool channel_known(const std::string& name) const;
    // Whether someone on this node is in the channel now.
    bool has_members(const std::string& name) const { return channels_.find(name) != nullptr; }
    // Whether `who` may read the channel (its history, its members): calls `done` with the
    // answer, or with nothing when the channel's authority could not be read.
    void readable(const std::string& channel, const Identity& who,
                  std::function<void(std::optional<bool>)> done);
    bool is_admin(const std::string& key) const { return options_.admins.count(key) > 0; }
    storage::History& history_store() { return history_; }
    // Where a cluster link sends what the other nodes say.
    ClusterListener& cluster_listener() { return bridge_; }

  private:
    // The participant's nick, or empty (and an error sent) when it has not said hello.
    std::string identified_nick(const ParticipantPtr& p, const protocol::RequestId& id);

    boost::asio::any_io_executor executor_;
    HubOptions options_;
    storage::History& history_;
    ClusterLink* cluster_;
    Replies replies_;
    NickRegistry nicks_;
    ReadState read_state_;
    Identification identification_;
    ChannelDirectory channels_;
    AuthorityCache authority_cache_;
    PresenceBatcher presence_;
    FanOut fan_out_;
    Membership membership_;
    Speech speech_;
    ChannelReads reads_;
    Authority authority_;
    DirectMessages dms_;
    ClusterBridge bridge_;
};

}  // namespace parley::chat
