// How a WebSocket connection ends, and when its deadlines fall.
#include <gtest/gtest.h>

#include "ws/close_state.hpp"

namespace parley::ws {
namespace {

using Stage = CloseState::Stage;

TEST(CloseState, OurCloseWaitsForTheAnswerThenDrains) {
    CloseState state;
    auto step = state.close(1008, "hello timeout");
    EXPECT_TRUE(step.send_close);
    EXPECT_FALSE(step.end);
    EXPECT_EQ(state.stage(), Stage::close_sent);
    EXPECT_FALSE(state.reads_commands());
    EXPECT_FALSE(state.close(1000, "again").send_close);

    step = state.peer_close(1008, "");
    EXPECT_FALSE(step.send_close);
    EXPECT_TRUE(step.end && step.linger && step.drain_after_flush);
    EXPECT_EQ(state.code(), 1008);
    EXPECT_EQ(step.reason, "hello timeout");
    EXPECT_TRUE(state.begin_draining());
    EXPECT_FALSE(state.begin_draining());
    EXPECT_EQ(state.stage(), Stage::draining);
}

TEST(CloseState, APeersCloseIsEchoedWithItsCode) {
    CloseState state;
    auto step = state.peer_close(4001, "bye");
    EXPECT_TRUE(step.send_close && step.end && step.linger && step.drain_after_flush);
    EXPECT_EQ(state.stage(), Stage::close_received);
    EXPECT_EQ(state.close_code(), 4001);
    EXPECT_EQ(state.close_reason(), "");
    EXPECT_EQ(state.code(), 4001);
    EXPECT_EQ(step.reason, "bye");
    EXPECT_FALSE(state.close(1001, "shutting down").send_close);
}

TEST(CloseState, AProtocolErrorSendsItsCodeAndEndsWithoutWaiting) {
    CloseState state;
    auto step = state.protocol_error(1002, "unmasked frame");
    EXPECT_TRUE(step.send_close && step.end && step.linger && step.drain_after_flush);
    EXPECT_EQ(state.close_code(), 1002);
    EXPECT_EQ(state.code(), 1002);
}

TEST(CloseState, ALostConnectionEndsAs1006UnlessWeHadClosed) {
    CloseState open;
    auto step = open.read_failed("reset");
    EXPECT_TRUE(step.end && step.close_socket);
    EXPECT_FALSE(step.linger);
    EXPECT_EQ(open.code(), 1006);
    EXPECT_EQ(open.stage(), Stage::closed);

    CloseState closing;
    closing.close(1013, "slow consumer");
    step = closing.read_failed("eof");
    EXPECT_TRUE(step.end && step.linger && step.drain_after_flush);
    EXPECT_EQ(closing.code(), 1013);
}

TEST(CloseState, DeadlinesEndTheSessionOnceWithTheRightCode) {
    CloseState writer;
    EXPECT_EQ((writer.deadline(CloseState::Overdue::write), writer.code()), 1013);
    CloseState idle;
    EXPECT_EQ((idle.deadline(CloseState::Overdue::idle), idle.code()), 1006);
    CloseState closing;
    closing.close(1001, "server shutting down");
    auto step = closing.deadline(CloseState::Overdue::close_answer);
    EXPECT_TRUE(step.end && step.close_socket);
    EXPECT_EQ(closing.code(), 1001);
    EXPECT_FALSE(closing.deadline(CloseState::Overdue::idle).end);
}

TEST(CloseState, TheSessionEndsOnlyOnce) {
    CloseState state;
    EXPECT_TRUE(state.peer_close(1000, "").end);
    EXPECT_FALSE(state.read_failed("eof").end);
    EXPECT_FALSE(state.deadline(CloseState::Overdue::idle).end);
    EXPECT_EQ(state.code(), 1000);
}

DeadlineLimits limits() {
    return {10'000, 10'000, 60'000, 10'000};
}

TEST(Deadlines, QuietUntilSomethingIsDue) {
    DeadlineTimes times{1000, 0, 0, 1000};
    EXPECT_EQ(due(limits(), times, 5000, 0, false), Due::nothing);
    EXPECT_EQ(due(limits(), times, 11'001, 0, false), Due::hello);
    EXPECT_EQ(due(limits(), times, 11'001, 0, true), Due::nothing);
}

TEST(Deadlines, APingAtHalfTheIdleTimeoutOncePerSilence) {
    DeadlineTimes times{0, 0, 0, 1000};
    EXPECT_EQ(due(limits(), times, 31'001, 0, true), Due::ping);
    EXPECT_EQ(due(limits(), times, 31'001, 1000, true), Due::nothing);
    EXPECT_EQ(due(limits(), times, 61'001, 1000, true), Due::idle);
}

TEST(Deadlines, AStuckWriteOrAnUnansweredCloseComeFirst) {
    DeadlineTimes writing{0, 2000, 0, 20'000};
    EXPECT_EQ(due(limits(), writing, 12'001, 0, true), Due::write);
    DeadlineTimes closing{0, 0, 3000, 20'000};
    EXPECT_EQ(due(limits(), closing, 13'001, 0, false), Due::close_answer);
    EXPECT_EQ(due(limits(), closing, 12'000, 0, false), Due::nothing);  // no hello check
}

}  // namespace
}  // namespace parley::ws
