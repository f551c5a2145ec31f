// A message's lifecycle in real SQLite: changes are judged against their target as they are
// stored, share the channel's seqs with messages, show in pages as current state and in since
// reads as events, and a deletion erases the text from the file.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <iterator>

#include "sqlite_place.hpp"
#include "storage/sqlite_history.hpp"

namespace parley::storage {
namespace {

using model::EventType;

class SqliteChangesTest : public ::testing::Test {
  protected:
    SqliteChangesTest() { open(); }
    ~SqliteChangesTest() override { history->stop(); }

    void open() {
        history = std::make_unique<SqliteHistory>(
            SqliteOptions{.path = place.path(), .fsync_each_commit = false}, metrics);
    }

    AppendResult wait(const std::function<bool(std::function<void(AppendResult)>)>& call) {
        std::promise<AppendResult> stored;
        EXPECT_TRUE(call([&](AppendResult r) { stored.set_value(std::move(r)); }));
        return stored.get_future().get();
    }
    std::int64_t say(const std::string& text, const std::string& author = "t:ann",
                     std::int64_t reply_to = 0) {
        model::ChatMessage message{"c", 0, "ann", text, 100};
        message.author = author;
        message.reply_to = reply_to;
        auto result = wait([&](auto done) { return history->append(message, done); });
        return result.committed ? result.message.seq : -1;
    }
    AppendResult change(EventType type, std::int64_t target, const std::string& author,
                        bool may_delete_any = false, const std::string& emoji = "",
                        bool on = true) {
        model::ChatMessage event{"c", 0, author.substr(2), "new text", 200};
        event.type = type;
        event.target = target;
        event.author = author;
        event.emoji = emoji;
        event.on = on;
        return wait([&](auto done) { return history->change(event, may_delete_any, done); });
    }
    Page read(bool since_zero) {
        std::promise<Page> read;
        auto done = [&](Page page) { read.set_value(std::move(page)); };
        EXPECT_TRUE(since_zero ? history->since("c", 0, 1000, done)
                               : history->recent("c", 100, done));
        return read.get_future().get();
    }

    Place place{true};
    metrics::Metrics metrics;
    std::unique_ptr<SqliteHistory> history;
};

TEST_F(SqliteChangesTest, OnlyTheAuthorEditsAndOnlyLiveMessages) {
    auto seq = say("first");
    EXPECT_EQ(change(EventType::edited, seq, "t:bob").refused, Refusal::forbidden);
    // A guest's stay is its identity: the next guest under the same nick is someone else.
    auto guest = say("guest's", "g:ann:1");
    EXPECT_EQ(change(EventType::edited, guest, "g:ann:2").refused, Refusal::forbidden);
    auto edit = change(EventType::edited, seq, "t:ann");
    ASSERT_TRUE(edit.committed);
    EXPECT_EQ(edit.message.seq, 3);
    // An event's seq, a seq never used, and a deleted message are no message.
    EXPECT_EQ(change(EventType::edited, 3, "t:ann").refused, Refusal::no_such_message);
    EXPECT_EQ(change(EventType::edited, 99, "t:ann").refused, Refusal::no_such_message);
    ASSERT_TRUE(change(EventType::deleted, seq, "t:ann").committed);
    EXPECT_EQ(change(EventType::edited, seq, "t:ann").refused, Refusal::no_such_message);
    EXPECT_EQ(say("re", "t:bob", seq), -1);  // a reply to a deleted message
    EXPECT_EQ(say("re", "t:bob", guest), 5);
}

TEST_F(SqliteChangesTest, ModeratorsDeleteAnyoneElseNoOne) {
    auto seq = say("spam");
    EXPECT_EQ(change(EventType::deleted, seq, "t:bob").refused, Refusal::forbidden);
    auto removal = change(EventType::deleted, seq, "t:op", /*may_delete_any=*/true);
    ASSERT_TRUE(removal.committed);
    EXPECT_EQ(removal.message.target, seq);
}

TEST_F(SqliteChangesTest, RepeatedReactionsUseNoSeq) {
    auto seq = say("react to me");
    EXPECT_TRUE(change(EventType::reaction, seq, "t:bob", false, "👍").committed);
    auto again = change(EventType::reaction, seq, "t:bob", false, "👍");
    EXPECT_FALSE(again.committed);
    EXPECT_EQ(again.refused, Refusal::unchanged);
    EXPECT_EQ(change(EventType::reaction, seq, "t:cy", false, "👍", false).refused,
              Refusal::unchanged);
    EXPECT_EQ(say("next"), 3);  // no hole: the refused reactions took no seq
}

TEST_F(SqliteChangesTest, PagesShowCurrentStateAndSinceReplaysEveryEvent) {
    auto one = say("one");
    auto two = say("two", "t:ann", one);
    change(EventType::edited, one, "t:ann");
    change(EventType::reaction, two, "t:bob", false, "👍");
    change(EventType::reaction, two, "t:cy", false, "👍");
    change(EventType::deleted, one, "t:ann");
    auto page = read(false);
    ASSERT_EQ(page.messages.size(), 2u);
    EXPECT_EQ(page.head_seq, 6);
    EXPECT_TRUE(page.messages[0].deleted);
    EXPECT_EQ(page.messages[0].text, "");
    EXPECT_EQ(page.messages[1].reply_to, one);
    ASSERT_EQ(page.messages[1].reactions.size(), 1u);
    EXPECT_EQ(page.messages[1].reactions[0].nicks, (std::vector<std::string>{"bob", "cy"}));

    auto replay = read(true);
    ASSERT_EQ(replay.messages.size(), 6u);
    std::vector<EventType> types;
    for (std::size_t i = 0; i < replay.messages.size(); ++i) {
        EXPECT_EQ(replay.messages[i].seq, static_cast<std::int64_t>(i + 1));
        types.push_back(replay.messages[i].type);
    }
    EXPECT_EQ(types, (std::vector<EventType>{EventType::message, EventType::message,
                                             EventType::edited, EventType::reaction,
                                             EventType::reaction, EventType::deleted}));
    EXPECT_EQ(replay.messages[2].text, "");  // the edit's text went with the message
}

TEST_F(SqliteChangesTest, ADeletionErasesTheTextFromTheFileAndChangesSurviveARestart) {
    auto seq = say("the-secret-said-once");
    auto edit = change(EventType::edited, seq, "t:ann");
    ASSERT_TRUE(edit.committed);
    auto kept = say("kept");
    change(EventType::reaction, kept, "t:bob", false, "🎉");
    ASSERT_TRUE(change(EventType::deleted, seq, "t:ann").committed);
    history->stop();

    std::ifstream file(place.path(), std::ios::binary);
    std::string bytes{std::istreambuf_iterator<char>(file), {}};
    EXPECT_EQ(bytes.find("the-secret-said-once"), std::string::npos);
    EXPECT_EQ(bytes.find("new text"), std::string::npos);  // the edit's text

    open();
    auto page = read(false);
    ASSERT_EQ(page.messages.size(), 2u);
    EXPECT_TRUE(page.messages[0].deleted);
    EXPECT_EQ(page.messages[1].reactions.size(), 1u);
    EXPECT_EQ(say("after"), 6);
}

}  // namespace
}  // namespace parley::storage
