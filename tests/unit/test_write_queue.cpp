// The send queue of one connection: bounded in bytes, control frames included.
#include <gtest/gtest.h>

#include "ws/write_queue.hpp"

namespace parley::ws {
namespace {

using Push = WriteQueue::Push;

Frame frame_of(std::size_t bytes) {
    return std::make_shared<const std::string>(bytes, 'x');
}

TEST(WriteQueue, TheFirstFrameIntoAnIdleQueueAsksForOneFlush) {
    WriteQueue queue(1000);
    EXPECT_EQ(queue.push(frame_of(10)), Push::queued_flush);
    EXPECT_EQ(queue.push(frame_of(10)), Push::queued);
    EXPECT_EQ(queue.take().size(), 2u);
    EXPECT_EQ(queue.written(), 2u);
    EXPECT_EQ(queue.queued_bytes(), 0u);
    EXPECT_EQ(queue.push(frame_of(10)), Push::queued_flush);
}

TEST(WriteQueue, BytesInFlightCountUntilWritten) {
    WriteQueue queue(100);
    EXPECT_EQ(queue.push(frame_of(60)), Push::queued_flush);
    EXPECT_EQ(queue.take().size(), 1u);
    EXPECT_EQ(queue.queued_bytes(), 60u);
    EXPECT_EQ(queue.push(frame_of(50)), Push::over_limit);
}

TEST(WriteQueue, PastTheLimitEverythingIsRefusedAndSaidOnce) {
    WriteQueue queue(100);
    EXPECT_EQ(queue.push(frame_of(90)), Push::queued_flush);
    EXPECT_EQ(queue.push(frame_of(20)), Push::over_limit);
    EXPECT_EQ(queue.push(frame_of(1)), Push::closed);
    EXPECT_EQ(queue.push_control("ping"), Push::closed);
    EXPECT_EQ(queue.push_pong("p"), Push::closed);
    EXPECT_EQ(queue.queued_bytes(), 90u);
}

TEST(WriteQueue, ControlFramesCountAgainstTheLimit) {
    WriteQueue queue(64);
    std::size_t pushed = 0;
    while (queue.push_control(std::string(20, 'c')) != Push::over_limit) ++pushed;
    EXPECT_EQ(pushed, 3u);
    EXPECT_LE(queue.queued_bytes(), 64u);
}

TEST(WriteQueue, OnlyTheLatestUnansweredPingGetsAPong) {
    WriteQueue queue(1000);
    EXPECT_EQ(queue.push_pong("one"), Push::queued_flush);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(queue.push_pong("two"), Push::queued);
    EXPECT_EQ(queue.push(frame_of(5)), Push::queued);
    EXPECT_EQ(queue.push_pong("three"), Push::queued);
    const auto& batch = queue.take();
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(*batch[0], make_pong_frame("three"));
    EXPECT_EQ(queue.queued_bytes(), make_pong_frame("three").size() + 5);
    queue.written();
    // Once written, the next ping gets its own pong.
    EXPECT_EQ(queue.push_pong("four"), Push::queued_flush);
    EXPECT_EQ(queue.take().size(), 1u);
}

TEST(WriteQueue, TheCloseFrameGoesOutEvenPastTheLimitButNothingAfterIt) {
    WriteQueue queue(100);
    EXPECT_EQ(queue.push(frame_of(90)), Push::queued_flush);
    EXPECT_EQ(queue.push(frame_of(90)), Push::over_limit);
    queue.discard_pending();
    EXPECT_EQ(queue.queued_bytes(), 0u);
    EXPECT_EQ(queue.push_close(make_close_frame(1013, "slow consumer")), Push::queued);
    EXPECT_EQ(queue.push_close(make_close_frame(1000, "")), Push::closed);
    EXPECT_EQ(queue.push(frame_of(1)), Push::closed);
    ASSERT_EQ(queue.take().size(), 1u);
}

TEST(WriteQueue, RemembersItsPeak) {
    WriteQueue queue(1000);
    (void)queue.push(frame_of(300));
    (void)queue.push(frame_of(300));
    queue.take();
    queue.written();
    EXPECT_EQ(queue.peak_bytes(), 600u);
}

}  // namespace
}  // namespace parley::ws
