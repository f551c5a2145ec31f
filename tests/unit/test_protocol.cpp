// The decoder turns frames into typed commands or the exact error a client gets back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "decode_support.hpp"
#include "protocol/command.hpp"
#include "protocol/events.hpp"
#include "protocol/text.hpp"
#include "ws/frame_writer.hpp"

namespace parley::protocol {
namespace {

TEST(Decode, EveryCommand) {
    EXPECT_EQ(command_of<Hello>(R"({"type":"hello","nick":"ann"})").nick, "ann");
    EXPECT_EQ(command_of<Hello>(R"({"type":"hello","nick":"ann","token":"t"})").token, "t");
    auto join = command_of<Join>(R"({"type":"join","channel":"general","since":12})");
    EXPECT_EQ(join.channel, "general");
    EXPECT_EQ(join.since, 12);
    EXPECT_EQ(command_of<Leave>(R"({"type":"leave","channel":"a.b"})").channel, "a.b");
    auto say = command_of<Say>(R"({"type":"say","channel":"c","text":"hi"})");
    EXPECT_EQ(say.text, "hi");
    EXPECT_EQ(command_of<Dm>(R"({"type":"dm","to":"bob","text":"x"})").to, "bob");
    auto history =
        command_of<HistoryQuery>(R"({"type":"history","channel":"c","before":5,"limit":10})");
    EXPECT_EQ(history.before, 5);
    EXPECT_EQ(history.limit, 10);
    EXPECT_EQ(command_of<HistoryQuery>(R"({"type":"history","channel":"c"})").limit, 50);
    EXPECT_EQ(command_of<Who>(R"({"type":"who","channel":"c"})").channel, "c");
    command_of<ListChannels>(R"({"type":"channels"})");
    EXPECT_EQ(command_of<Typing>(R"({"type":"typing","channel":"c"})").channel, "c");
    command_of<Ping>(R"({"type":"ping"})");
}

TEST(Decode, IdsAreEchoedAsTheSameJsonValue) {
    EXPECT_EQ(decode_text(R"({"type":"ping","id":"a\"b"})").id, R"("a\"b")");
    EXPECT_EQ(decode_text(R"({"type":"ping","id":42})").id, "42");
    // The same value, not the same bytes: escapes are written back as nlohmann writes them.
    EXPECT_EQ(decode_text(R"({"type":"ping","id":"\u0041\/"})").id, R"("A/")");
    EXPECT_EQ(decode_text(R"({"type":"ping","id":-0})").id, "0");
    for (std::string id :
         {R"("\u00e9\ud83d\ude00\t")", R"("")", "-9223372036854775808", "18446744073709551615"}) {
        auto decoded = decode_text(R"({"type":"ping","id":)" + id + "}");
        ASSERT_TRUE(decoded.id) << id;
        EXPECT_EQ(nlohmann::json::parse(encode_pong(decoded.id))["id"], nlohmann::json::parse(id))
            << id;
    }
    EXPECT_FALSE(decode_text(R"({"type":"ping"})").id);
    // An error still carries the id when the id itself was fine.
    EXPECT_EQ(decode_text(R"({"type":"zap","id":7})").id, "7");
    EXPECT_EQ(error_of(R"({"type":"ping","id":1.5})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"ping","id":{}})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"ping","id":")" + std::string(65, 'x') + "\"}"),
              ErrorCode::bad_request);
    EXPECT_TRUE(decode_text(R"({"type":"ping","id":")" + std::string(64, 'x') + "\"}").id);
}

TEST(Decode, UnknownFieldsAreIgnored) {
    EXPECT_EQ(command_of<Say>(R"({"type":"say","channel":"c","text":"x","extra":[1]})").text, "x");
}

