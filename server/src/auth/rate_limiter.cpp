#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace parley::auth {

namespace {

constexpr double min_rate_per_sec = 1e-3;
constexpr double min_window_sec = 1e-3;

}  // namespace

RateRules::RateRules(const RateLimits& limits)
    : rate_per_sec_(std::max(limits.rate_per_sec, min_rate_per_sec)),
      burst_(std::max(limits.burst, 1.0)),
      flood_window_sec_(std::max(limits.flood_window.count(), min_window_sec)),
      // The burst is added so that a full burst is never by itself a flood, even when the
      // rate is so low that rate × multiple × window is smaller than the burst.
      flood_threshold_(std::max(limits.hard_multiple, 1.0) * rate_per_sec_ * flood_window_sec_ +
                       burst_) {}

RateLimiter::RateLimiter(const RateRules& rules) : rules_(&rules), tokens_(rules.burst_) {}

void RateLimiter::advance_to(Clock::time_point now) {
    if (!started_) {
        started_ = true;
        last_ = now;
        return;
    }
    // A clock that steps back is treated as no time passing.
    double elapsed = std::max(std::chrono::duration<double>(now - last_).count(), 0.0);
    if (now > last_) last_ = now;

    tokens_ = std::min(rules_->burst_, tokens_ + elapsed * rules_->rate_per_sec_);
    // An exponentially decaying count: a client sending steadily at r per second converges to
    // r × window, so it crosses the threshold only by keeping above the hard rate for about a
    // window, while one burst decays away. Two doubles instead of a ring of timestamps.
    recent_messages_ *= std::exp(-elapsed / rules_->flood_window_sec_);
}

RateDecision RateLimiter::on_message(Clock::time_point now, double weight) {
    if (flooded_) return RateDecision::flood;
    advance_to(now);

    recent_messages_ += weight;
    if (recent_messages_ > rules_->flood_threshold_) {
        flooded_ = true;
        return RateDecision::flood;
    }
    if (tokens_ >= weight) {
        tokens_ -= weight;
        return RateDecision::allow;
    }
    return RateDecision::rate_limited;
}

}  // namespace parley::auth
