#pragma once

#include <cstdint>

#include "chat/channel_directory.hpp"
#include "chat/hub_options.hpp"
#include "metrics/metrics.hpp"
#include "model/message.hpp"
#include "storage/history.hpp"

namespace parley::chat {

// Hands committed messages to the members of their channel: each message is encoded and framed
// once and the same bytes are queued to every member, in `seq` order, exactly once (the
// channel's Sequencer sees to that, and fills any gap from storage).
class FanOut {
  public:
    FanOut(ChannelDirectory& channels, storage::History& history, metrics::Metrics& metrics,
           const HubOptions& options)
        : channels_(channels), history_(history), metrics_(metrics), options_(options) {}

    // A committed message, from storage (single node) or from the cluster; any thread.
    void deliver(model::ChatMessage message);
    // Sends what the sequencer released and starts any catch-up it asked for. Call with the
    // channel's mutex held.
    void release(const ChannelPtr& channel, Sequencer::Step step);
    // Tells the channel's members but `nick` that it is typing. Call with the channel's mutex
    // held. Above the presence limit a keystroke would cost a frame per member: quiet there.
    // Returns false when it stayed quiet.
    bool typing(const Channel& channel, const std::string& nick);

  private:
    void catch_up(const ChannelPtr& channel, std::int64_t after);

    ChannelDirectory& channels_;
    storage::History& history_;
    metrics::Metrics& metrics_;
    const HubOptions& options_;
};

}  // namespace parley::chat
