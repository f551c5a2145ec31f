// The decoder for accounts and channel authority: register, password, create, role, topic, invite
// and the moderation commands become typed commands, or the error the client gets back
// (docs/protocol.md).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "decode_support.hpp"
#include "protocol/command.hpp"

namespace parley::protocol {
namespace {

std::string repeat(const std::string& piece, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += piece;
    return out;
}

std::string register_with(const std::string& password) {
    return R"({"type":"register","nick":"ann","password":")" + password + "\"}";
}

TEST(DecodeAuthority, Register) {
    auto plain = command_of<Register>(
        R"({"type":"register","nick":"Ann_1","password":"correct horse","id":"r"})");
    EXPECT_EQ(plain.nick, "Ann_1");
    EXPECT_EQ(plain.password, "correct horse");
    EXPECT_FALSE(plain.setup);
    EXPECT_EQ(decode_text(R"({"type":"register","nick":"ann","password":"12345678","id":"r"})").id,
              R"("r")");
    auto admin = command_of<Register>(
        R"({"type":"register","nick":"root","password":"12345678","setup":"a1b2"})");
    EXPECT_EQ(admin.setup, "a1b2");
    EXPECT_FALSE(command_of<Register>(
                     R"({"type":"register","nick":"root","password":"12345678","setup":null})")
                     .setup);
    for (auto setup : {"12", "true", "{}", R"(["a"])"})
        EXPECT_EQ(error_of(R"({"type":"register","nick":"root","password":"12345678","setup":)" +
                           std::string(setup) + "}"),
                  ErrorCode::bad_request)
            << setup;
}

TEST(DecodeAuthority, PasswordsAreEightToOneHundredTwentyEightCharacters) {
    EXPECT_EQ(error_of(register_with(std::string(7, 'x'))), ErrorCode::password_invalid);
    EXPECT_EQ(command_of<Register>(register_with(std::string(8, 'x'))).password.size(), 8u);
    EXPECT_EQ(command_of<Register>(register_with(std::string(128, 'x'))).password.size(), 128u);
    EXPECT_EQ(error_of(register_with(std::string(129, 'x'))), ErrorCode::password_invalid);
    EXPECT_EQ(error_of(register_with("")), ErrorCode::password_invalid);
}

TEST(DecodeAuthority, PasswordLengthCountsCharactersNotBytes) {
    const std::string e_acute = "\xC3\xA9";           // é, two bytes
    const std::string grinning = "\xF0\x9F\x98\x80";  // 😀, four bytes
    EXPECT_EQ(error_of(register_with(repeat(e_acute, 7))), ErrorCode::password_invalid);
    EXPECT_EQ(command_of<Register>(register_with(repeat(e_acute, 8))).password, repeat(e_acute, 8));
    EXPECT_EQ(command_of<Register>(register_with(repeat(e_acute, 128))).password.size(), 256u);
    EXPECT_EQ(error_of(register_with(repeat(e_acute, 129))), ErrorCode::password_invalid);
    EXPECT_TRUE(decode_text(register_with(repeat(grinning, 8))).result);
    EXPECT_TRUE(decode_text(register_with(repeat(grinning, 128))).result);
    // The same characters written as JSON escapes count the same.
    EXPECT_TRUE(decode_text(register_with(repeat("\\u00e9", 8))).result);
    EXPECT_EQ(error_of(register_with(repeat("\\u00e9", 7))), ErrorCode::password_invalid);
    EXPECT_TRUE(decode_text(register_with(repeat("\\ud83d\\ude00", 8))).result);
}

TEST(DecodeAuthority, ChangePassword) {
    auto change = command_of<ChangePassword>(
        R"({"type":"password","old":"correct horse","new":"battery staple"})");
    EXPECT_EQ(change.old_password, "correct horse");
    EXPECT_EQ(change.new_password, "battery staple");
    // Only the new one is checked for length: the old one is whatever the account has.
    EXPECT_EQ(command_of<ChangePassword>(R"({"type":"password","old":"short","new":"12345678"})")
                  .old_password,
              "short");
    EXPECT_EQ(error_of(R"({"type":"password","old":"correct horse","new":"1234567"})"),
              ErrorCode::password_invalid);
    EXPECT_EQ(error_of(R"({"type":"password","old":"correct horse","new":")" +
                       std::string(129, 'x') + "\"}"),
              ErrorCode::password_invalid);
    EXPECT_EQ(error_of(R"({"type":"password","new":"battery staple"})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"password","old":"correct horse"})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"password","old":1,"new":"battery staple"})"),
              ErrorCode::bad_request);
}

