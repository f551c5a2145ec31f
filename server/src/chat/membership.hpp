#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "chat/authority_cache.hpp"
#include "chat/channel_directory.hpp"
#include "chat/cluster_link.hpp"
#include "chat/fan_out.hpp"
#include "chat/hub_options.hpp"
#include "chat/presence_batcher.hpp"
#include "chat/read_state.hpp"
#include "chat/replies.hpp"
#include "chat/rules.hpp"
#include "storage/directory.hpp"
#include "storage/history.hpp"

namespace parley::chat {

// Joining and leaving channels. A join is checked against the channel's authority (a banned
// nick, or a stranger to a private channel, is refused; an invited account becomes a member),
// then reads the channel's history (and, in a cluster, who is there on other nodes); the member
// stays pending until the read is back, then gets `joined` with that history and, live, only
// the messages after it, so it sees every message once. Every join with an id is answered
// exactly once, however a leave and another join overtake it.
class Membership {
  public:
    Membership(const HubOptions& options, ChannelDirectory& channels, FanOut& fan_out,
               PresenceBatcher& presence, storage::History& history, storage::Directory& directory,
               AuthorityCache& authority, ReadState& read_state, ClusterLink* cluster,
               const Replies& replies)
        : options_(options),
          channels_(channels),
          fan_out_(fan_out),
          presence_(presence),
          history_(history),
          directory_(directory),
          authority_(authority),
          read_state_(read_state),
          cluster_(cluster),
          replies_(replies) {}

    void join(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
              const protocol::Join& join);
    void leave(const ParticipantPtr& p, const protocol::RequestId& id,
               const protocol::Leave& leave);
    // Takes a departing connection out of a channel it was in.
    void drop(const ParticipantPtr& p, const std::string& channel);
    // After drop(): tells `p` why, behind the channel's last messages to it (FanOut).
    void notify_after_messages(const ParticipantPtr& p, ws::Frame frame) {
        fan_out_.deliver_after_messages(p, std::move(frame));
    }

  private:
    struct Pending {
        ParticipantPtr p;
        protocol::RequestId id;
        ChannelPtr channel;
        std::uint64_t ticket;
        AuthorityPtr authority;  // who may do what there, for `joined`
        bool page = false;       // its history is a page (messages only), not a since replay
    };
    // Past the authority check: a persistent user keeps the channel (ReadState), then settle().
    void enter(Pending pending, const std::string& name, const std::string& nick,
               std::optional<std::int64_t> since);
    // The member goes in pending, and its history is read.
    void settle(Pending pending, const std::string& name, const std::string& nick,
                std::optional<std::int64_t> since);
    // What `joined` says of the channel's authority, as `who` sees it.
    static void describe(protocol::Joined& joined, const model::ChannelAuthority& authority,
                         const Identity& who);
    void answer_already_member(const ParticipantPtr& p, const protocol::RequestId& id,
                               const std::string& name);
    void read_history(Pending join, std::optional<std::int64_t> since);
    // Makes the member active once its history is read, then sends it live messages.
    void activate(Pending join, storage::Page page);
    // A join that could not finish: its member goes, and its id gets the error.
    void abandon(const Pending& join, protocol::ErrorCode code, const std::string& message);

    const HubOptions& options_;
    ChannelDirectory& channels_;
    FanOut& fan_out_;
    PresenceBatcher& presence_;
    storage::History& history_;
    storage::Directory& directory_;
    AuthorityCache& authority_;
    ReadState& read_state_;
    ClusterLink* cluster_;
    const Replies& replies_;
};

}  // namespace parley::chat
