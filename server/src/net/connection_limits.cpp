#include "net/connection_limits.hpp"

namespace parley::net {

ConnectionLimits::Slot ConnectionLimits::accept(const std::string& ip, Accept& verdict) {
    std::lock_guard lock(mutex_);
    if (open_ >= limits_.open) {
        verdict = Accept::over_total;
        return {};
    }
    auto [entry, added] = per_ip_.try_emplace(ip, 0);
    if (entry->second >= limits_.per_ip) {
        verdict = Accept::over_per_ip;
        return {};
    }
    ++entry->second;
    ++open_;
    verdict = open_ + limits_.health > limits_.open ? Accept::health_only : Accept::accepted;
    // Map nodes do not move when the map grows, so the slot may point at its entry.
    return Slot(this, &*entry);
}

ConnectionLimits::Slot ConnectionLimits::admit_session() {
    std::lock_guard lock(mutex_);
    if (sessions_ >= limits_.sessions) return {};
    ++sessions_;
    return Slot(this, nullptr);
}

void ConnectionLimits::release(Entry* entry) {
    std::lock_guard lock(mutex_);
    if (!entry) {
        --sessions_;
        return;
    }
    --open_;
    if (--entry->second == 0) per_ip_.erase(per_ip_.find(entry->first));
}

std::size_t ConnectionLimits::open() const {
    std::lock_guard lock(mutex_);
    return open_;
}

std::size_t ConnectionLimits::sessions() const {
    std::lock_guard lock(mutex_);
    return sessions_;
}

}  // namespace parley::net
