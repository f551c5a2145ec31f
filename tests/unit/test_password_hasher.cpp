// Password hashing with real libsodium: Argon2id strings that verify only the right password, a
// bounded queue that refuses at once when full (the client gets `busy`), and a shutdown that
// finishes what was accepted.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "auth/password_hasher.hpp"

namespace parley::auth {
namespace {

using namespace std::chrono_literals;

// Generous: one hash takes about a tenth of a second, more on a busy machine.
constexpr auto patience = 60s;

// Holds a hasher thread inside a job's callback until opened, so that the queue behind it stays
// exactly as the test filled it. Opens when destroyed, so that a failed assertion cannot leave
// the hasher's destructor waiting for the thread.
class Gate {
  public:
    ~Gate() { open(); }
    // A callback for `hash` that reports it is running, then waits for `open`.
    std::function<void(Expected<std::string>)> blocker() {
        return [state = state_](Expected<std::string>) {
            state->entered.set_value();
            state->released.wait();
        };
    }
    bool wait_entered() {
        return state_->entered.get_future().wait_for(patience) == std::future_status::ready;
    }
    void open() {
        if (!state_->opened.exchange(true)) state_->release.set_value();
    }

  private:
    struct State {
        std::promise<void> entered;
        std::promise<void> release;
        std::shared_future<void> released = release.get_future().share();
        std::atomic<bool> opened{false};
    };
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

TEST(PasswordHasher, HashNowGivesAnArgon2idStringThatVerifiesOnlyItsPassword) {
    auto encoded = PasswordHasher::hash_now("correct horse battery");
    ASSERT_TRUE(encoded) << encoded.error().message;
    EXPECT_EQ(encoded->rfind("$argon2id$", 0), 0u) << *encoded;
    EXPECT_EQ(encoded->find("correct horse"), std::string::npos) << "never the password itself";
    EXPECT_TRUE(PasswordHasher::verify_now("correct horse battery", *encoded));
    EXPECT_FALSE(PasswordHasher::verify_now("correct horse battery ", *encoded));
    EXPECT_FALSE(PasswordHasher::verify_now("Correct horse battery", *encoded));
    EXPECT_FALSE(PasswordHasher::verify_now("", *encoded));
    EXPECT_FALSE(PasswordHasher::verify_now("correct horse battery", "not a hash"));
}

TEST(PasswordHasher, TheSamePasswordHashesDifferentlyEachTime) {
    // A fresh salt each time: two accounts with one password do not share a stored value.
    auto first = PasswordHasher::hash_now("hunter2hunter2");
    auto second = PasswordHasher::hash_now("hunter2hunter2");
    ASSERT_TRUE(first && second);
    EXPECT_NE(*first, *second);
    EXPECT_TRUE(PasswordHasher::verify_now("hunter2hunter2", *second));
}

TEST(PasswordHasher, HashAndVerifyAnswerOnTheHashersThreads) {
    PasswordHasher hasher({.threads = 2, .queue = 4});
    std::promise<Expected<std::string>> hashed;
    ASSERT_TRUE(hasher.hash("\xC3\xA9t\xC3\xA9 \xC3\xA0 Paris",
                            [&](Expected<std::string> e) { hashed.set_value(std::move(e)); }));
    auto future = hashed.get_future();
    ASSERT_EQ(future.wait_for(patience), std::future_status::ready);
    auto encoded = future.get();
    ASSERT_TRUE(encoded) << encoded.error().message;
    EXPECT_EQ(encoded->rfind("$argon2id$", 0), 0u);

    std::promise<bool> right, wrong;
    auto caller = std::this_thread::get_id();
    std::promise<bool> elsewhere;
    ASSERT_TRUE(hasher.verify("\xC3\xA9t\xC3\xA9 \xC3\xA0 Paris", *encoded, [&](bool matches) {
        elsewhere.set_value(std::this_thread::get_id() != caller);
        right.set_value(matches);
    }));
    ASSERT_TRUE(hasher.verify("ete a Paris", *encoded, [&](bool m) { wrong.set_value(m); }));
    auto right_future = right.get_future(), wrong_future = wrong.get_future();
    ASSERT_EQ(right_future.wait_for(patience), std::future_status::ready);
    ASSERT_EQ(wrong_future.wait_for(patience), std::future_status::ready);
    EXPECT_TRUE(right_future.get());
    EXPECT_FALSE(wrong_future.get());
    EXPECT_TRUE(elsewhere.get_future().get()) << "never on the caller's (io) thread";
}

TEST(PasswordHasher, AFullQueueIsRefusedAtOnceWithoutACallback) {
    PasswordHasher hasher({.threads = 1, .queue = 2});
    Gate gate;
    // The only thread is busy with the first request...
    ASSERT_TRUE(hasher.hash("first password", gate.blocker()));
    ASSERT_TRUE(gate.wait_entered());
    // ...so two more fill the queue, and the next ones are refused.
    std::atomic<int> answered{0};
    auto count = [&](Expected<std::string> e) { answered += e ? 1 : 0; };
    EXPECT_TRUE(hasher.hash("queued one", count));
    EXPECT_TRUE(hasher.hash("queued two", count));
    // These return while the only thread is still held: a refusal never waits for room.
    std::atomic<bool> refused_called{false};
    EXPECT_FALSE(
        hasher.hash("one too many", [&](Expected<std::string>) { refused_called = true; }));
    EXPECT_FALSE(
        hasher.verify("one too many", "$argon2id$x", [&](bool) { refused_called = true; }));
    gate.open();
    // Once the thread is free, the queue drains and takes requests again.
    std::promise<void> later;
    auto later_done = later.get_future();
    for (auto deadline = std::chrono::steady_clock::now() + patience;;) {
        if (hasher.hash("later", [&](Expected<std::string>) { later.set_value(); })) break;
        ASSERT_LT(std::chrono::steady_clock::now(), deadline);
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(later_done.wait_for(patience), std::future_status::ready);
    EXPECT_EQ(answered.load(), 2) << "both queued requests hashed";
    EXPECT_FALSE(refused_called.load());
}

TEST(PasswordHasher, TheDestructorFinishesEveryQueuedRequest) {
    std::atomic<int> hashed{0};
    {
        PasswordHasher hasher({.threads = 1, .queue = 3});
        Gate gate;
        ASSERT_TRUE(hasher.hash("first password", gate.blocker()));
        ASSERT_TRUE(gate.wait_entered());
        for (int i = 0; i < 3; ++i) {
            auto password = "password " + std::to_string(i);
            ASSERT_TRUE(hasher.hash(password, [&hashed, password](Expected<std::string> e) {
                if (e && PasswordHasher::verify_now(password, *e)) ++hashed;
            }));
        }
        gate.open();
    }  // the hasher is destroyed with requests still queued
    EXPECT_EQ(hashed.load(), 3);
}

}  // namespace
}  // namespace parley::auth
