#pragma once

#include <chrono>

namespace parley::auth {

struct RateLimits {
    double rate_per_sec = 20;  // sustained messages per second a client may send
    double burst = 40;         // messages it may send at once after a quiet spell
    // Past this multiple of the rate, sustained over `flood_window`, the client is not merely
    // eager but hostile, and the session closes it with 1008.
    double hard_multiple = 5;
    std::chrono::duration<double> flood_window = std::chrono::seconds(3);
};

enum class RateDecision {
    allow,         // handle the message
    rate_limited,  // drop it and answer `rate_limited`
    flood,         // close the connection with 1008; stays `flood` from then on
};

// Per-connection limiter for say/dm/typing: a token bucket decides allow or rate_limited, and a
// separate meter of how fast the client actually sends (counting refused messages too) decides
// flood. It lives on the session's strand, so it has no locks, and the caller passes the time
// so that tests can drive the clock.
//
// Flood means the decayed message count passed burst + hard_multiple × rate × window. With the
// defaults (20/s, burst 40, 5×, 3 s) that threshold is 340: a client at 5× the rate or below is
// never closed, one at 10× is closed after about 2.5 s, and one sending as fast as it can after
// its 341st message in quick succession.
//
// The rules are made once and shared by every connection's limiter, which keeps only its own
// state: every idle connection carries two limiters.
class RateRules {
  public:
    // Limits are assumed checked by the configuration; nonsensical values are clamped to the
    // smallest usable ones rather than dividing by zero.
    explicit RateRules(const RateLimits& limits = {});

  private:
    friend class RateLimiter;
    double rate_per_sec_;
    double burst_;
    double flood_window_sec_;
    double flood_threshold_;
};

class RateLimiter {
  public:
    using Clock = std::chrono::steady_clock;

    // `rules` must outlive the limiter.
    explicit RateLimiter(const RateRules& rules);

    // `weight`: what this message costs, 1 for the usual one; heavier requests use up more of
    // the bucket and count more towards a flood.
    RateDecision on_message(Clock::time_point now, double weight = 1);

    // Messages that could be sent right now without being limited (for tests and metrics).
    double available_tokens() const { return tokens_; }
    // The meter behind flood detection: roughly the messages sent within the last window.
    double recent_messages() const { return recent_messages_; }

  private:
    void advance_to(Clock::time_point now);

    const RateRules* rules_;
    double tokens_;
    double recent_messages_ = 0;
    Clock::time_point last_{};
    bool started_ = false;
    bool flooded_ = false;
};

}  // namespace parley::auth
