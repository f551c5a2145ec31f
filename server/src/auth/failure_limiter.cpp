#include "auth/failure_limiter.hpp"

#include <algorithm>

namespace parley::auth {

FailureLimiter::FailureLimiter(Limits limits, std::chrono::seconds window, std::size_t max_keys)
    : limits_(limits), window_(window), max_keys_(max_keys) {}

std::size_t FailureLimiter::limit_of(const std::string& key) const {
    auto limit = key.starts_with("a:") ? limits_.per_address : limits_.per_account;
    return static_cast<std::size_t>(std::max(limit, 0));
}

std::size_t FailureLimiter::recent(Entry& entry, Clock::time_point now) const {
    // Each failure counts for exactly one window, so no window ever holds more than
    // max_failures: a key that failed ten times waits until the first of them is a window old.
    std::erase_if(entry.failures, [&](Clock::time_point t) { return t <= now - window_; });
    return entry.failures.size();
}

bool FailureLimiter::allows(const std::string& key, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() || limit_of(key) == 0) return true;
    return recent(it->second, now) < limit_of(key);
}

void FailureLimiter::failed(const std::string& key, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    record(key, now);
}

void FailureLimiter::record(const std::string& key, Clock::time_point now) {
    auto limit = limit_of(key);
    if (limit == 0) return;  // not counted for this kind of key
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        if (entries_.size() >= max_keys_) make_room(now);
        it = entries_.emplace(key, Entry{}).first;
        it->second.failures.reserve(limit);
    }
    auto& entry = it->second;
    if (recent(entry, now) >= limit && !entry.failures.empty())
        entry.failures.erase(std::min_element(entry.failures.begin(), entry.failures.end()));
    entry.failures.push_back(now);
    entry.last = std::max(entry.last, now);
}

bool FailureLimiter::attempt(const std::vector<std::string>& keys, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    for (const auto& key : keys) {
        auto it = entries_.find(key);
        if (it != entries_.end() && limit_of(key) > 0 && recent(it->second, now) >= limit_of(key))
            return false;
    }
    for (const auto& key : keys) record(key, now);
    return true;
}

void FailureLimiter::refund(const std::string& key, Clock::time_point at) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    auto& failures = it->second.failures;
    if (auto found = std::find(failures.begin(), failures.end(), at); found != failures.end())
        failures.erase(found);
    if (failures.empty()) entries_.erase(it);
}

void FailureLimiter::succeeded(const std::string& key) {
    std::lock_guard lock(mutex_);
    entries_.erase(key);
}

void FailureLimiter::make_room(Clock::time_point now) {
    // Forget every key whose failures are all a window old; if there is none, the stalest key.
    for (auto it = entries_.begin(); it != entries_.end();)
        it = recent(it->second, now) == 0 ? entries_.erase(it) : std::next(it);
    if (entries_.size() < max_keys_) return;
    auto stalest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    entries_.erase(stalest);
}

}  // namespace parley::auth