TEST(Decode, Errors) {
    EXPECT_EQ(error_of("nope"), ErrorCode::bad_json);
    EXPECT_EQ(error_of(""), ErrorCode::bad_json);
    EXPECT_EQ(error_of("[]"), ErrorCode::bad_request);
    EXPECT_EQ(error_of("null"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":null})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"HELLO","nick":"a"})"), ErrorCode::unknown_type);
    EXPECT_EQ(error_of(R"({"type":"hello"})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"hello","nick":"a b"})"), ErrorCode::nick_invalid);
    EXPECT_EQ(error_of(R"({"type":"hello","nick":"a","token":5})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"join","channel":".x"})"), ErrorCode::channel_invalid);
    EXPECT_EQ(error_of(R"({"type":"join","channel":"x","since":-1})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"join","channel":"x","since":1e3})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"join","channel":"x","since":18446744073709551615})"),
              ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"say","channel":"c"})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"say","channel":"c","text":" "})"), ErrorCode::text_invalid);
    EXPECT_EQ(error_of(R"({"type":"say","channel":"c","text":")" + std::string(4001, 'a') + "\"}"),
              ErrorCode::text_invalid);
    EXPECT_EQ(error_of(R"({"type":"dm","to":"no one","text":"x"})"), ErrorCode::nick_invalid);
    EXPECT_EQ(error_of(R"({"type":"history","channel":"c","limit":101})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"history","channel":"c","limit":"5"})"), ErrorCode::bad_request);
}

TEST(Decode, HistoryBeforeMustBePositive) {
    // before: 0 used to mean "no bound", so a pager that reached 0 got the newest page again.
    auto zero = decode_text(R"({"type":"history","channel":"c","before":0})");
    ASSERT_FALSE(zero.result);
    EXPECT_EQ(zero.result.error().code, ErrorCode::bad_request);
    EXPECT_EQ(zero.result.error().message, "before must be a positive integer");
    EXPECT_EQ(error_of(R"({"type":"history","channel":"c","before":-1})"), ErrorCode::bad_request);
    EXPECT_EQ(command_of<HistoryQuery>(R"({"type":"history","channel":"c","before":1})").before, 1);
    EXPECT_FALSE(command_of<HistoryQuery>(R"({"type":"history","channel":"c","before":null})")
                     .before.has_value());
    // since: 0 on join still means "everything".
    EXPECT_EQ(command_of<Join>(R"({"type":"join","channel":"c","since":0})").since, 0);
}

TEST(Decode, OnlyWhitespaceMayFollowTheObject) {
    using namespace std::string_literals;
    // A NUL byte used to end parsing, so whatever followed it was ignored.
    auto nul_then_garbage = decode_text("{\"type\":\"ping\",\"id\":8}\0garbage"s);
    ASSERT_FALSE(nul_then_garbage.result);
    EXPECT_EQ(nul_then_garbage.result.error().code, ErrorCode::bad_json);
    EXPECT_FALSE(nul_then_garbage.id);
    EXPECT_EQ(error_of("{\"type\":\"ping\"}\0"s), ErrorCode::bad_json);
    EXPECT_EQ(error_of("{\"type\":\"ping\"} \0 "s), ErrorCode::bad_json);
    EXPECT_EQ(error_of("\0{\"type\":\"ping\"}"s), ErrorCode::bad_json);
    EXPECT_EQ(error_of(R"({"type":"ping"} {})"), ErrorCode::bad_json);
    EXPECT_EQ(error_of(R"({"type":"ping"}x)"), ErrorCode::bad_json);
    EXPECT_EQ(error_of("{\"type\":\"ping\"}\f"), ErrorCode::bad_json);
    // JSON whitespace around the object is fine.
    command_of<Ping>(" \t\r\n{\"type\":\"ping\"} \t\r\n");
}

TEST(Decode, TextLengthCountsCharactersNotBytes) {
    std::string four_thousand_euros;
    for (int i = 0; i < 4000; ++i) four_thousand_euros += "\u20ac";
    EXPECT_EQ(
        command_of<Say>(R"({"type":"say","channel":"c","text":")" + four_thousand_euros + "\"}")
            .text.size(),
        12000u);
}

