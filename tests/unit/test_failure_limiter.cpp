// Failed logins are limited to 10 a minute per client address and per account (README, "Accounts
// and channels"): the limiter the login paths ask, on a clock the test moves.
#include <gtest/gtest.h>

#include <string>

#include "auth/failure_limiter.hpp"

namespace parley::auth {
namespace {

using namespace std::chrono_literals;
using Clock = FailureLimiter::Clock;

const auto start = Clock::time_point{} + 1000h;

// As the server makes it.
FailureLimiter server_limiter(std::size_t max_keys = 100'000) {
    return FailureLimiter(10, std::chrono::minutes(1), max_keys);
}

// Fails `key` `times` times at `when`, each allowed first; false when one was refused.
bool fail(FailureLimiter& limiter, const std::string& key, int times, Clock::time_point when) {
    for (int i = 0; i < times; ++i) {
        if (!limiter.allows(key, when)) return false;
        limiter.failed(key, when);
    }
    return true;
}

TEST(FailureLimiter, TenFailuresAreAllowedThenTheKeyIsRefused) {
    auto limiter = server_limiter();
    auto ann = FailureLimiter::account_key("ann");
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(limiter.allows(ann, start + i * 1s)) << "attempt " << i + 1;
        limiter.failed(ann, start + i * 1s);
    }
    EXPECT_FALSE(limiter.allows(ann, start + 10s));
}

TEST(FailureLimiter, OtherKeysAreUnaffected) {
    auto limiter = server_limiter();
    ASSERT_TRUE(fail(limiter, FailureLimiter::address_key("192.0.2.7"), 10, start));
    EXPECT_FALSE(limiter.allows(FailureLimiter::address_key("192.0.2.7"), start));
    EXPECT_TRUE(limiter.allows(FailureLimiter::address_key("192.0.2.8"), start));
    EXPECT_TRUE(limiter.allows(FailureLimiter::account_key("ann"), start));
    // An address and an account of the same spelling are different keys.
    ASSERT_TRUE(fail(limiter, FailureLimiter::account_key("x"), 10, start));
    EXPECT_TRUE(limiter.allows(FailureLimiter::address_key("x"), start));
}

TEST(FailureLimiter, ARefusedKeyIsAllowedAgainOnceTheMinuteHasPassed) {
    auto limiter = server_limiter();
    ASSERT_TRUE(fail(limiter, "k:ann", 10, start));
    EXPECT_FALSE(limiter.allows("k:ann", start + 30s));
    EXPECT_FALSE(limiter.allows("k:ann", start + 59s));
    EXPECT_TRUE(limiter.allows("k:ann", start + 60s));
    // And a full ten again: the old failures are forgotten, not carried over.
    EXPECT_TRUE(fail(limiter, "k:ann", 10, start + 60s));
    EXPECT_FALSE(limiter.allows("k:ann", start + 61s));
}

TEST(FailureLimiter, NoMoreThanTenGuessesInAnyMinute) {
    // A guesser who tries once a second, whenever allowed, for ten minutes.
    auto limiter = server_limiter();
    std::vector<Clock::time_point> guesses;
    for (auto t = start; t < start + 10min; t += 1s)
        if (limiter.allows("k:ann", t)) {
            limiter.failed("k:ann", t);
            guesses.push_back(t);
        }
    for (std::size_t i = 0; i + 10 < guesses.size(); ++i)
        EXPECT_GE(guesses[i + 10] - guesses[i], 60s) << "eleven guesses within a minute";
    EXPECT_GE(guesses.size(), 100u) << "ten every minute are still allowed";
}

TEST(FailureLimiter, ASteadyTypoNeverTripsIt) {
    auto limiter = server_limiter();
    for (int minute = 0; minute < 120; ++minute)
        ASSERT_TRUE(fail(limiter, "k:ann", 1, start + minute * 61s)) << "minute " << minute;
    // Nine quick ones on top of the last are still fine; the tenth fills the minute.
    auto last = start + 119 * 61s;
    EXPECT_TRUE(fail(limiter, "k:ann", 9, last + 1s));
    EXPECT_FALSE(limiter.allows("k:ann", last + 2s));
}

TEST(FailureLimiter, ASuccessfulLoginForgetsTheAccountsFailures) {
    auto limiter = server_limiter();
    ASSERT_TRUE(fail(limiter, "k:ann", 9, start));
    limiter.succeeded("k:ann");
    EXPECT_TRUE(fail(limiter, "k:ann", 10, start + 1s));
    EXPECT_FALSE(limiter.allows("k:ann", start + 1s));
}

TEST(FailureLimiter, AFullTableForgetsTheStalestOffenderFirst) {
    // The table is bounded: a flood of new keys cannot grow it without end. When it is full, the
    // key that failed longest ago makes room; the most recent offenders stay refused.
    auto limiter = server_limiter(3);
    ASSERT_TRUE(fail(limiter, "a:1", 10, start));
    ASSERT_TRUE(fail(limiter, "a:2", 10, start + 1s));
    ASSERT_TRUE(fail(limiter, "a:3", 10, start + 2s));
    ASSERT_TRUE(fail(limiter, "a:4", 10, start + 3s));
    EXPECT_TRUE(limiter.allows("a:1", start + 4s)) << "forgotten to make room";
    EXPECT_FALSE(limiter.allows("a:2", start + 4s));
    EXPECT_FALSE(limiter.allows("a:3", start + 4s));
    EXPECT_FALSE(limiter.allows("a:4", start + 4s));
}

TEST(FailureLimiter, AFullTableDropsForgottenKeysBeforeAnyOffender) {
    auto limiter = server_limiter(3);
    ASSERT_TRUE(fail(limiter, "a:old1", 1, start));
    ASSERT_TRUE(fail(limiter, "a:old2", 1, start));
    ASSERT_TRUE(fail(limiter, "a:bad", 10, start + 50s));
    // A minute on, both single failures are forgotten: room for two without touching a:bad.
    ASSERT_TRUE(fail(limiter, "a:new1", 10, start + 61s));
    ASSERT_TRUE(fail(limiter, "a:new2", 10, start + 62s));
    EXPECT_FALSE(limiter.allows("a:bad", start + 63s));
    EXPECT_FALSE(limiter.allows("a:new1", start + 63s));
    EXPECT_FALSE(limiter.allows("a:new2", start + 63s));
}

}  // namespace
}  // namespace parley::auth