TEST(DecodeAuthority, Create) {
    auto staff = command_of<CreateChannel>(
        R"({"type":"create","channel":"staff","private":true,"topic":"Plans"})");
    EXPECT_EQ(staff.channel, "staff");
    EXPECT_TRUE(staff.is_private);
    EXPECT_EQ(staff.topic, "Plans");
    auto plain = command_of<CreateChannel>(R"({"type":"create","channel":"club"})");
    EXPECT_FALSE(plain.is_private);
    EXPECT_EQ(plain.topic, "");
    EXPECT_EQ(error_of(R"({"type":"create","channel":"club","private":"yes"})"),
              ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"create","channel":"club","topic":5})"), ErrorCode::bad_request);
    EXPECT_EQ(
        error_of(R"({"type":"create","channel":"club","topic":")" + std::string(301, 't') + "\"}"),
        ErrorCode::bad_request);
}

TEST(DecodeAuthority, Role) {
    auto op = command_of<SetRole>(R"({"type":"role","channel":"staff","nick":"bob","role":"op"})");
    EXPECT_EQ(op.channel, "staff");
    EXPECT_EQ(op.nick, "bob");
    EXPECT_EQ(op.role, Role::op);
    EXPECT_EQ(
        command_of<SetRole>(R"({"type":"role","channel":"staff","nick":"bob","role":"member"})")
            .role,
        Role::member);
    for (auto role : {R"("owner")", R"("OP")", R"("admin")", R"("")", "1", "null"})
        EXPECT_EQ(error_of(R"({"type":"role","channel":"staff","nick":"bob","role":)" +
                           std::string(role) + "}"),
                  ErrorCode::bad_request)
            << role;
    EXPECT_EQ(error_of(R"({"type":"role","channel":"staff","nick":"bob"})"),
              ErrorCode::bad_request);
}

TEST(DecodeAuthority, TopicIsZeroToThreeHundredCharacters) {
    auto set = command_of<SetTopic>(R"({"type":"topic","channel":"staff","topic":"Plans"})");
    EXPECT_EQ(set.channel, "staff");
    EXPECT_EQ(set.topic, "Plans");
    EXPECT_EQ(command_of<SetTopic>(R"({"type":"topic","channel":"staff","topic":""})").topic, "");
    auto topic = [](const std::string& text) {
        return R"({"type":"topic","channel":"staff","topic":")" + text + "\"}";
    };
    EXPECT_EQ(command_of<SetTopic>(topic(std::string(300, 't'))).topic.size(), 300u);
    EXPECT_EQ(command_of<SetTopic>(topic(repeat("\xC3\xA9", 300))).topic.size(), 600u);
    EXPECT_EQ(error_of(topic(std::string(301, 't'))), ErrorCode::bad_request);
    EXPECT_EQ(error_of(topic(repeat("\xC3\xA9", 301))), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"topic","channel":"staff"})"), ErrorCode::bad_request)
        << "a missing topic is not a cleared one";
    EXPECT_EQ(error_of(R"({"type":"topic","channel":"staff","topic":["x"]})"),
              ErrorCode::bad_request);
}

TEST(DecodeAuthority, Invite) {
    auto invite = command_of<Invite>(R"({"type":"invite","channel":"staff","nick":"Carl"})");
    EXPECT_EQ(invite.channel, "staff");
    EXPECT_EQ(invite.nick, "Carl");
}