TEST(Decode, TextNeedsAVisibleCharacter) {
    auto say_with = [](const std::string& text) {
        return R"({"type":"say","channel":"c","text":")" + text + "\"}";
    };
    // NBSP, other Unicode spaces, zero-width and format characters, a variation selector, a tag,
    // Hangul fillers, combining marks without a base: all used to be stored as messages.
    for (std::string blank :
         {R"(\u00a0)", R"(\u3000\u2003\u202f\u205f\u1680)", R"(\u0085\u2028\u2029)",
          R"(\u200b\u200c\u200d\u2060\ufeff)", R"(\u180e\u034f)", R"(\ufe0f)", R"(\udb40\udc41)",
          R"(\udb40\udd00)", R"(\u3164\u115f\u1160\uffa0)", R"(\u0301\u0302)",
          R"(\u1ab0\u1dc0\u20d0\ufe20)", R"( \u0301\u00a0)", R"(\u0001)", R"(\u2800)"}) {
        auto decoded = decode_text(say_with(blank));
        ASSERT_FALSE(decoded.result) << blank;
        EXPECT_EQ(decoded.result.error().code, ErrorCode::text_invalid) << blank;
        EXPECT_EQ(decoded.result.error().message, "text must have a visible character") << blank;
        EXPECT_EQ(error_of(R"({"type":"dm","to":"bob","text":")" + blank + "\"}"),
                  ErrorCode::text_invalid)
            << blank;
    }
    // One visible character is enough, whatever surrounds it.
    EXPECT_EQ(command_of<Say>(say_with(R"(e\u0301)")).text, "e\xcc\x81");
    EXPECT_EQ(command_of<Say>(say_with(R"(\u00a0x\u00a0)")).text, "\xc2\xa0x\xc2\xa0");
    EXPECT_EQ(command_of<Say>(say_with(R"(\ud83d\udc4d\ufe0f)")).text,
              "\xf0\x9f\x91\x8d\xef\xb8\x8f");
    EXPECT_EQ(command_of<Dm>(R"({"type":"dm","to":"bob","text":"\u4e2d"})").text, "\xe4\xb8\xad");
}

TEST(VisibleText, InvisibleCodePointsAtTheEdgesOfTheirRanges) {
    // White_Space
    for (char32_t c : {0x09, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F,
                       0x205F, 0x3000})
        EXPECT_TRUE(is_invisible(c)) << std::hex << static_cast<unsigned>(c);
    // controls, default-ignorables and format characters, the Braille blank
    for (char32_t c : {0x00,   0x1F,    0x7F,    0x9F,    0xAD,    0x034F,  0x061C,  0x115F,
                       0x1160, 0x180E,  0x200B,  0x200F,  0x202A,  0x202E,  0x2060,  0x2064,
                       0x206F, 0x2800,  0x3164,  0xFE00,  0xFE0F,  0xFEFF,  0xFFA0,  0xFFF9,
                       0xFFFB, 0x1D173, 0xE0000, 0xE0001, 0xE007F, 0xE0100, 0xE01EF, 0xE0FFF})
        EXPECT_TRUE(is_invisible(c)) << std::hex << static_cast<unsigned>(c);
    // combining marks: the blocks, and marks of other scripts (Hebrew, Arabic, Devanagari)
    for (char32_t c : {0x0300, 0x036F, 0x1AB0, 0x1AFF, 0x1DC0, 0x1DFF, 0x20D0, 0x20FF, 0xFE20,
                       0xFE2F, 0x05B4, 0x064B, 0x093F, 0x094D, 0x0E31})
        EXPECT_TRUE(is_invisible(c)) << std::hex << static_cast<unsigned>(c);
    // their neighbours and ordinary characters show
    for (char32_t c : {0x21,   0x7E,   0xA1,   0x02FF, 0x0370,  0x05D0,  0x0627,  0x0915, 0x1AAF,
                       0x1DBF, 0x1FFF, 0x2010, 0x2027, 0x2030,  0x20CF,  0x2100,  0x2801, 0x3001,
                       0x4E2D, 0xFE10, 0xFE30, 0xFFFD, 0x1F600, 0xE1000, 0x10FFFF})
        EXPECT_FALSE(is_invisible(c)) << std::hex << static_cast<unsigned>(c);
}

