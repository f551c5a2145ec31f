// What SQLite keeps for persistent users: a kept channel's marker starts at the channel's newest
// seq and only moves forward, the list is bounded, welcome's counts leave out one's own and
// deleted messages, and a conversation's pages tell a gap.
#include <gtest/gtest.h>

#include <future>

#include "sqlite_place.hpp"
#include "storage/sqlite_history.hpp"
#include "storage/sqlite_user_state.hpp"

namespace parley::storage {
namespace {

// Waits for a call's one callback and returns what it was given.
template <class T, class Call>
T answer(Call&& call) {
    std::promise<T> result;
    EXPECT_TRUE(call([&](T value) { result.set_value(std::move(value)); }));
    return result.get_future().get();
}

class SqliteUserStateTest : public ::testing::Test {
  protected:
    ~SqliteUserStateTest() override {
        state.stop();
        history.stop();
    }
    std::int64_t say(const std::string& from, const std::string& text) {
        model::ChatMessage message{"c", 0, from, text, 100};
        message.author = model::account_identity(from);
        return answer<AppendResult>([&](auto done) { return history.append(message, done); })
            .message.seq;
    }
    DmAppendResult dm(const std::string& from, const std::string& to, bool to_is_away = false) {
        model::DirectMessage message{from, to, "hi", 100};
        message.from_identity = model::account_identity(from);
        if (!to_is_away) message.to_identity = model::account_identity(to);
        message.recipient_away = to_is_away;
        return answer<DmAppendResult>([&](auto done) { return history.append_dm(message, done); });
    }
    model::UserSnapshot load(const std::string& nick) {
        auto loaded = answer<Expected<model::UserSnapshot>>([&](auto done) {
            return state.load(model::nick_key(nick), model::account_identity(nick), nick, 200,
                              done);
        });
        EXPECT_TRUE(loaded);
        return loaded ? *loaded : model::UserSnapshot{};
    }
    Kept keep(const std::string& channel, std::size_t max = 10) {
        return *answer<Expected<Kept>>(
            [&](auto done) { return state.keep_channel("ann", channel, max, done); });
    }
    Marked mark(const std::string& channel, std::int64_t seq) {
        return *answer<Expected<Marked>>(
            [&](auto done) { return state.mark_channel("ann", channel, seq, done); });
    }

    Place place{true};
    metrics::Metrics metrics;
    SqliteHistory history{SqliteOptions{.path = place.path(), .fsync_each_commit = false},
                          metrics};
    SqliteUserState state{history.file(), 100};
};

TEST_F(SqliteUserStateTest, AMarkerStartsAtTheNewestSeqAndOnlyMovesForward) {
    say("bob", "before ann came");
    EXPECT_EQ(keep("c"), Kept::kept);
    say("bob", "one");
    say("bob", "two");
    auto kept = load("ann").channels;
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_EQ(kept[0].read_seq, 1);
    EXPECT_EQ(kept[0].last_seq, 3);
    EXPECT_EQ(kept[0].unread, 2);

    EXPECT_EQ(mark("c", 3), Marked::moved);
    EXPECT_EQ(mark("c", 2), Marked::unchanged);
    EXPECT_EQ(mark("c", 4), Marked::beyond_end);
    EXPECT_EQ(mark("elsewhere", 1), Marked::not_kept);
    // Keeping it again keeps the marker.
    EXPECT_EQ(keep("c"), Kept::kept);
    EXPECT_EQ(load("ann").channels[0].read_seq, 3);
}

TEST_F(SqliteUserStateTest, TheListIsBoundedAndInJoinOrder) {
    EXPECT_EQ(keep("b", 2), Kept::kept);
    EXPECT_EQ(keep("a", 2), Kept::kept);
    EXPECT_EQ(keep("z", 2), Kept::too_many);
    EXPECT_EQ(keep("a", 2), Kept::kept) << "a kept channel is no new one";
    auto kept = load("ann").channels;
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(kept[0].channel, "b");
    EXPECT_EQ(kept[1].channel, "a");
    ASSERT_TRUE(answer<Expected<void>>(
        [&](auto done) { return state.drop_channel("ann", "b", done); }));
    EXPECT_EQ(keep("z", 2), Kept::kept);
}

TEST_F(SqliteUserStateTest, CountsLeaveOutOnesOwnAndDeletedMessages) {
    keep("c");
    say("bob", "hey @ann");
    say("ann", "@ann note to self");
    auto doomed = say("bob", "@ann oops");
    model::ChatMessage removal{"c", 0, "bob", "", 200};
    removal.type = model::EventType::deleted;
    removal.target = doomed;
    removal.author = "t:bob";
    answer<AppendResult>([&](auto done) { return history.change(removal, false, done); });
    say("bob", "plain");
    auto kept = load("ann").channels;
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_EQ(kept[0].last_seq, 5);
    EXPECT_EQ(kept[0].unread, 2);
    EXPECT_EQ(kept[0].mentions, 1);
}

TEST_F(SqliteUserStateTest, DmsAreNumberedPerPairAndAnOfflineDmNeedsAKnownUser) {
    EXPECT_EQ(dm("ann", "bob").message.seq, 1);
    EXPECT_EQ(dm("bob", "ann").message.seq, 2);
    EXPECT_EQ(dm("ann", "carl").message.seq, 1) << "another pair, its own numbers";
    EXPECT_TRUE(dm("ann", "dave", true).no_such_user);
    load("dave");  // dave logs in once: from now on he is known
    auto kept = dm("ann", "DAVE", true);
    EXPECT_TRUE(kept.committed);
    EXPECT_EQ(kept.message.to, "dave");
    EXPECT_EQ(kept.message.seq, 1);

    auto conversations = load("bob").conversations;
    ASSERT_EQ(conversations.size(), 1u);
    EXPECT_EQ(conversations[0].with, "ann");
    EXPECT_EQ(conversations[0].last_seq, 2);
    EXPECT_EQ(conversations[0].unread, 1) << "his own dm is not unread";
}

TEST_F(SqliteUserStateTest, AConversationPageTellsAGap) {
    for (int i = 0; i < 5; ++i) dm("ann", "bob");
    auto page = [&](std::optional<std::int64_t> before, std::optional<std::int64_t> since,
                    int limit) {
        return *answer<Expected<ConversationPage>>([&](auto done) {
            return state.conversation("t:bob", "ann", before, since, limit, done);
        });
    };
    auto newest = page(std::nullopt, std::nullopt, 2);
    ASSERT_EQ(newest.messages.size(), 2u);
    EXPECT_EQ(newest.messages[0].seq, 4);
    EXPECT_EQ(newest.messages[1].seq, 5);
    auto after = page(std::nullopt, 1, 10);
    EXPECT_EQ(after.messages.size(), 4u);
    EXPECT_FALSE(after.gap);
    auto capped = page(std::nullopt, 0, 3);
    EXPECT_EQ(capped.messages.front().seq, 3);
    EXPECT_TRUE(capped.gap);
    EXPECT_TRUE(page(std::nullopt, std::nullopt, 10).messages.size() == 5u);
    EXPECT_TRUE(answer<Expected<ConversationPage>>([&](auto done) {
                    return state.conversation("t:carl", "ann", std::nullopt, std::nullopt, 10,
                                              done);
                })->messages.empty())
        << "carl has no conversation with ann";
}

}  // namespace
}  // namespace parley::storage
