#include "chat/channel_directory.hpp"

#include <algorithm>

#include "protocol/events.hpp"

namespace parley::chat {

ChannelDirectory::Shard& ChannelDirectory::shard(const std::string& name) {
    return shards_[std::hash<std::string>{}(name) % shard_count];
}

const ChannelDirectory::Shard& ChannelDirectory::shard(const std::string& name) const {
    return shards_[std::hash<std::string>{}(name) % shard_count];
}

ChannelPtr ChannelDirectory::find(const std::string& name) const {
    const auto& s = shard(name);
    std::lock_guard lock(s.mutex);
    auto it = s.channels.find(name);
    return it == s.channels.end() ? nullptr : it->second;
}

ChannelPtr ChannelDirectory::get_or_create(const std::string& name) {
    auto& s = shard(name);
    std::lock_guard lock(s.mutex);
    auto& slot = s.channels[name];
    if (!slot) {
        slot = std::make_shared<Channel>(name);
        metrics_.channels.fetch_add(1, std::memory_order_relaxed);
        // Under the shard's lock, so opened and closed reach the cluster in order.
        if (cluster_) cluster_->channel_opened(name);
    }
    return slot;
}

std::vector<ChannelPtr> ChannelDirectory::all() const {
    std::vector<ChannelPtr> list;
    for (const auto& s : shards_) {
        std::lock_guard lock(s.mutex);
        for (const auto& [name, channel] : s.channels) list.push_back(channel);
    }
    return list;
}

void ChannelDirectory::remove_member(
    const std::string& name, const Participant* participant,
    const std::function<void(const ChannelPtr&, const Removal&)>& then) {
    auto& s = shard(name);
    // The shard stays locked until the channel is dead or known to have members, so that a
    // join cannot add a member to a channel this is forgetting.
    std::lock_guard shard_lock(s.mutex);
    auto it = s.channels.find(name);
    if (it == s.channels.end()) return;
    ChannelPtr channel = it->second;
    std::lock_guard lock(channel->mutex);
    const std::string* member_nick = channel->nick_of(participant);
    if (!member_nick) return;
    Removal removal{*member_nick, false};
    bool was_here = channel->present_here(removal.nick);
    channel->remove(participant);
    removal.nick_left = was_here && !channel->present_here(removal.nick);
    if (channel->empty()) {
        channel->dead = true;
        s.channels.erase(it);
        metrics_.channels.fetch_sub(1, std::memory_order_relaxed);
        if (cluster_) cluster_->channel_closed(name);
    }
    then(channel, removal);
}

}  // namespace parley::chat

namespace parley::chat {

std::shared_ptr<const std::string> ChannelDirectory::listing(std::size_t at_most,
                                                             std::chrono::milliseconds max_age) {
    auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(listing_mutex_);
        if (listing_ && (now - listed_at_ < max_age || listing_busy_)) return listing_;
        listing_busy_ = true;
    }
    std::vector<protocol::ChannelSummary> list;
    for (const auto& channel : all()) {
        std::lock_guard lock(channel->mutex);
        // Private channels are listed only to their members (ChannelReads::list).
        if (channel->active_count() > 0 && !channel->is_private)
            list.push_back({channel->name(), channel->active_count()});
    }
    auto by_size = [](const auto& a, const auto& b) {
        return a.member_count != b.member_count ? a.member_count > b.member_count : a.name < b.name;
    };
    if (list.size() > at_most) {
        std::partial_sort(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(at_most),
                          list.end(), by_size);
        list.resize(at_most);
    } else {
        std::sort(list.begin(), list.end(), by_size);
    }
    auto built = std::make_shared<const std::string>(protocol::encode_channel_list(list));
    std::lock_guard lock(listing_mutex_);
    listing_ = built;
    listed_at_ = now;
    listing_busy_ = false;
    return built;
}

}  // namespace parley::chat
