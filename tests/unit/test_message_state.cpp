// A message's current state: reactions given and taken back, and a page brought up to date with
// the changes made after it was read.
#include <gtest/gtest.h>

#include "storage/message_state.hpp"

namespace parley::storage {
namespace {

using model::Reaction;

TEST(Reactions, GivenInOrderAndTakenBack) {
    std::vector<Reaction> reactions;
    EXPECT_EQ(toggle_reaction(reactions, "ann", "👍", true), Refusal::none);
    EXPECT_EQ(toggle_reaction(reactions, "bob", "🎉", true), Refusal::none);
    EXPECT_EQ(toggle_reaction(reactions, "cy", "👍", true), Refusal::none);
    ASSERT_EQ(reactions.size(), 2u);
    EXPECT_EQ(reactions[0].emoji, "👍");
    EXPECT_EQ(reactions[0].nicks, (std::vector<std::string>{"ann", "cy"}));
    EXPECT_EQ(toggle_reaction(reactions, "ann", "👍", false), Refusal::none);
    EXPECT_EQ(reactions[0].nicks, (std::vector<std::string>{"cy"}));
    // The last nick gone takes the emoji with it.
    EXPECT_EQ(toggle_reaction(reactions, "bob", "🎉", false), Refusal::none);
    ASSERT_EQ(reactions.size(), 1u);
    EXPECT_EQ(reactions[0].emoji, "👍");
}

TEST(Reactions, RepeatsChangeNothing) {
    std::vector<Reaction> reactions;
    toggle_reaction(reactions, "ann", "👍", true);
    auto before = reactions.front().nicks;
    EXPECT_EQ(toggle_reaction(reactions, "ann", "👍", true), Refusal::unchanged);
    EXPECT_EQ(toggle_reaction(reactions, "ANN", "👍", true), Refusal::unchanged);  // one nick
    EXPECT_EQ(toggle_reaction(reactions, "bob", "👍", false), Refusal::unchanged);
    EXPECT_EQ(toggle_reaction(reactions, "ann", "🎉", false), Refusal::unchanged);
    EXPECT_EQ(reactions.front().nicks, before);
    EXPECT_EQ(reactions.size(), 1u);
}

TEST(Reactions, AtMostTwentyDistinctEmoji) {
    std::vector<Reaction> reactions;
    for (char c = 'a'; c < 'a' + 20; ++c)
        ASSERT_EQ(toggle_reaction(reactions, "ann", std::string(1, c), true), Refusal::none);
    EXPECT_EQ(toggle_reaction(reactions, "ann", "z", true), Refusal::too_many_reactions);
    // One of the twenty still takes more nicks.
    EXPECT_EQ(toggle_reaction(reactions, "bob", "h", true), Refusal::none);
    EXPECT_EQ(reactions.size(), 20u);
}

TEST(Reactions, SurviveTheirTextForm) {
    std::vector<Reaction> reactions{{"👍", {"ann", "cy"}}, {"a\"b", {"bob"}}};
    auto back = reactions_from_text(reactions_to_text(reactions));
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[0].emoji, "👍");
    EXPECT_EQ(back[0].nicks, reactions[0].nicks);
    EXPECT_EQ(back[1].emoji, "a\"b");
    EXPECT_EQ(reactions_to_text({}), "");
    EXPECT_TRUE(reactions_from_text("").empty());
    EXPECT_TRUE(reactions_from_text("not json").empty());
    EXPECT_TRUE(reactions_from_text(R"({"👍":["ann"]})").empty());
}

model::ChatMessage message(std::int64_t seq, std::string text) {
    return {"c", seq, "ann", std::move(text), seq * 10};
}

model::ChatMessage change(model::EventType type, std::int64_t seq, std::int64_t target) {
    auto event = message(seq, "");
    event.type = type;
    event.target = target;
    return event;
}

TEST(PageUpToDate, ChangesApplyToTheMessagesThePageHolds) {
    std::vector<model::ChatMessage> page{message(1, "one"), message(2, "two")};
    auto edit = change(model::EventType::edited, 3, 1);
    edit.text = "ONE";
    apply_to_page(page, edit);
    auto reaction = change(model::EventType::reaction, 4, 2);
    reaction.emoji = "👍";
    apply_to_page(page, reaction);
    apply_to_page(page, message(5, "five"));
    apply_to_page(page, change(model::EventType::deleted, 6, 2));
    // A change to a message older than the page: nothing on it to change.
    apply_to_page(page, change(model::EventType::deleted, 7, 0));
    ASSERT_EQ(page.size(), 3u);
    EXPECT_EQ(page[0].text, "ONE");
    EXPECT_EQ(page[0].edited_ts, 30);
    EXPECT_TRUE(page[1].deleted);
    EXPECT_EQ(page[1].text, "");
    EXPECT_TRUE(page[1].reactions.empty());
    EXPECT_EQ(page[2].seq, 5);
    for (const auto& entry : page) EXPECT_EQ(entry.type, model::EventType::message);
}

}  // namespace
}  // namespace parley::storage
