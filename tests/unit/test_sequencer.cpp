// The sequencer: seq order and exactly once, whatever the arrival order.
#include <gtest/gtest.h>

#include "chat/sequencer.hpp"

namespace parley::chat {
namespace {

model::ChatMessage message(std::int64_t seq) {
    return {"room", seq, "ann", std::to_string(seq), 0};
}

std::vector<std::int64_t> seqs(const Sequencer::Step& step) {
    std::vector<std::int64_t> out;
    for (const auto& m : step.deliver) out.push_back(m.seq);
    return out;
}

TEST(Sequencer, DeliversInOrderAndDropsRepeats) {
    Sequencer sequencer;
    EXPECT_TRUE(seqs(sequencer.start(4)).empty());
    EXPECT_EQ(seqs(sequencer.offer(message(5))), (std::vector<std::int64_t>{5}));
    EXPECT_TRUE(seqs(sequencer.offer(message(5))).empty());
    EXPECT_TRUE(seqs(sequencer.offer(message(3))).empty());  // history already had it
    EXPECT_EQ(seqs(sequencer.offer(message(6))), (std::vector<std::int64_t>{6}));
    EXPECT_EQ(sequencer.delivered(), 6);
}

TEST(Sequencer, HoldsMessagesUntilTheStartIsKnown) {
    Sequencer sequencer;
    EXPECT_TRUE(seqs(sequencer.offer(message(2))).empty());
    EXPECT_TRUE(seqs(sequencer.offer(message(3))).empty());
    // The read saw up to 2: 2 was history, 3 is live.
    EXPECT_EQ(seqs(sequencer.start(2)), (std::vector<std::int64_t>{3}));
}

TEST(Sequencer, AGapAsksForACatchUpAndHoldsWhatComesMeanwhile) {
    Sequencer sequencer;
    sequencer.start(0);
    sequencer.offer(message(1));
    auto step = sequencer.offer(message(4));
    EXPECT_TRUE(step.deliver.empty());
    ASSERT_TRUE(step.catch_up_after);
    EXPECT_EQ(*step.catch_up_after, 1);
    // Only one catch-up at a time.
    EXPECT_FALSE(sequencer.offer(message(5)).catch_up_after);
    auto filled = sequencer.caught_up({message(2), message(3), message(4)}, 4);
    EXPECT_EQ(seqs(filled), (std::vector<std::int64_t>{2, 3, 4, 5}));
    EXPECT_FALSE(filled.catch_up_after);
}

TEST(Sequencer, SkipsSeqsTheStoreNoLongerHas) {
    Sequencer sequencer;
    sequencer.start(10);
    auto step = sequencer.offer(message(20));
    ASSERT_TRUE(step.catch_up_after);
    // 11..14 were trimmed: the read returns 15..20 with head 20.
    std::vector<model::ChatMessage> rest;
    for (int seq = 15; seq <= 20; ++seq) rest.push_back(message(seq));
    EXPECT_EQ(seqs(sequencer.caught_up(rest, 20)),
              (std::vector<std::int64_t>{15, 16, 17, 18, 19, 20}));
    EXPECT_EQ(seqs(sequencer.offer(message(21))), (std::vector<std::int64_t>{21}));
}

TEST(Sequencer, AfterAFailedCatchUpTheNextMessageAsksAgain) {
    Sequencer sequencer;
    sequencer.start(0);
    ASSERT_TRUE(sequencer.offer(message(3)).catch_up_after);
    sequencer.catch_up_failed();
    auto step = sequencer.offer(message(4));
    ASSERT_TRUE(step.catch_up_after);
    EXPECT_EQ(*step.catch_up_after, 0);
}

TEST(Sequencer, AResyncReadsWhatAReconnectMayHaveMissed) {
    Sequencer sequencer;
    EXPECT_FALSE(sequencer.resync().catch_up_after);  // nothing delivered yet, nothing to miss
    sequencer.start(7);
    auto step = sequencer.resync();
    ASSERT_TRUE(step.catch_up_after);
    EXPECT_EQ(*step.catch_up_after, 7);
    // Nothing was missed after all; messages published after the read still come in order.
    EXPECT_TRUE(seqs(sequencer.caught_up({}, 7)).empty());
    EXPECT_EQ(seqs(sequencer.offer(message(8))), (std::vector<std::int64_t>{8}));
}

TEST(Sequencer, ALateMessageAboveTheReadIsWaitedForNotSkipped) {
    Sequencer sequencer;
    sequencer.start(1);
    ASSERT_TRUE(sequencer.offer(message(4)).catch_up_after);
    // The read ran before 3 and 4 were stored: it saw only 2.
    EXPECT_EQ(seqs(sequencer.caught_up({message(2)}, 2)), (std::vector<std::int64_t>{2}));
    EXPECT_EQ(seqs(sequencer.offer(message(3))), (std::vector<std::int64_t>{3, 4}));
}

TEST(Sequencer, StartsOverWhenTheStoreLostItsData) {
    Sequencer sequencer;
    sequencer.start(0);
    for (int seq = 1; seq <= 9; ++seq) sequencer.offer(message(seq));
    sequencer.resync();
    // Redis came back empty and two messages were stored since: seqs 1 and 2 again.
    auto step = sequencer.caught_up({message(1), message(2)}, 2);
    EXPECT_TRUE(step.seqs_restarted);
    EXPECT_EQ(seqs(step), (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(seqs(sequencer.offer(message(3))), (std::vector<std::int64_t>{3}));
}

TEST(Sequencer, RepeatsHeldDuringACatchUpAreStillDeliveredOnce) {
    Sequencer sequencer;
    sequencer.start(5);
    ASSERT_TRUE(sequencer.resync().catch_up_after);
    sequencer.offer(message(4));  // a late repeat
    sequencer.offer(message(6));
    auto step = sequencer.caught_up({message(6)}, 6);
    EXPECT_EQ(seqs(step), (std::vector<std::int64_t>{6}));
    EXPECT_FALSE(step.seqs_restarted);
}

}  // namespace
}  // namespace parley::chat
