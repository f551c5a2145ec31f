#pragma once

#include "chat/authority.hpp"
#include "chat/channel_directory.hpp"
#include "chat/cluster_link.hpp"
#include "chat/direct_messages.hpp"
#include "chat/fan_out.hpp"
#include "chat/nick_registry.hpp"
#include "chat/presence_batcher.hpp"
#include "chat/read_state.hpp"

namespace parley::chat {

// What the other nodes of a cluster tell this hub, handed to the part that owns it: messages to
// fan-out, direct messages to their recipients here, presence to the channels, and after a
// reconnect a fresh look at everything that may have been missed.
class ClusterBridge final : public ClusterListener {
  public:
    ClusterBridge(ChannelDirectory& channels, NickRegistry& nicks, FanOut& fan_out,
                  PresenceBatcher& presence, DirectMessages& dms, Authority& authority,
                  AuthorityCache& authority_cache, ReadState& read_state, ClusterLink* cluster)
        : channels_(channels),
          nicks_(nicks),
          fan_out_(fan_out),
          presence_(presence),
          dms_(dms),
          authority_(authority),
          authority_cache_(authority_cache),
          read_state_(read_state),
          cluster_(cluster) {}

    void on_cluster_message(model::ChatMessage message) override;
    void on_cluster_dm(model::DirectMessage message, const std::string& user,
                       const std::string& origin_session) override;
    void on_cluster_presence(const std::string& node, const std::string& channel,
                             const std::string& nick, bool present) override;
    void on_cluster_typing(const std::string& channel, const std::string& nick) override;
    void on_cluster_read(const std::string& user, const std::string& place, bool conversation,
                         std::int64_t seq) override {
        read_state_.deliver(user, place, conversation, seq);
    }
    void on_node_gone(const std::string& node) override;
    void on_authority_change(const std::string& channel,
                             const model::AuthorityChange& change) override;
    void on_cluster_reconnected() override;
    LocalRegistrations local_registrations() override;

  private:
    ChannelDirectory& channels_;
    NickRegistry& nicks_;
    FanOut& fan_out_;
    PresenceBatcher& presence_;
    DirectMessages& dms_;
    Authority& authority_;
    AuthorityCache& authority_cache_;
    ReadState& read_state_;
    ClusterLink* cluster_;
};

}  // namespace parley::chat
