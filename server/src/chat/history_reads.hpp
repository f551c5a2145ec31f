#pragma once

#include "chat/channel_directory.hpp"
#include "chat/hub_options.hpp"
#include "chat/replies.hpp"
#include "storage/history.hpp"

namespace parley::chat {

// The `history` command: a page of a channel's messages. Reads have a bounded queue and threads
// of their own; one connection may keep only a few waiting at a time, so that it cannot fill
// that queue for everyone.
class HistoryReads {
  public:
    HistoryReads(const HubOptions& options, const ChannelDirectory& channels,
                 storage::History& history, const Replies& replies)
        : options_(options), channels_(channels), history_(history), replies_(replies) {}

    void page(const ParticipantPtr& p, const protocol::RequestId& id,
              const protocol::HistoryQuery& query);
    // Whether a channel exists now or has history.
    bool channel_known(const std::string& name) const;

  private:
    const HubOptions& options_;
    const ChannelDirectory& channels_;
    storage::History& history_;
    const Replies& replies_;
};

}  // namespace parley::chat
