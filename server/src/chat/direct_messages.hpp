#pragma once

#include <string>
#include <string_view>

#include "chat/cluster_link.hpp"
#include "chat/nick_registry.hpp"
#include "chat/replies.hpp"
#include "metrics/metrics.hpp"
#include "storage/history.hpp"

namespace parley::chat {

// Direct messages between users: stored first, then delivered to every connection of the
// recipient and to the sender's other connections (the sending one has its `ok`).
class DirectMessages {
  public:
    DirectMessages(NickRegistry& nicks, storage::History& history, ClusterLink* cluster,
                   const Replies& replies, metrics::Metrics& metrics)
        : nicks_(nicks),
          history_(history),
          cluster_(cluster),
          replies_(replies),
          metrics_(metrics) {}

    void send(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& from,
              const protocol::Dm& dm);
    // A stored message, from here or (in a cluster) from any node; `origin_session` sent it.
    void deliver(const model::DirectMessage& message, std::string_view origin_session);
    // In a cluster each of the two users gets the message on its own events: delivers it to
    // the connections of `key` only, when it is the sender's or the recipient's.
    void deliver_to(const model::DirectMessage& message, const std::string& key,
                    std::string_view origin_session);

  private:
    NickRegistry& nicks_;
    storage::History& history_;
    ClusterLink* cluster_;
    const Replies& replies_;
    metrics::Metrics& metrics_;
};

}  // namespace parley::chat