TEST(VisibleText, ATextShowsWhenOneCharacterDoes) {
    EXPECT_FALSE(has_visible_character(""));
    EXPECT_FALSE(has_visible_character(" \t\r\n"));
    EXPECT_FALSE(has_visible_character("\xc2\xa0\xe3\x80\x80"));      // NBSP, ideographic space
    EXPECT_FALSE(has_visible_character("\xe2\x80\x8b\xef\xbb\xbf"));  // ZWSP, BOM
    EXPECT_FALSE(has_visible_character("\xcc\x81\xcc\x82\xcc\x83"));  // marks alone
    EXPECT_FALSE(has_visible_character("\xf3\xa0\x81\x81\xf3\xa0\x84\x80"));  // a tag, VS17
    EXPECT_TRUE(has_visible_character("a"));
    EXPECT_TRUE(has_visible_character("e\xcc\x81"));
    EXPECT_TRUE(has_visible_character("\xc2\xa0\xc2\xa0!"));
    EXPECT_TRUE(has_visible_character("\xf0\x9f\x98\x80"));  // an emoji, four bytes
    // Bytes that are not UTF-8 would be shown as replacement characters.
    EXPECT_TRUE(has_visible_character("\xff"));
    EXPECT_TRUE(has_visible_character(" \xe2\x80"));         // cut short
    EXPECT_TRUE(has_visible_character("\xc0\xa0"));          // overlong space
    EXPECT_TRUE(has_visible_character("\xed\xa0\x80"));      // a UTF-16 surrogate
    EXPECT_TRUE(has_visible_character("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(Names, NickAndChannelSyntax) {
    EXPECT_TRUE(is_valid_nick("Ann_-9"));
    EXPECT_FALSE(is_valid_nick(""));
    EXPECT_FALSE(is_valid_nick(std::string(33, 'a')));
    EXPECT_TRUE(is_valid_nick(std::string(32, 'a')));
    EXPECT_FALSE(is_valid_nick("ann.b"));
    EXPECT_TRUE(is_valid_channel("rust-lang.general_2"));
    EXPECT_FALSE(is_valid_channel("_x"));
    EXPECT_FALSE(is_valid_channel("-x"));
    EXPECT_FALSE(is_valid_channel(".x"));
    EXPECT_FALSE(is_valid_channel(std::string(65, 'c')));
    EXPECT_FALSE(is_valid_channel("caf\xc3\xa9"));
}

TEST(WireFrame, HeadersForEveryLengthClass) {
    auto small = ws::make_text_frame("hi");
    EXPECT_EQ(*small, std::string("\x81\x02hi", 4));
    auto medium = ws::make_text_frame(std::string(300, 'a'));
    EXPECT_EQ(static_cast<unsigned char>((*medium)[1]), 126);
    EXPECT_EQ(((*medium)[2] & 0xff) << 8 | ((*medium)[3] & 0xff), 300);
    EXPECT_EQ(medium->size(), 304u);
    auto large = ws::make_text_frame(std::string(70000, 'a'));
    EXPECT_EQ(static_cast<unsigned char>((*large)[1]), 127);
    EXPECT_EQ(large->size(), 70010u);
}

TEST(Events, MessageJsonHasEveryField) {
    auto text = encode_message({"general", 3, "ann", "hi \"there\"", 1700000000000});
    auto json = nlohmann::json::parse(text);
    EXPECT_EQ(json["type"], "message");
    EXPECT_EQ(json["channel"], "general");
    EXPECT_EQ(json["seq"], 3);
    EXPECT_EQ(json["from"], "ann");
    EXPECT_EQ(json["text"], "hi \"there\"");
    EXPECT_EQ(json["ts"], 1700000000000);
    auto error = nlohmann::json::parse(encode_error(std::string("\"x\""), ErrorCode::busy, "m"));
    EXPECT_EQ(error["id"], "x");
    EXPECT_EQ(error["code"], "busy");
}

}  // namespace
}  // namespace parley::protocol
