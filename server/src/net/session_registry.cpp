#include "net/session_registry.hpp"

#include <malloc.h>

#include <boost/asio/post.hpp>
#include <functional>
#include <vector>

namespace parley::net {

SessionRegistry::SessionRegistry(boost::asio::any_io_executor executor) : sweep_timer_(executor) {}

SessionRegistry::Shard& SessionRegistry::shard_for(const SessionControl* session) {
    return shards_[std::hash<const SessionControl*>{}(session) % shard_count];
}

void SessionRegistry::add(const std::shared_ptr<SessionControl>& session) {
    auto& shard = shard_for(session.get());
    std::lock_guard lock(shard.mutex);
    shard.sessions.emplace(session.get(), session);
}

void SessionRegistry::remove(const SessionControl* session) {
    auto& shard = shard_for(session);
    std::shared_ptr<SessionControl> released;  // destroyed outside the lock
    std::lock_guard lock(shard.mutex);
    auto it = shard.sessions.find(session);
    if (it == shard.sessions.end()) return;
    released = std::move(it->second);
    shard.sessions.erase(it);
}

std::size_t SessionRegistry::size() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        total += shard.sessions.size();
    }
    return total;
}

std::size_t SessionRegistry::queued_bytes() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        for (const auto& [key, session] : shard.sessions) total += session->queued_bytes();
    }
    return total;
}

void SessionRegistry::start_sweeping(std::chrono::milliseconds period) {
    sweep_period_ = period;
    sweeping_ = true;
    sweep();
}

void SessionRegistry::stop_sweeping() {
    boost::asio::post(sweep_timer_.get_executor(), [this] {
        sweeping_ = false;
        sweep_timer_.cancel();
    });
}

void SessionRegistry::note_peak_queue(std::size_t bytes) {
    // Smaller queues reuse each other's memory; a large one leaves a hole worth returning.
    constexpr std::size_t large = 256 * 1024;
    if (bytes >= large) trim_wanted_.store(true, std::memory_order_relaxed);
}

void SessionRegistry::sweep() {
    if (!sweeping_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_trim_ >= std::chrono::seconds(1) &&
        trim_wanted_.exchange(false, std::memory_order_relaxed)) {
        last_trim_ = now;
        malloc_trim(0);
    }
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        for (auto& [key, session] : shard.sessions) session->check_deadlines(now);
    }
    sweep_timer_.expires_after(sweep_period_);
    sweep_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) sweep();
    });
}

void SessionRegistry::shut_down_all() {
    for (auto& shard : shards_) {
        std::vector<std::shared_ptr<SessionControl>> sessions;
        {
            std::lock_guard lock(shard.mutex);
            for (auto& [key, session] : shard.sessions) sessions.push_back(session);
        }
        for (auto& session : sessions) session->shut_down();
    }
}

}  // namespace parley::net