TEST(DecodeAuthority, ModerationCommandsCarryAReasonOnlyForKickAndBan) {
    const std::vector<std::pair<std::string, Sanction>> commands{{"kick", Sanction::kick},
                                                                 {"ban", Sanction::ban},
                                                                 {"unban", Sanction::unban},
                                                                 {"mute", Sanction::mute},
                                                                 {"unmute", Sanction::unmute}};
    for (const auto& [type, action] : commands) {
        auto with_reason = command_of<Moderate>(
            R"({"type":")" + type + R"(","channel":"staff","nick":"carl","reason":"off topic"})");
        EXPECT_EQ(with_reason.action, action) << type;
        EXPECT_EQ(with_reason.channel, "staff");
        EXPECT_EQ(with_reason.nick, "carl");
        bool has_reason = action == Sanction::kick || action == Sanction::ban;
        EXPECT_EQ(with_reason.reason, has_reason ? "off topic" : "") << type;
        auto without =
            command_of<Moderate>(R"({"type":")" + type + R"(","channel":"staff","nick":"carl"})");
        EXPECT_EQ(without.reason, "") << type;
        // A reason is checked where it is used, and ignored where it is not.
        auto long_reason = R"({"type":")" + type +
                           R"(","channel":"staff","nick":"carl","reason":")" +
                           std::string(301, 'r') + "\"}";
        auto wrong_type =
            R"({"type":")" + type + R"(","channel":"staff","nick":"carl","reason":7})";
        if (has_reason) {
            EXPECT_EQ(error_of(long_reason), ErrorCode::bad_request) << type;
            EXPECT_EQ(error_of(wrong_type), ErrorCode::bad_request) << type;
        } else {
            EXPECT_TRUE(decode_text(long_reason).result) << type;
            EXPECT_TRUE(decode_text(wrong_type).result) << type;
        }
    }
    EXPECT_EQ(command_of<Moderate>(R"({"type":"ban","channel":"staff","nick":"carl","reason":")" +
                                   std::string(300, 'r') + "\"}")
                  .reason.size(),
              300u);
}

// Every command that names a nick, as a frame with `nick` and `channel` to fill in.
std::vector<std::string> frames_naming_a_nick(const std::string& channel, const std::string& nick) {
    std::vector<std::string> frames;
    auto fields = R"("channel":")" + channel + R"(","nick":")" + nick + "\"";
    for (auto type : {"invite", "kick", "ban", "unban", "mute", "unmute"})
        frames.push_back(R"({"type":")" + std::string(type) + R"(",)" + fields + "}");
    frames.push_back(R"({"type":"role",)" + fields + R"(,"role":"op"})");
    return frames;
}

TEST(DecodeAuthority, ABadNickIsNickInvalid) {
    for (const std::string& nick :
         std::vector<std::string>{"", "two words", "ann!", std::string(33, 'n'), "\xC3\xA9mile"}) {
        for (const auto& frame : frames_naming_a_nick("staff", nick))
            EXPECT_EQ(error_of(frame), ErrorCode::nick_invalid) << frame;
        EXPECT_EQ(
            error_of(R"({"type":"register","nick":")" + nick + R"(","password":"correct horse"})"),
            ErrorCode::nick_invalid)
            << nick;
    }
    EXPECT_TRUE(decode_text(frames_naming_a_nick("staff", std::string(32, 'n'))[0]).result);
    // Missing, or not a string: the frame is malformed rather than the nick.
    EXPECT_EQ(error_of(R"({"type":"kick","channel":"staff"})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"kick","channel":"staff","nick":5})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"register","password":"correct horse"})"),
              ErrorCode::bad_request);
}

TEST(DecodeAuthority, ABadChannelIsChannelInvalid) {
    for (const std::string& channel :
         std::vector<std::string>{"", "#general", "_x", "-x", "a b", std::string(65, 'c')}) {
        for (const auto& frame : frames_naming_a_nick(channel, "carl"))
            EXPECT_EQ(error_of(frame), ErrorCode::channel_invalid) << frame;
        EXPECT_EQ(error_of(R"({"type":"create","channel":")" + channel + "\"}"),
                  ErrorCode::channel_invalid)
            << channel;
        EXPECT_EQ(error_of(R"({"type":"topic","channel":")" + channel + R"(","topic":"x"})"),
                  ErrorCode::channel_invalid)
            << channel;
    }
    EXPECT_EQ(error_of(R"({"type":"invite","nick":"carl"})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"create","channel":null})"), ErrorCode::bad_request);
}

}  // namespace
}  // namespace parley::protocol
