#include "chat/authority_cache.hpp"

namespace parley::chat {

AuthorityPtr AuthorityCache::cached(const std::string& channel) const {
    std::lock_guard lock(mutex_);
    auto it = channels_.find(channel);
    return it == channels_.end() ? nullptr : it->second;
}

void AuthorityCache::get(const std::string& channel, Loaded done) {
    std::uint64_t epoch;
    {
        std::lock_guard lock(mutex_);
        if (auto it = channels_.find(channel); it != channels_.end()) {
            auto found = it->second;
            done(found, false);
            return;
        }
        epoch = epoch_;
    }
    auto loaded = [this, channel, epoch, done](Expected<model::ChannelAuthority> read) {
        if (!read) return done(std::move(read).error(), false);
        auto authority = std::make_shared<const model::ChannelAuthority>(*std::move(read));
        {
            std::lock_guard lock(mutex_);
            if (epoch == epoch_) {
                if (channels_.size() >= max_channels_) channels_.clear();
                channels_.emplace(channel, authority);
            }
        }
        done(authority, false);
    };
    if (!directory_.load_channel(channel, loaded))
        done(Failure{"the server is busy, try again"}, true);
}

void AuthorityCache::changed(const std::string& channel, const model::AuthorityChange& change) {
    std::lock_guard lock(mutex_);
    ++epoch_;
    auto it = channels_.find(channel);
    if (it == channels_.end()) return;
    auto updated = std::make_shared<model::ChannelAuthority>(*it->second);
    model::apply(*updated, change);
    it->second = std::move(updated);
}

void AuthorityCache::put(const std::string& channel, model::ChannelAuthority authority) {
    std::lock_guard lock(mutex_);
    ++epoch_;
    if (channels_.size() >= max_channels_) channels_.clear();
    channels_[channel] = std::make_shared<const model::ChannelAuthority>(std::move(authority));
}

void AuthorityCache::forget(const std::string& channel) {
    std::lock_guard lock(mutex_);
    ++epoch_;
    channels_.erase(channel);
}

void AuthorityCache::clear() {
    std::lock_guard lock(mutex_);
    ++epoch_;
    channels_.clear();
}

}  // namespace parley::chat
