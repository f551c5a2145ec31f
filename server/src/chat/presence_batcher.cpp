#include "chat/presence_batcher.hpp"

#include <map>

#include "protocol/events.hpp"

namespace parley::chat {

PresenceBatcher::PresenceBatcher(boost::asio::any_io_executor executor,
                                 std::chrono::milliseconds window, std::size_t presence_limit)
    : window_(window), presence_limit_(presence_limit), timer_(executor) {}

void PresenceBatcher::mark_dirty(const ChannelPtr& channel) {
    std::lock_guard lock(mutex_);
    dirty_.push_back(channel);
    if (armed_) return;
    armed_ = true;
    timer_.expires_after(window_);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) flush();
    });
}

void PresenceBatcher::flush() {
    std::vector<std::weak_ptr<Channel>> dirty;
    {
        std::lock_guard lock(mutex_);
        dirty.swap(dirty_);
        armed_ = false;
    }
    for (auto& weak : dirty) {
        auto channel = weak.lock();
        if (!channel) continue;
        std::lock_guard lock(channel->mutex);
        if (channel->dead || !channel->has_presence_changes()) continue;
        if (channel->active_count() > presence_limit_) {
            channel->drop_presence_changes();
            continue;
        }
        // One frame per distinct list (nearly always one), shared by the members that get it.
        std::map<std::size_t, ws::Frame> frames;
        channel->flush_presence([&](const ParticipantPtr& member, std::size_t from,
                                    const std::vector<std::string>& joined,
                                    const std::vector<std::string>& left) {
            auto& frame = frames[from];
            if (!frame)
                frame =
                    ws::make_text_frame(protocol::encode_presence(channel->name(), joined, left));
            member->deliver(frame);
        });
    }
}

}  // namespace parley::chat
