// Which messages a `since` read returns, and when the client is told it missed some.
#include <gtest/gtest.h>

#include "storage/sqlite_reads.hpp"

namespace parley::storage {
namespace {

// since, cap, head, oldest retained seq (head + 1: none) -> the messages after `after`, gap.
void expect_range(std::int64_t since, int cap, std::int64_t head, std::int64_t oldest,
                  std::int64_t after, bool gap) {
    auto range = since_range(since, cap, head, oldest);
    EXPECT_EQ(range.after, after) << "since " << since << " head " << head;
    EXPECT_EQ(range.gap, gap) << "since " << since << " head " << head;
}

TEST(SinceRange, EverythingMissedWhenItIsRetainedAndUnderTheCap) {
    expect_range(5, 500, 30, 1, 5, false);
    expect_range(0, 500, 30, 1, 0, false);
    expect_range(30, 500, 30, 1, 30, false);  // missed nothing
    expect_range(0, 500, 0, 1, 0, false);     // an empty channel
}

TEST(SinceRange, OverTheCapTheNewestAndAGap) {
    expect_range(5, 20, 50, 1, 30, true);
    expect_range(30, 20, 50, 1, 30, false);  // exactly the cap
}

TEST(SinceRange, PrunedMessagesAreAGap) {
    expect_range(3, 500, 30, 21, 3, true);
    expect_range(20, 500, 30, 21, 20, false);  // the oldest retained is the next one
    expect_range(30, 500, 30, 31, 30, false);  // all pruned, but nothing was missed
}

TEST(SinceRange, ASinceBeyondTheHeadGetsTheNewestAndAGap) {
    // The client saw seqs this server no longer has (its data was lost): it gets what there is.
    expect_range(80, 20, 50, 1, 30, true);
    expect_range(80, 500, 50, 1, 0, true);
    expect_range(3, 500, 0, 1, 0, true);
}

}  // namespace
}  // namespace parley::storage
