// The decoder turns frames into typed commands or the exact error a client gets back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "protocol/command.hpp"
#include "protocol/events.hpp"
#include "ws/frame_writer.hpp"

namespace parley::protocol {
namespace {

Decoded decode_text(const std::string& text) {
    return decode(text, DecodeLimits{});
}

ErrorCode error_of(const std::string& text) {
    auto decoded = decode_text(text);
    EXPECT_FALSE(decoded.result) << text;
    return decoded.result ? ErrorCode::bad_request : decoded.result.error().code;
}

template <class T>
T command_of(const std::string& text) {
    auto decoded = decode_text(text);
    EXPECT_TRUE(decoded.result) << text << ": " << decoded.result.error().message;
    return std::get<T>(*decoded.result);
}

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

TEST(Decode, IdsAreEchoedVerbatim) {
    EXPECT_EQ(decode_text(R"({"type":"ping","id":"a\"b"})").id, R"("a\"b")");
    EXPECT_EQ(decode_text(R"({"type":"ping","id":42})").id, "42");
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
