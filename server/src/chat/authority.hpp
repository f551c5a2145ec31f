#pragma once

#include <string>

#include "chat/authority_cache.hpp"
#include "chat/channel_directory.hpp"
#include "chat/cluster_link.hpp"
#include "chat/hub_options.hpp"
#include "chat/membership.hpp"
#include "chat/nick_registry.hpp"
#include "chat/read_state.hpp"
#include "chat/replies.hpp"
#include "chat/rules.hpp"
#include "storage/directory.hpp"

namespace parley::chat {

// Channel authority: registering channels, and the commands that change who may do what in
// them (role, topic, invite, kick, ban, mute). Each command is checked against the channel's
// stored authority (chat/rules.hpp), stored, answered `ok`, and then carried out: on a single
// node at once, in a cluster on every node when the change comes back from Redis.
class Authority {
  public:
    Authority(const HubOptions& options, storage::Directory& directory, AuthorityCache& cache,
              NickRegistry& nicks, ChannelDirectory& channels, Membership& membership,
              ReadState& read_state, const Replies& replies, ClusterLink* cluster)
        : options_(options),
          directory_(directory),
          cache_(cache),
          nicks_(nicks),
          channels_(channels),
          membership_(membership),
          read_state_(read_state),
          replies_(replies),
          cluster_(cluster) {}

    void create(const ParticipantPtr& p, const protocol::RequestId& id,
                const protocol::CreateChannel& create);
    void set_role(const ParticipantPtr& p, const protocol::RequestId& id,
                  const protocol::SetRole& role);
    void set_topic(const ParticipantPtr& p, const protocol::RequestId& id,
                   const protocol::SetTopic& topic);
    void invite(const ParticipantPtr& p, const protocol::RequestId& id,
                const protocol::Invite& invite);
    void moderate(const ParticipantPtr& p, const protocol::RequestId& id,
                  const protocol::Moderate& moderate);

    // A stored change, carried out here: the cached authority, the events members see, kicks.
    void carry_out(const std::string& channel, const model::AuthorityChange& change);

  private:
    // Loads the channel's authority and calls `then` with it; answers the error itself when it
    // cannot be read.
    void with_authority(const ParticipantPtr& p, const protocol::RequestId& id,
                        const std::string& channel, std::function<void(AuthorityPtr)> then);
    // Stores the change, answers `ok`, and carries it out (here, on a single node).
    void store(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& channel,
               model::AuthorityChange change);
    // The nick, as its user spells it, when present in the channel on this node or (in a
    // cluster) another.
    std::optional<std::string> present(const std::string& channel, const std::string& nick) const;
    void to_members(const std::string& channel, const ws::Frame& frame);

    const HubOptions& options_;
    storage::Directory& directory_;
    AuthorityCache& cache_;
    NickRegistry& nicks_;
    ChannelDirectory& channels_;
    Membership& membership_;
    ReadState& read_state_;
    const Replies& replies_;
    ClusterLink* cluster_;
};

}  // namespace parley::chat
