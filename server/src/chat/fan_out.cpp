#include "chat/fan_out.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <utility>

#include "protocol/events.hpp"

namespace parley::chat {

FanOut::FanOut(ChannelDirectory& channels, storage::History& history, metrics::Metrics& metrics,
               const HubOptions& options, const std::vector<boost::asio::any_io_executor>& lanes)
    : channels_(channels), history_(history), metrics_(metrics), options_(options) {
    for (const auto& executor : lanes) lanes_.push_back(std::make_unique<Lane>(executor));
}

void FanOut::deliver(model::ChatMessage message) {
    auto channel = channels_.find(message.channel);
    if (!channel) return;  // nobody here is in it
    std::lock_guard lock(channel->mutex);
    if (channel->dead) return;
    release(channel, channel->sequencer.offer(std::move(message)));
}

void FanOut::release(const ChannelPtr& channel, Sequencer::Step step) {
    if (step.seqs_restarted) {
        spdlog::warn("{}: storage lost this channel's messages; its seqs start over",
                     channel->name());
        channel->forget_history_marks();
    }
    if (!step.deliver.empty()) {
        Batch frames;
        frames.reserve(step.deliver.size());
        for (const auto& message : step.deliver)
            frames.push_back({ws::make_text_frame(protocol::encode_message(message)), message.seq});
        auto shared = std::make_shared<const Batch>(std::move(frames));
        const auto& by_lane = channel->receivers(lanes_.size());
        for (std::size_t lane = 0; lane < lanes_.size(); ++lane)
            if (!by_lane[lane]->empty()) enqueue(*lanes_[lane], {shared, by_lane[lane], {}, {}});
    }
    if (step.catch_up_after) catch_up(channel, *step.catch_up_after);
}

void FanOut::enqueue(Lane& lane, Handover handover) {
    bool post = false;
    {
        std::lock_guard lock(lane.mutex);
        lane.pending.push_back(std::move(handover));
        post = !std::exchange(lane.posted, true);
    }
    if (post) boost::asio::post(lane.executor, [this, &lane] { take(lane); });
}

void FanOut::take(Lane& lane) {
    auto& work = lane.taken;
    {
        std::lock_guard lock(lane.mutex);
        work.swap(lane.pending);
        lane.posted = false;
    }
    std::uint64_t count = 0;
    for (const auto& handover : work) {
        if (!handover.members) {
            handover.participant->deliver(handover.frame);
            continue;
        }
        for (const auto& [frame, seq] : *handover.frames)
            for (const auto& member : *handover.members)
                if (member.history_through < seq) {
                    member.participant->deliver(frame);
                    ++count;
                }
    }
    work.clear();  // lets go of the frames and member lists, keeps the capacity
    metrics_.deliveries_total.fetch_add(count, std::memory_order_relaxed);
}

void FanOut::deliver_after_messages(const ParticipantPtr& p, ws::Frame frame) {
    enqueue(*lanes_[p->lane() % lanes_.size()], {{}, {}, p, std::move(frame)});
}

bool FanOut::typing(const Channel& channel, const std::string& nick) {
    if (channel.active_count() > options_.presence_limit) return false;
    auto frame = ws::make_text_frame(protocol::encode_typing(channel.name(), nick));
    channel.for_each_active([&](const ParticipantPtr& member, const std::string& member_nick) {
        if (member_nick != nick) member->deliver(frame);
    });
    return true;
}

void FanOut::catch_up(const ChannelPtr& channel, std::int64_t after) {
    metrics_.cluster_catch_ups_total.fetch_add(1, std::memory_order_relaxed);
    auto done = [this, channel](storage::Page page) {
        std::lock_guard lock(channel->mutex);
        if (channel->dead) return;
        if (!page.ok) {
            channel->sequencer.catch_up_failed();
            return;
        }
        release(channel, channel->sequencer.caught_up(std::move(page.messages), page.head_seq));
    };
    if (!history_.since(channel->name(), after, options_.since_cap, std::move(done)))
        channel->sequencer.catch_up_failed();
}

}  // namespace parley::chat
