// Idempotency keys in real SQLite: a resend under a key stores nothing and gets the first seq,
// across a restart, until the window has passed; keys are per sender and per channel.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "sqlite_place.hpp"
#include "storage/sqlite_history.hpp"

namespace parley::storage {
namespace {

using namespace std::chrono_literals;

class SqliteIdempotencyTest : public ::testing::Test {
  protected:
    SqliteIdempotencyTest() { open(24h); }
    ~SqliteIdempotencyTest() override { history->stop(); }

    void open(std::chrono::milliseconds window) {
        if (history) history->stop();
        history = std::make_unique<SqliteHistory>(
            SqliteOptions{
                .path = place.path(), .fsync_each_commit = false, .idempotency_window = window},
            metrics);
    }
    AppendResult say(const std::string& channel, const std::string& key,
                     const std::string& sender = "t:ann") {
        model::ChatMessage message{channel, 0, "ann", "hello", model::now_millis()};
        message.idempotency = model::idempotency_key(sender, key);
        std::promise<AppendResult> stored;
        EXPECT_TRUE(history->append(message, [&](AppendResult r) { stored.set_value(r); }));
        return stored.get_future().get();
    }
    DmAppendResult dm(const std::string& key) {
        model::DirectMessage message{"ann", "bob", "psst", model::now_millis()};
        message.idempotency = model::idempotency_key("t:ann", key);
        std::promise<DmAppendResult> stored;
        EXPECT_TRUE(history->append_dm(message, [&](DmAppendResult r) { stored.set_value(r); }));
        return stored.get_future().get();
    }

    Place place{true};
    metrics::Metrics metrics;
    std::unique_ptr<SqliteHistory> history;
};

TEST_F(SqliteIdempotencyTest, AResendGetsTheFirstSeqAndStoresNothing) {
    auto first = say("c", "k1");
    ASSERT_TRUE(first.committed);
    auto again = say("c", "k1");
    EXPECT_FALSE(again.committed);
    EXPECT_EQ(again.refused, Refusal::repeated);
    EXPECT_EQ(again.message.seq, first.message.seq);
    EXPECT_EQ(again.message.ts, first.message.ts);
    // Nothing was stored: the next message takes the next seq.
    EXPECT_EQ(say("c", "").message.seq, first.message.seq + 1);
}

TEST_F(SqliteIdempotencyTest, KeysBelongToOneSenderInOneChannel) {
    auto ann = say("c", "k1");
    EXPECT_TRUE(say("c", "k1", "t:bob").committed);       // another user
    EXPECT_TRUE(say("other", "k1").committed);            // another channel
    EXPECT_TRUE(say("c", "k1", "g:ann:1234").committed);  // a guest under the same nick
    EXPECT_EQ(say("c", "k1").message.seq, ann.message.seq);
}

TEST_F(SqliteIdempotencyTest, KeysSurviveARestartUntilTheWindowPasses) {
    auto first = say("c", "k1");
    open(24h);
    EXPECT_EQ(say("c", "k1").message.seq, first.message.seq);
    open(1ms);
    std::this_thread::sleep_for(5ms);
    auto later = say("c", "k1");
    EXPECT_TRUE(later.committed);
    EXPECT_GT(later.message.seq, first.message.seq);
}

TEST_F(SqliteIdempotencyTest, ADirectMessageResendGetsTheFirstTime) {
    auto first = dm("d1");
    ASSERT_TRUE(first.committed);
    auto again = dm("d1");
    EXPECT_FALSE(again.committed);
    EXPECT_TRUE(again.repeated);
    EXPECT_EQ(again.message.ts, first.message.ts);
    EXPECT_TRUE(dm("d2").committed);
}

}  // namespace
}  // namespace parley::storage
