#include "chat/fan_out.hpp"

#include <spdlog/spdlog.h>

#include "protocol/events.hpp"

namespace parley::chat {

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
    std::uint64_t count = 0;
    for (const auto& message : step.deliver) {
        auto frame = ws::make_text_frame(protocol::encode_message(message));
        channel->for_each_receiver(message.seq, [&](const ParticipantPtr& member) {
            member->deliver(frame);
            ++count;
        });
    }
    metrics_.deliveries_total.fetch_add(count, std::memory_order_relaxed);
    if (step.catch_up_after) catch_up(channel, *step.catch_up_after);
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
