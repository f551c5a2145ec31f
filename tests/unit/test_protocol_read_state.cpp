// Read state on the wire: mark_read, `history` with `with`, the `read` event, numbered dms and a
// persistent user's welcome (docs/protocol.md, "A user's chat follows them"); and which words
// of a text are mentions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "decode_support.hpp"
#include "model/message.hpp"
#include "protocol/command.hpp"
#include "protocol/events.hpp"

namespace parley::protocol {
namespace {

using nlohmann::json;

TEST(DecodeReadState, MarkReadNamesAChannelOrAConversationAndASeq) {
    auto mark = command_of<MarkRead>(R"({"type":"mark_read","channel":"room","seq":12})");
    EXPECT_EQ(mark.place, "room");
    EXPECT_FALSE(mark.conversation);
    EXPECT_EQ(mark.seq, 12);
    mark = command_of<MarkRead>(R"({"type":"mark_read","with":"Bob","seq":0})");
    EXPECT_EQ(mark.place, "Bob");
    EXPECT_TRUE(mark.conversation);
    EXPECT_EQ(mark.seq, 0);

    for (auto bad :
         {R"({"type":"mark_read","channel":"room"})",
          R"({"type":"mark_read","channel":"room","seq":-1})",
          R"({"type":"mark_read","channel":"room","seq":1.5})",
          R"({"type":"mark_read","channel":"room","seq":"3"})", R"({"type":"mark_read","seq":3})",
          R"({"type":"mark_read","channel":"room","with":"bob","seq":3})"})
        EXPECT_EQ(error_of(bad), ErrorCode::bad_request) << bad;
    EXPECT_EQ(error_of(R"({"type":"mark_read","channel":"#room","seq":3})"),
              ErrorCode::channel_invalid);
    EXPECT_EQ(error_of(R"({"type":"mark_read","with":"b b","seq":3})"), ErrorCode::nick_invalid);
}

TEST(DecodeReadState, HistoryWithAUserIsAConversationQuery) {
    auto query = command_of<ConversationQuery>(R"({"type":"history","with":"bob"})");
    EXPECT_EQ(query.with, "bob");
    EXPECT_FALSE(query.before);
    EXPECT_FALSE(query.since);
    EXPECT_EQ(query.limit, 50);
    query =
        command_of<ConversationQuery>(R"({"type":"history","with":"bob","before":9,"limit":5})");
    EXPECT_EQ(query.before, 9);
    EXPECT_EQ(query.limit, 5);
    query = command_of<ConversationQuery>(R"({"type":"history","with":"bob","since":0})");
    EXPECT_EQ(query.since, 0);
    // A channel's history is what it was.
    EXPECT_EQ(command_of<HistoryQuery>(R"({"type":"history","channel":"room"})").channel, "room");

    EXPECT_EQ(error_of(R"({"type":"history","with":"bob","before":3,"since":1})"),
              ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"history","with":"bob","channel":"room"})"),
              ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"history","with":"bob","before":0})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"history","with":7})"), ErrorCode::bad_request);
    EXPECT_EQ(error_of(R"({"type":"history","with":"bob","limit":0})"), ErrorCode::bad_request);
}

TEST(DecodeReadState, MarksWeighMoreThanASayAndAreNotRateLimitedAsSpeech) {
    auto decoded = decode_text(R"({"type":"mark_read","channel":"room","seq":1})");
    ASSERT_TRUE(decoded.result);
    EXPECT_EQ(command_cost(*decoded.result), 2);
    EXPECT_FALSE(is_rate_limited(*decoded.result));
    decoded = decode_text(R"({"type":"history","with":"bob"})");
    EXPECT_EQ(command_cost(*decoded.result), 4);
}

TEST(EncodeReadState, ReadEventsDmsAndConversationPages) {
    EXPECT_EQ(json::parse(encode_read("room", false, 4)),
              (json{{"type", "read"}, {"channel", "room"}, {"seq", 4}}));
    EXPECT_EQ(json::parse(encode_read("bob", true, 2)),
              (json{{"type", "read"}, {"with", "bob"}, {"seq", 2}}));
    model::DirectMessage dm{"ann", "bob", "hi", 10, 3};
    EXPECT_EQ(json::parse(encode_dm(dm))["seq"], 3);
    dm.seq = 0;  // stored before conversations were numbered
    EXPECT_FALSE(json::parse(encode_dm(dm)).contains("seq"));
    auto page = json::parse(
        encode_conversation(RequestId{"7"}, "bob", {{"ann", "bob", "hi", 10, 1}}, true));
    EXPECT_EQ(page["type"], "history");
    EXPECT_EQ(page["id"], 7);
    EXPECT_EQ(page["with"], "bob");
    EXPECT_EQ(page["gap"], true);
    EXPECT_EQ(
        page["messages"],
        (json::array({{{"from", "ann"}, {"to", "bob"}, {"text", "hi"}, {"ts", 10}, {"seq", 1}}})));
}

TEST(EncodeReadState, APersistentUsersWelcomeListsChannelsAndConversationsNotDms) {
    Welcome welcome;
    welcome.nick = "ann";
    welcome.account = true;
    welcome.kept = model::UserSnapshot{{{"room", 9, 4, 3, 1}}, {{"bob", 2, 1, 1, 50}}};
    auto object = json::parse(encode_welcome(std::nullopt, welcome));
    EXPECT_FALSE(object.contains("dms"));
    EXPECT_EQ(object["channels"], (json::array({{{"channel", "room"},
                                                 {"last_seq", 9},
                                                 {"read_seq", 4},
                                                 {"unread", 3},
                                                 {"mentions", 1}}})));
    EXPECT_EQ(object["conversations"],
              (json::array({{{"with", "bob"}, {"last_seq", 2}, {"read_seq", 1}, {"unread", 1}}})));
    welcome.kept.reset();
    object = json::parse(encode_welcome(std::nullopt, welcome));
    EXPECT_EQ(object["dms"], json::array());
    EXPECT_FALSE(object.contains("channels"));
}

TEST(Mentions, AnAtNickThatStandsAsAWordIsAMention) {
    using model::mentioned_keys;
    using Keys = std::vector<std::string>;
    EXPECT_EQ(mentioned_keys("hi @Ann, and @bob_2!"), (Keys{"ann", "bob_2"}));
    EXPECT_EQ(mentioned_keys("@ann @ANN @Ann"), (Keys{"ann"}));
    EXPECT_EQ(mentioned_keys("mail ann@example.org"), Keys{});
    EXPECT_EQ(mentioned_keys("@@ann @ @- (@carl)"), (Keys{"-", "carl"}));
    EXPECT_EQ(mentioned_keys("@" + std::string(33, 'a')), Keys{}) << "longer than any nick";
    EXPECT_EQ(mentioned_keys("@" + std::string(32, 'a')), Keys{std::string(32, 'a')});
    EXPECT_EQ(mentioned_keys("no mentions here"), Keys{});
    std::string many;
    for (int i = 0; i < 30; ++i) many += "@u" + std::to_string(i) + " ";
    EXPECT_EQ(mentioned_keys(many).size(), model::max_mentions_per_message);
}

}  // namespace
}  // namespace parley::protocol
