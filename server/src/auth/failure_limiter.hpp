#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace parley::auth {

// Counts failures (wrong passwords) per key, a client address or an account, and says when a key
// has had too many lately: `max_failures` in any `window` at most, each failure forgotten a window
// after it. Keys with nothing recent are dropped, so the table holds only current offenders, and
// it is bounded: when full, the oldest entry makes room. Thread-safe; the caller passes the time.
class FailureLimiter {
  public:
    using Clock = std::chrono::steady_clock;

    // Failures allowed per window: under address_key()s and under account_key()s (0: no limit
    // for that kind, as behind a balancer where every client shares its address).
    struct Limits {
        int per_address;
        int per_account;
    };
    FailureLimiter(Limits limits, std::chrono::seconds window, std::size_t max_keys = 100'000);
    // The same limit for every key.
    FailureLimiter(int max_failures, std::chrono::seconds window, std::size_t max_keys = 100'000)
        : FailureLimiter(Limits{max_failures, max_failures}, window, max_keys) {}

    // Whether another attempt for `key` may be checked now.
    bool allows(const std::string& key, Clock::time_point now);
    void failed(const std::string& key, Clock::time_point now);
    void succeeded(const std::string& key);

    // A login about to be checked, under all of `keys` at once: refused when any of them is at
    // the limit, else counted as a failure at `now` until refunded. Counting it before the
    // password is checked keeps logins sent in parallel (which all pass a check made before any
    // of them failed) within the limit too.
    bool attempt(const std::vector<std::string>& keys, Clock::time_point now);
    // The attempt made at `at` under `key` failed for no fault of the password (a right one, or
    // the server was busy): it no longer counts.
    void refund(const std::string& key, Clock::time_point at);

    // The keys logins are counted under: one for the client's address, one for the account.
    static std::string address_key(std::string_view address) { return "a:" + std::string(address); }
    static std::string account_key(std::string_view key) { return "k:" + std::string(key); }

  private:
    struct Entry {
        // The latest failures, at most max_failures of them: older ones no longer matter.
        std::vector<Clock::time_point> failures;
        Clock::time_point last;
    };
    // Counts a failure; the mutex is held.
    void record(const std::string& key, Clock::time_point now);
    // Drops the failures a window old or older; returns how many are left.
    std::size_t recent(Entry& entry, Clock::time_point now) const;
    void make_room(Clock::time_point now);

    // The limit for `key`, by its kind; 0: none.
    std::size_t limit_of(const std::string& key) const;

    Limits limits_;
    std::chrono::seconds window_;
    std::size_t max_keys_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace parley::auth
