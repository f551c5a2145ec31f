#pragma once

#include <string>

#include "chat/cluster_link.hpp"
#include "chat/hub_options.hpp"
#include "chat/nick_registry.hpp"
#include "chat/replies.hpp"
#include "storage/history.hpp"

namespace parley::chat {

// Who a connection is: `hello` claims a nick (here, and in a cluster everywhere), the
// connection is admitted under it, and `welcome` is sent with the user's recent direct
// messages; a disconnect gives the nick back.
class Identification {
  public:
    Identification(const HubOptions& options, NickRegistry& nicks, storage::History& history,
                   ClusterLink* cluster, const Replies& replies)
        : options_(options),
          nicks_(nicks),
          history_(history),
          cluster_(cluster),
          replies_(replies) {}

    // `authenticated`: the hello carried a valid token for this nick, which lets several
    // connections share it (one user on several devices).
    // A guest who gives the `resume` id of an earlier stay under this nick continues it, with
    // its direct messages; without one (or with one never given out) it starts a new stay.
    void hello(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
               bool authenticated, const std::optional<std::string>& resume);
    // Gives the nick back for this connection.
    void release(const ParticipantPtr& p, const std::string& key);

  private:
    // Adds the connection under its (claimed) nick and sends `welcome`.
    void admit(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
               const std::string& key, bool authenticated, const std::string& resume_id);

    const HubOptions& options_;
    NickRegistry& nicks_;
    storage::History& history_;
    ClusterLink* cluster_;
    const Replies& replies_;
};

}  // namespace parley::chat
