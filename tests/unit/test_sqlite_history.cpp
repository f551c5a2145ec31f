// SqliteHistory with real SQLite, on a file and in memory: reads and commits do not wait for
// each other, and every page is one consistent snapshot.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include "sqlite_place.hpp"
#include "storage/sqlite_history.hpp"

namespace parley::storage {
namespace {

using namespace std::chrono_literals;

// Generous: only a read stuck behind a busy writer (or the reverse) makes a test wait this long.
constexpr auto patience = 5s;

class SqliteHistoryTest : public ::testing::TestWithParam<bool> {
  protected:
    SqliteHistoryTest() : place(GetParam()) {
        // Two readers, so that reads also run at the same time as each other.
        history = std::make_unique<SqliteHistory>(
            SqliteOptions{.path = place.path(), .fsync_each_commit = false, .read_threads = 2},
            metrics);
    }
    ~SqliteHistoryTest() override { history->stop(); }

    AppendResult append_and_wait(const std::string& channel, const std::string& text) {
        std::promise<AppendResult> stored;
        EXPECT_TRUE(history->append({channel, 0, "ann", text, 1},
                                    [&](AppendResult r) { stored.set_value(std::move(r)); }));
        return stored.get_future().get();
    }

    Place place;
    metrics::Metrics metrics;
    std::unique_ptr<SqliteHistory> history;
};

INSTANTIATE_TEST_SUITE_P(FileAndMemory, SqliteHistoryTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "file" : "memory"; });

TEST_P(SqliteHistoryTest, AReadIsAnsweredWhileTheWriterIsBusy) {
    append_and_wait("room", "first");
    // The writer runs this callback and cannot commit anything else until it returns.
    std::promise<bool> answered_meanwhile;
    ASSERT_TRUE(history->append({"room", 0, "ann", "second", 2}, [&](AppendResult) {
        auto page = std::make_shared<std::promise<Page>>();
        if (!history->recent("room", 10, [page](Page p) { page->set_value(std::move(p)); })) {
            answered_meanwhile.set_value(false);
            return;
        }
        auto future = page->get_future();
        bool ready = future.wait_for(patience) == std::future_status::ready;
        answered_meanwhile.set_value(ready && future.get().head_seq == 2);
    }));
    EXPECT_TRUE(answered_meanwhile.get_future().get())
        << "a history read waited for the storage writer";
}

TEST_P(SqliteHistoryTest, AnAppendCommitsWhileAReadCallbackIsBusy) {
    append_and_wait("room", "first");
    std::promise<bool> committed_meanwhile;
    ASSERT_TRUE(history->recent("room", 10, [&](Page) {
        auto stored = std::make_shared<std::promise<AppendResult>>();
        history->append({"room", 0, "ann", "second", 2},
                        [stored](AppendResult r) { stored->set_value(std::move(r)); });
        auto future = stored->get_future();
        bool ready = future.wait_for(patience) == std::future_status::ready;
        committed_meanwhile.set_value(ready && future.get().committed);
    }));
    EXPECT_TRUE(committed_meanwhile.get_future().get()) << "a commit waited for a history read";
}

TEST_P(SqliteHistoryTest, EveryPageIsOneSnapshotWhileMessagesArrive) {
    // One commit per message, so that reads land between many commits.
    constexpr int messages = 500;
    std::atomic<bool> written{false};
    std::thread writer([&] {
        for (int i = 1; i <= messages; ++i) append_and_wait("room", std::to_string(i));
        written = true;
    });
    std::mutex mutex;
    std::vector<std::string> problems;
    std::atomic<int> pages{0};
    // `since` < 0: a `recent` read of 20; otherwise a `since` read capped at 500.
    auto check = [&](const Page& page, std::int64_t since) {
        std::lock_guard lock(mutex);
        ++pages;
        if (!page.ok) problems.push_back("a read failed");
        if (page.channel_exists != (page.head_seq > 0)) problems.push_back("channel_exists");
        if (since > page.head_seq) return;  // the read ran before that seq existed: a gap
        auto head = page.head_seq;
        auto wanted = since < 0 ? std::min<std::int64_t>(head, 20) : std::min(head - since, 500L);
        if (static_cast<std::int64_t>(page.messages.size()) != wanted)
            problems.push_back(std::to_string(page.messages.size()) + " messages, not " +
                               std::to_string(wanted) + " up to head " + std::to_string(head));
        // Exactly the messages up to head_seq, in order, none missing: the same snapshot.
        auto expected = head - static_cast<std::int64_t>(page.messages.size()) + 1;
        for (const auto& m : page.messages)
            if (m.seq != expected++) problems.push_back("seq " + std::to_string(m.seq));
        if (since >= 0 && page.gap != (head - since > 500)) problems.push_back("gap");
    };
    int submitted = 0;
    while (!written) {
        if (submitted - pages >= 40) {  // enough waiting already
            std::this_thread::yield();
            continue;
        }
        auto since = submitted % 50;
        if (history->recent("room", 20, [&](Page p) { check(p, -1); })) ++submitted;
        if (history->since("room", since, 500, [&, since](Page p) { check(p, since); }))
            ++submitted;
    }
    writer.join();
    history->stop();
    EXPECT_EQ(pages, submitted) << "stop() runs every accepted read's callback";
    EXPECT_GT(submitted, 10);
    EXPECT_TRUE(problems.empty()) << problems.size() << " problems, first: " << problems.front();
}

TEST_P(SqliteHistoryTest, ADirectMessageReadSeesTheOnesSubmittedBeforeIt) {
    std::vector<int> order;
    std::mutex mutex;
    std::promise<std::vector<model::DirectMessage>> found;
    for (int i = 0; i < 3; ++i)
        history->append_dm({"ann", "bob", "dm" + std::to_string(i), i, 0, "s", "t:ann", "t:bob"},
                           [&, i](DmAppendResult) {
                               std::lock_guard lock(mutex);
                               order.push_back(i);
                           });
    history->recent_dms("bob", "t:bob", 10, [&](std::vector<model::DirectMessage> dms) {
        std::lock_guard lock(mutex);
        order.push_back(99);
        found.set_value(std::move(dms));
    });
    auto dms = found.get_future().get();
    ASSERT_EQ(dms.size(), 3u);
    EXPECT_EQ(dms[2].text, "dm2");
    std::lock_guard lock(mutex);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 99}));
}

