#pragma once

#include "chat/authority_cache.hpp"
#include "chat/channel_directory.hpp"
#include "chat/hub_options.hpp"
#include "chat/replies.hpp"
#include "storage/history.hpp"

namespace parley::chat {

// What a user may read about channels: a page of history, who is in one, and which channels
// there are. A private channel's history and members are for its members; to anyone else it is
// `forbidden` and it is not listed. History reads have a bounded queue and threads of their own;
// one connection may keep only a few waiting at a time, so that it cannot fill that queue.
class ChannelReads {
  public:
    ChannelReads(const HubOptions& options, ChannelDirectory& channels, AuthorityCache& authority,
                 storage::History& history, const Replies& replies)
        : options_(options),
          channels_(channels),
          authority_(authority),
          history_(history),
          replies_(replies) {}

    void page(const ParticipantPtr& p, const protocol::RequestId& id,
              const protocol::HistoryQuery& query);
    void who(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Who& who);
    void list(const ParticipantPtr& p, const protocol::RequestId& id);
    // Whether a channel exists now or has history.
    bool channel_known(const std::string& name) const;

  private:
    // Calls `then` when `p` may read the channel; answers the refusal otherwise.
    void if_readable(const ParticipantPtr& p, const protocol::RequestId& id,
                     const std::string& channel, std::function<void()> then);
    void read_page(const ParticipantPtr& p, const protocol::RequestId& id,
                   const protocol::HistoryQuery& query);

    const HubOptions& options_;
    ChannelDirectory& channels_;
    AuthorityCache& authority_;
    storage::History& history_;
    const Replies& replies_;
};

}  // namespace parley::chat
