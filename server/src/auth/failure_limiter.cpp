#include "auth/failure_limiter.hpp"

#include <algorithm>

namespace parley::auth {

FailureLimiter::FailureLimiter(int max_failures, std::chrono::seconds window, std::size_t max_keys)
    : max_failures_(max_failures), window_(window), max_keys_(max_keys) {}

double FailureLimiter::decayed(const Entry& entry, Clock::time_point now) const {
    // A leaky bucket: max_failures leak away per window, so a key that failed ten times must
    // wait about a window before trying again, and a steady one-a-minute typo never trips it.
    auto elapsed = std::chrono::duration<double>(now - entry.last).count();
    auto leaked = elapsed / std::chrono::duration<double>(window_).count() * max_failures_;
    return std::max(0.0, entry.failures - leaked);
}

bool FailureLimiter::allows(const std::string& key, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return true;
    if (decayed(it->second, now) + 1 <= max_failures_) return true;
    return false;
}

void FailureLimiter::failed(const std::string& key, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        if (entries_.size() >= max_keys_) make_room(now);
        it = entries_.emplace(key, Entry{0, now}).first;
    }
    it->second.failures = decayed(it->second, now) + 1;
    it->second.last = now;
}

void FailureLimiter::succeeded(const std::string& key) {
    std::lock_guard lock(mutex_);
    entries_.erase(key);
}

void FailureLimiter::make_room(Clock::time_point now) {
    // Forget everything that has leaked away; if nothing has, the stalest entry.
    for (auto it = entries_.begin(); it != entries_.end();)
        it = decayed(it->second, now) <= 0 ? entries_.erase(it) : std::next(it);
    if (entries_.size() < max_keys_) return;
    auto stalest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    entries_.erase(stalest);
}

}  // namespace parley::auth
