// The body of POST /api/channels/{name}/messages, the idempotency `key` of say and dm, and the
// `bot` mark on the message members get.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "decode_support.hpp"
#include "model/message.hpp"
#include "protocol/command.hpp"
#include "protocol/events.hpp"

namespace parley::protocol {
namespace {

using nlohmann::json;

Expected<Publish, Error> publish_of(const std::string& body, DecodeLimits limits = {}) {
    return decode_publish(json::parse(body, nullptr, false), limits);
}

ErrorCode publish_error(const std::string& body, DecodeLimits limits = {}) {
    auto decoded = publish_of(body, limits);
    EXPECT_FALSE(decoded) << body;
    return decoded ? ErrorCode::busy : decoded.error().code;
}

TEST(DecodePublish, TheFieldsOfABody) {
    auto full = publish_of(
        R"({"from":"deploy-bot_2","text":"1.4 is out","reply_to":3,"idempotency_key":"r-1.4"})");
    ASSERT_TRUE(full) << full.error().message;
    EXPECT_EQ(full->from, "deploy-bot_2");
    EXPECT_EQ(full->text, "1.4 is out");
    EXPECT_EQ(full->reply_to, 3);
    EXPECT_EQ(full->key, "r-1.4");
    auto bare =
        publish_of(R"({"from":"b","text":"x","reply_to":null,"idempotency_key":null,"x":1})");
    ASSERT_TRUE(bare) << bare.error().message;
    EXPECT_EQ(bare->reply_to, 0);
    EXPECT_EQ(bare->key, "");
    // 64 characters, not bytes.
    std::string accents;
    for (int i = 0; i < 64; ++i) accents += "\xc3\xa9";
    EXPECT_TRUE(publish_of(R"({"from":"b","text":"x","idempotency_key":")" + accents + "\"}"));
}

TEST(DecodePublish, EachBadFieldHasTheCodeSayWouldGet) {
    EXPECT_EQ(publish_error(R"({"from":"a b","text":"x"})"), ErrorCode::nick_invalid);
    EXPECT_EQ(publish_error(R"({"from":"","text":"x"})"), ErrorCode::nick_invalid);
    EXPECT_EQ(publish_error(R"({"from":")" + std::string(33, 'a') + R"(","text":"x"})"),
              ErrorCode::nick_invalid);
    EXPECT_EQ(publish_error(R"({"from":"b\u00e9","text":"x"})"), ErrorCode::nick_invalid);
    EXPECT_EQ(publish_error(R"({"text":"x"})"), ErrorCode::bad_request);
    EXPECT_EQ(publish_error(R"({"from":null,"text":"x"})"), ErrorCode::bad_request);
    EXPECT_EQ(publish_error(R"({"from":"b"})"), ErrorCode::bad_request);
    EXPECT_EQ(publish_error(R"({"from":"b","text":"\u200b "})"), ErrorCode::text_invalid);
    EXPECT_EQ(publish_error(R"({"from":"b","text":"abcdef"})", DecodeLimits{5, 100}),
              ErrorCode::text_invalid);
    EXPECT_TRUE(publish_of(R"({"from":"b","text":"abcde"})", DecodeLimits{5, 100}));
    for (auto bad : {"0", "-1", "1.5", R"("7")", "true"})
        EXPECT_EQ(publish_error(std::string(R"({"from":"b","text":"x","reply_to":)") + bad + "}"),
                  ErrorCode::bad_request)
            << bad;
    for (const auto& bad : std::vector<std::string>{R"("")", "7", "[]", "{}", "true",
                                                    "\"" + std::string(65, 'k') + "\""})
        EXPECT_EQ(
            publish_error(std::string(R"({"from":"b","text":"x","idempotency_key":)") + bad + "}"),
            ErrorCode::bad_request)
            << bad;
    for (auto bad : {"[]", "\"x\"", "null", "7", "not json"})
        EXPECT_EQ(publish_error(bad), ErrorCode::bad_request) << bad;
}

TEST(DecodeKey, SayAndDmTakeAnOptionalKeyOfOneTo64Characters) {
    EXPECT_EQ(command_of<Say>(R"({"type":"say","channel":"c","text":"hi"})").key, "");
    EXPECT_EQ(command_of<Say>(R"({"type":"say","channel":"c","text":"hi","key":null})").key, "");
    EXPECT_EQ(command_of<Say>(R"({"type":"say","channel":"c","text":"hi","key":"k1"})").key, "k1");
    EXPECT_EQ(command_of<Dm>(R"({"type":"dm","to":"bob","text":"hi","key":"k1"})").key, "k1");
    EXPECT_EQ(command_of<Dm>(R"({"type":"dm","to":"bob","text":"hi"})").key, "");
    std::string longest(64, 'k');
    EXPECT_EQ(
        command_of<Say>(R"({"type":"say","channel":"c","text":"hi","key":")" + longest + "\"}").key,
        longest);
    for (const auto& bad :
         std::vector<std::string>{R"("")", "7", "[]", "{}", "false", "\"" + longest + "k\""}) {
        EXPECT_EQ(error_of(R"({"type":"say","channel":"c","text":"hi","key":)" + bad + "}"),
                  ErrorCode::bad_request)
            << bad;
        EXPECT_EQ(error_of(R"({"type":"dm","to":"bob","text":"hi","key":)" + bad + "}"),
                  ErrorCode::bad_request)
            << bad;
    }
}

TEST(EncodeBot, OnlyABotsMessageIsMarked) {
    model::ChatMessage message{"releases", 4, "deploybot", "1.4 is out", 1000};
    EXPECT_FALSE(json::parse(encode_message(message)).contains("bot"));
    message.bot = true;
    message.idempotency = "api\x1frelease-1.4";
    message.author = "api:deploy";
    auto sent = json::parse(encode_message(message));
    EXPECT_EQ(sent["bot"], true);
    // The key and the key's name stay on the server.
    EXPECT_EQ(sent.dump().find("release-1.4"), std::string::npos) << sent.dump();
    EXPECT_EQ(sent.dump().find("api:deploy"), std::string::npos) << sent.dump();
}

TEST(IdempotencyKey, KeysAreQualifiedByTheirSender) {
    EXPECT_EQ(model::idempotency_key("t:ann", ""), "");
    EXPECT_NE(model::idempotency_key("t:ann", "k"), model::idempotency_key("t:bob", "k"));
    EXPECT_NE(model::idempotency_key("api", "k"), model::idempotency_key("t:ann", "k"));
    // No sender and key pair can be written as another's.
    EXPECT_NE(model::idempotency_key("t:ann", "x:k"), model::idempotency_key("t:ann:x", "k"));
}

}  // namespace
}  // namespace parley::protocol