namespace parley::auth {
namespace {

// Logins checked in parallel: each attempt counts from its start, so ten in flight fill the
// limit before any of them is known to be wrong.
TEST(FailureLimiterAttempts, AttemptsInFlightCountAgainstTheLimit) {
    FailureLimiter limiter(10, std::chrono::minutes(1));
    const std::vector<std::string> keys{FailureLimiter::address_key("10.0.0.1"),
                                        FailureLimiter::account_key("ann")};
    auto now = Clock::time_point{} + std::chrono::hours(1000);
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.attempt(keys, now)) << i;
    EXPECT_FALSE(limiter.attempt(keys, now));
    // The address is full for another account too; a refused attempt counted nothing.
    EXPECT_FALSE(limiter.attempt({keys[0], FailureLimiter::account_key("bob")}, now));
    EXPECT_TRUE(limiter.allows(FailureLimiter::account_key("bob"), now));
}

// Behind a balancer every client has the balancer's address: the address limit can be off, and
// the account limit still holds.
TEST(FailureLimiterAttempts, EachKindOfKeyHasItsOwnLimitAndZeroIsNone) {
    FailureLimiter limiter(FailureLimiter::Limits{0, 3}, std::chrono::minutes(1));
    auto now = Clock::time_point{} + std::chrono::hours(1000);
    const auto balancer = FailureLimiter::address_key("10.0.0.9");
    for (int account = 0; account < 50; ++account) {
        const auto key = FailureLimiter::account_key("user" + std::to_string(account));
        for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.attempt({balancer, key}, now));
        EXPECT_FALSE(limiter.attempt({balancer, key}, now)) << account;
    }
    EXPECT_TRUE(limiter.allows(balancer, now));
}

TEST(FailureLimiterAttempts, ARefundedAttemptNoLongerCounts) {
    FailureLimiter limiter(10, std::chrono::minutes(1));
    const std::vector<std::string> keys{"a:x", "k:ann"};
    auto now = Clock::time_point{} + std::chrono::hours(1000);
    // The right password, or a busy server, every time: never limited.
    for (int i = 0; i < 50; ++i) {
        auto at = now + std::chrono::milliseconds(i);
        ASSERT_TRUE(limiter.attempt(keys, at)) << i;
        for (const auto& key : keys) limiter.refund(key, at);
    }
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.attempt(keys, now + std::chrono::seconds(1)));
    EXPECT_FALSE(limiter.attempt(keys, now + std::chrono::seconds(1)));
}

}  // namespace
}  // namespace parley::auth
