#include "auth/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using parley::auth::RateDecision;
using parley::auth::RateLimiter;
using parley::auth::RateLimits;
using parley::auth::RateRules;
using namespace std::chrono_literals;

const RateLimiter::Clock::time_point start = RateLimiter::Clock::time_point{} + 1000h;

struct Tally {
    int allowed = 0;
    int limited = 0;
    int flood = 0;
    // When the first flood verdict came, relative to `start`.
    std::optional<std::chrono::nanoseconds> flood_at;
};

// Sends `count` messages `interval` apart starting at `from`.
Tally send(RateLimiter& limiter, RateLimiter::Clock::time_point from,
           std::chrono::nanoseconds interval, int count) {
    Tally tally;
    for (int i = 0; i < count; ++i) {
        auto now = from + interval * i;
        switch (limiter.on_message(now)) {
            case RateDecision::allow:
                ++tally.allowed;
                break;
            case RateDecision::rate_limited:
                ++tally.limited;
                break;
            case RateDecision::flood:
                ++tally.flood;
                if (!tally.flood_at) tally.flood_at = now - start;
                break;
        }
    }
    return tally;
}

TEST(RateLimiter, AllowsTheBurstThenLimits) {
    RateRules rules(RateLimits{.rate_per_sec = 20, .burst = 40});
    RateLimiter limiter(rules);
    auto tally = send(limiter, start, 0ns, 45);
    EXPECT_EQ(tally.allowed, 40);
    EXPECT_EQ(tally.limited, 5);
    EXPECT_EQ(tally.flood, 0);
}

TEST(RateLimiter, RefillsAtTheRateUpToTheBurst) {
    RateRules rules(RateLimits{.rate_per_sec = 20, .burst = 40});
    RateLimiter limiter(rules);
    send(limiter, start, 0ns, 40);
    EXPECT_EQ(limiter.on_message(start), RateDecision::rate_limited);

    // 100 ms at 20/s is two messages' worth.
    auto later = start + 100ms;
    EXPECT_EQ(limiter.on_message(later), RateDecision::allow);
    EXPECT_EQ(limiter.on_message(later), RateDecision::allow);
    EXPECT_EQ(limiter.on_message(later), RateDecision::rate_limited);

    // A long pause refills no more than the burst.
    auto much_later = later + 1h;
    auto tally = send(limiter, much_later, 0ns, 41);
    EXPECT_EQ(tally.allowed, 40);
    EXPECT_EQ(tally.limited, 1);
    EXPECT_EQ(tally.flood, 0);
}

TEST(RateLimiter, SendingAtTheRateIsNeverLimited) {
    RateRules rules(RateLimits{.rate_per_sec = 20, .burst = 40});
    RateLimiter limiter(rules);
    auto tally = send(limiter, start, 50ms, 20 * 120);
    EXPECT_EQ(tally.allowed, 20 * 120);
    EXPECT_EQ(tally.limited, 0);
}

TEST(RateLimiter, SustainedFloodIsDetectedWithinSeconds) {
    RateRules rules(RateLimits{.rate_per_sec = 20, .burst = 40});
    RateLimiter limiter(rules);
    // 200 messages a second: ten times the rate, twice the hard limit.
    auto tally = send(limiter, start, 5ms, 200 * 10);
    ASSERT_TRUE(tally.flood_at);
    EXPECT_GT(*tally.flood_at, 1s);
    EXPECT_LT(*tally.flood_at, 4s);
    // Once flooded it stays flooded, whatever the client does next.
    EXPECT_EQ(limiter.on_message(start + 1h), RateDecision::flood);
}

TEST(RateLimiter, ThousandsAtOnceAreAFlood) {
    RateRules rules(RateLimits{.rate_per_sec = 20, .burst = 40});
    RateLimiter limiter(rules);
    auto tally = send(limiter, start, 0ns, 1000);
    EXPECT_EQ(tally.allowed, 40);
    EXPECT_GT(tally.flood, 0);
    EXPECT_LT(tally.allowed + tally.limited, 400);
}

TEST(RateLimiter, HittingTheLimitBrieflyIsNoFlood) {
    RateRules rules(RateLimits{.rate_per_sec = 20, .burst = 40});
    RateLimiter limiter(rules);
    // A paste of 100 lines, a pause, then a second of ten times the rate, then normal chat.
    auto tally = send(limiter, start, 0ns, 100);
    EXPECT_EQ(tally.limited, 60);
    auto after_pause = start + 10s;
    tally = send(limiter, after_pause, 5ms, 200);
    EXPECT_GT(tally.limited, 0);
    tally = send(limiter, after_pause + 1s, 50ms, 20 * 60);
    EXPECT_EQ(tally.flood, 0);
    EXPECT_EQ(limiter.on_message(after_pause + 62s), RateDecision::allow);
}

TEST(RateLimiter, SendingBelowTheHardLimitIsLimitedButNeverClosed) {
    RateRules rules(RateLimits{.rate_per_sec = 20, .burst = 40});
    RateLimiter limiter(rules);
    // Four times the rate for a whole minute: most messages refused, connection kept.
    auto tally = send(limiter, start, 12500us, 80 * 60);
    EXPECT_EQ(tally.flood, 0);
    EXPECT_GT(tally.limited, tally.allowed);
    EXPECT_NEAR(tally.allowed, 40 + 20 * 60, 2);
}

TEST(RateLimiter, FullBurstIsNoFloodEvenAtALowRate) {
    RateRules rules(RateLimits{.rate_per_sec = 1, .burst = 40});
    RateLimiter limiter(rules);
    auto tally = send(limiter, start, 0ns, 40);
    EXPECT_EQ(tally.allowed, 40);
    EXPECT_EQ(tally.flood, 0);
}

TEST(RateLimiter, HardMultipleAndWindowAreConfigurable) {
    RateRules rules(RateLimits{.rate_per_sec = 10,
                               .burst = 10,
                               .hard_multiple = 2,
                               .flood_window = std::chrono::seconds(1)});
    RateLimiter strict(rules);
    // 50/s against a hard limit of 20/s.
    auto tally = send(strict, start, 20ms, 50 * 5);
    ASSERT_TRUE(tally.flood_at);
    EXPECT_LT(*tally.flood_at, 2s);
}

TEST(RateLimiter, ClockSteppingBackGrantsNothing) {
    RateRules rules(RateLimits{.rate_per_sec = 20, .burst = 40});
    RateLimiter limiter(rules);
    send(limiter, start, 0ns, 40);
    EXPECT_EQ(limiter.on_message(start - 10s), RateDecision::rate_limited);
    EXPECT_EQ(limiter.on_message(start), RateDecision::rate_limited);
    EXPECT_EQ(limiter.on_message(start + 50ms), RateDecision::allow);
}

}  // namespace