TEST_P(SqliteHistoryTest, DirectMessagesAreReadByIdentityNotByNick) {
    // bob's first stay, a later guest called BOB, and ann who wrote to both.
    history->append_dm({"ann", "bob", "to the first", 1, 0, "s", "t:ann", "g:bob:1"}, {});
    history->append_dm({"BOB", "ann", "from the second", 2, 0, "s", "g:bob:2", "t:ann"}, {});
    auto read = [&](const std::string& identity) {
        std::promise<std::vector<model::DirectMessage>> found;
        history->recent_dms("bob", identity, 10,
                            [&](std::vector<model::DirectMessage> dms) { found.set_value(dms); });
        return found.get_future().get();
    };
    auto first = read("g:bob:1");
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].text, "to the first");
    auto second = read("g:bob:2");
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].text, "from the second");
    EXPECT_EQ(read("t:ann").size(), 2u);
    EXPECT_TRUE(read("t:bob").empty());
}

TEST(SqliteHistoryMemory, EachInMemoryHistoryIsItsOwn) {
    metrics::Metrics metrics;
    SqliteHistory one(SqliteOptions{":memory:"}, metrics), two(SqliteOptions{":memory:"}, metrics);
    std::promise<void> stored;
    one.append({"room", 0, "ann", "only in one", 1}, [&](AppendResult) { stored.set_value(); });
    stored.get_future().get();
    std::promise<Page> page;
    two.recent("room", 10, [&](Page p) { page.set_value(std::move(p)); });
    auto seen = page.get_future().get();
    EXPECT_FALSE(seen.channel_exists);
    EXPECT_TRUE(seen.messages.empty());
    EXPECT_FALSE(two.knows_channel("room"));
}

}  // namespace
}  // namespace parley::storage
