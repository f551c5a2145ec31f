// The decoder and encoder for a message's lifecycle: say's reply_to, edit, delete, react and
// unreact, and the events members get (docs/protocol.md, "Replies, edits, deletions and
// reactions").
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "decode_support.hpp"
#include "protocol/command.hpp"
#include "protocol/events.hpp"

namespace parley::protocol {
namespace {

using nlohmann::json;

TEST(DecodeLifecycle, SayTakesAReplyTo) {
    EXPECT_EQ(command_of<Say>(R"({"type":"say","channel":"c","text":"hi"})").reply_to, 0);
    EXPECT_EQ(command_of<Say>(R"({"type":"say","channel":"c","text":"hi","reply_to":7})").reply_to,
              7);
    EXPECT_EQ(
        command_of<Say>(R"({"type":"say","channel":"c","text":"hi","reply_to":null})").reply_to, 0);
    for (auto bad : {"0", "-1", "1.5", R"("7")", "true", "18446744073709551615"})
        EXPECT_EQ(error_of(std::string(R"({"type":"say","channel":"c","text":"hi","reply_to":)") +
                           bad + "}"),
                  ErrorCode::bad_request)
            << bad;
}

TEST(DecodeLifecycle, Edit) {
    auto edit = command_of<Edit>(R"({"type":"edit","channel":"c","seq":3,"text":"fixed"})");
    EXPECT_EQ(edit.channel, "c");
    EXPECT_EQ(edit.seq, 3);
    EXPECT_EQ(edit.text, "fixed");
    // The text is checked as say's is.
    EXPECT_EQ(error_of(R"({"type":"edit","channel":"c","seq":3,"text":"   "})"),
              ErrorCode::text_invalid);
    EXPECT_EQ(error_of(R"({"type":"edit","channel":"c","seq":3})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"edit","channel":"#c","seq":3,"text":"x"})"),
              ErrorCode::channel_invalid);
}

TEST(DecodeLifecycle, EveryChangeNeedsAPositiveIntegerSeq) {
    for (auto type : {"edit", "delete", "react", "unreact"}) {
        auto frame = [&](const std::string& seq) {
            return std::string(R"({"type":")") + type +
                   R"(","channel":"c","text":"t","emoji":"x")" + seq + "}";
        };
        EXPECT_TRUE(decode_text(frame(R"(,"seq":1)")).result) << type;
        for (auto bad : {"", R"(,"seq":0)", R"(,"seq":-4)", R"(,"seq":2.5)", R"(,"seq":"2")",
                         R"(,"seq":null)"})
            EXPECT_EQ(error_of(frame(bad)), ErrorCode::bad_request) << type << bad;
    }
}

TEST(DecodeLifecycle, DeleteAndReactions) {
    auto removal = command_of<Delete>(R"({"type":"delete","channel":"c","seq":9})");
    EXPECT_EQ(removal.seq, 9);
    auto react = command_of<React>(R"({"type":"react","channel":"c","seq":2,"emoji":"👍"})");
    EXPECT_EQ(react.emoji, "👍");
    EXPECT_TRUE(react.on);
    EXPECT_FALSE(command_of<React>(R"({"type":"unreact","channel":"c","seq":2,"emoji":"👍"})").on);
    EXPECT_EQ(error_of(R"({"type":"react","channel":"c","seq":2})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"react","channel":"c","seq":2,"emoji":5})"),
              ErrorCode::bad_request);
}

TEST(DecodeLifecycle, AnEmojiIsOneToThirtyTwoBytesWithoutWhitespace) {
    for (auto good : {"👍", "x", ":tada:", "🇫🇷", "👩‍👩‍👧‍👦", "+1"})
        EXPECT_TRUE(is_valid_emoji(good)) << good;
    EXPECT_TRUE(is_valid_emoji(std::string(32, 'a')));
    EXPECT_FALSE(is_valid_emoji(std::string(33, 'a')));
    // Spaces of every kind, line breaks and control characters.
    for (auto bad : {"", "a b", "a\tb", "\n", "\x7f", "a\xC2\x85", "\xC2\xA0", "\xE2\x80\x83",
                     "\xE2\x80\xA8", "\xE3\x80\x80", "\xC2\x9B"})
        EXPECT_FALSE(is_valid_emoji(bad)) << bad;
    EXPECT_EQ(error_of(R"({"type":"react","channel":"c","seq":2,"emoji":"a b"})"),
              ErrorCode::bad_request);
}

TEST(DecodeLifecycle, EditsAndReactionsCountAgainstTheRateDeletionsDoNot) {
    EXPECT_TRUE(
        is_rate_limited(command_of<Edit>(R"({"type":"edit","channel":"c","seq":1,"text":"x"})")));
    EXPECT_TRUE(is_rate_limited(
        command_of<React>(R"({"type":"unreact","channel":"c","seq":1,"emoji":"x"})")));
    EXPECT_FALSE(is_rate_limited(command_of<Delete>(R"({"type":"delete","channel":"c","seq":1})")));
}

model::ChatMessage event_of(model::EventType type) {
    model::ChatMessage event{"c", 8, "ann", "", 1000};
    event.type = type;
    event.target = 3;
    return event;
}

TEST(EncodeLifecycle, EachEventHasItsShape) {
    auto edited = event_of(model::EventType::edited);
    edited.text = "fixed";
    EXPECT_EQ(json::parse(encode_message(edited)),
              json::parse(R"({"type":"edited","channel":"c","seq":8,"target":3,"from":"ann",
                              "text":"fixed","ts":1000})"));
    EXPECT_EQ(json::parse(encode_message(event_of(model::EventType::deleted))),
              json::parse(R"({"type":"deleted","channel":"c","seq":8,"target":3,"by":"ann",
                              "ts":1000})"));
    auto reaction = event_of(model::EventType::reaction);
    reaction.emoji = "👍";
    reaction.on = false;
    EXPECT_EQ(json::parse(encode_message(reaction)),
              json::parse(R"({"type":"reaction","channel":"c","seq":8,"target":3,"from":"ann",
                              "emoji":"👍","on":false,"ts":1000})"));
}

TEST(EncodeLifecycle, AMessageShowsItsCurrentState) {
    model::ChatMessage plain{"c", 2, "bob", "hi", 1000};
    EXPECT_EQ(json::parse(encode_message(plain)),
              json::parse(R"({"type":"message","channel":"c","seq":2,"from":"bob","text":"hi",
                              "ts":1000})"));
    auto changed = plain;
    changed.reply_to = 1;
    changed.edited_ts = 2000;
    changed.reactions = {{"👍", {"ann", "cy"}}, {"🎉", {"bob"}}};
    EXPECT_EQ(json::parse(encode_message(changed)),
              json::parse(R"({"type":"message","channel":"c","seq":2,"from":"bob","text":"hi",
                              "ts":1000,"reply_to":1,"edited_ts":2000,
                              "reactions":{"👍":["ann","cy"],"🎉":["bob"]}})"));
    auto gone = plain;
    gone.deleted = true;
    EXPECT_EQ(json::parse(encode_message(gone)),
              json::parse(R"({"type":"message","channel":"c","seq":2,"from":"bob","ts":1000,
                              "deleted":true})"));
}

}  // namespace
}  // namespace parley::protocol
