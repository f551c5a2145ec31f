#pragma once

#include <boost/asio/any_io_executor.hpp>

#include "chat/authority_cache.hpp"
#include "chat/channel_directory.hpp"
#include "chat/cluster_link.hpp"
#include "chat/fan_out.hpp"
#include "chat/replies.hpp"
#include "metrics/metrics.hpp"
#include "storage/history.hpp"

namespace parley::chat {

// Speaking in a channel: `say` (stored, acknowledged once durable, then fanned out) and `typing`
// (fanned out, never stored). Both need a member who is not muted there.
class Speech {
  public:
    Speech(boost::asio::any_io_executor executor, ChannelDirectory& channels,
           AuthorityCache& authority, FanOut& fan_out, storage::History& history,
           ClusterLink* cluster, const Replies& replies, metrics::Metrics& metrics)
        : executor_(executor),
          channels_(channels),
          authority_(authority),
          fan_out_(fan_out),
          history_(history),
          cluster_(cluster),
          replies_(replies),
          metrics_(metrics) {}

    void say(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
             const protocol::Say& say);
    void typing(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
                const protocol::Typing& typing);

  private:
    // Calls `then` unless the connection is muted in the channel (answered `muted`).
    void unless_muted(const ParticipantPtr& p, const protocol::RequestId& id,
                      const std::string& channel, std::function<void()> then);
    void store(const ParticipantPtr& p, const protocol::RequestId& id, model::ChatMessage message);

    boost::asio::any_io_executor executor_;
    ChannelDirectory& channels_;
    AuthorityCache& authority_;
    FanOut& fan_out_;
    storage::History& history_;
    ClusterLink* cluster_;
    const Replies& replies_;
    metrics::Metrics& metrics_;
};

}  // namespace parley::chat
