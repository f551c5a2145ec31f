#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "chat/channel_directory.hpp"
#include "chat/hub_options.hpp"
#include "metrics/metrics.hpp"
#include "model/message.hpp"
#include "storage/history.hpp"

namespace parley::chat {

// Hands committed messages to the members of their channel: each message is encoded and framed
// once and the same bytes are queued to every member, in `seq` order, exactly once (the
// channel's Sequencer sees to that, and fills any gap from storage).
//
// The members are handed over by io thread ("lane"). What the sequencer releases goes into the
// mailbox of each thread with members in the channel, as the frames plus that thread's member
// list (shared, not copied). The first item into an empty mailbox posts one task to its
// thread; the task takes everything the mailbox then holds, queues each frame to the thread's
// members, and their writes are flushed together at the end (net::WriteCork). So a group of
// messages committed together costs one post per thread and one write per member. Items enter
// a mailbox under their channel's mutex, so each member still sees `seq` order.
class FanOut {
  public:
    FanOut(ChannelDirectory& channels, storage::History& history, metrics::Metrics& metrics,
           const HubOptions& options, const std::vector<boost::asio::any_io_executor>& lanes);

    // A committed message, from storage (single node) or from the cluster; any thread.
    void deliver(model::ChatMessage message);
    // Sends what the sequencer released and starts any catch-up it asked for. Call with the
    // channel's mutex held.
    void release(const ChannelPtr& channel, Sequencer::Step step);
    // Delivers `frame` to `p` behind every message already handed to its thread: a `left` or
    // `kicked` so comes after the last message the member was sent, never before it.
    void deliver_after_messages(const ParticipantPtr& p, ws::Frame frame);
    // Tells the channel's members but `nick` that it is typing. Call with the channel's mutex
    // held. Above the presence limit a keystroke would cost a frame per member: quiet there.
    // Returns false when it stayed quiet.
    bool typing(const Channel& channel, const std::string& nick);

  private:
    struct Framed {
        ws::Frame frame;
        std::int64_t seq;
    };
    using Batch = std::vector<Framed>;
    // Frames for a lane's members; or, with no members, one frame for one participant.
    struct Handover {
        std::shared_ptr<const Batch> frames;
        std::shared_ptr<const Channel::Receivers> members;
        ParticipantPtr participant;
        ws::Frame frame;
    };
    struct Lane {
        explicit Lane(boost::asio::any_io_executor on) : executor(std::move(on)) {}
        boost::asio::any_io_executor executor;
        std::mutex mutex;  // a leaf: nothing is locked while it is held
        std::vector<Handover> pending;
        std::vector<Handover> taken;  // the lane's thread only; swapped with `pending`, so
                                      // both keep their capacity from take to take
        bool posted = false;          // a take() is on its way to the thread
    };
    void enqueue(Lane& lane, Handover handover);
    // On the lane's thread: everything its mailbox holds, in order.
    void take(Lane& lane);
    void catch_up(const ChannelPtr& channel, std::int64_t after);

    ChannelDirectory& channels_;
    storage::History& history_;
    metrics::Metrics& metrics_;
    const HubOptions& options_;
    std::vector<std::unique_ptr<Lane>> lanes_;
};

}  // namespace parley::chat
