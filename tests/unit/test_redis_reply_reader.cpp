// The bounds of Parley's own Redis reply reader (redis/pubsub/reply_reader): a real Redis never
// sends a malformed or oversized reply, so these are fed to the reader directly.
#include <gtest/gtest.h>

#include "redis/pubsub/reply_reader.hpp"

namespace parley::redis::pubsub {

using namespace std::string_literals;
namespace {

TEST(RedisReplyReader, FormatsACommandAsRespBulkStrings) {
    EXPECT_EQ(format_command({"SSUBSCRIBE", "a {b}"}),
              "*2\r\n$10\r\nSSUBSCRIBE\r\n$5\r\na {b}\r\n");
    EXPECT_EQ(format_command({"X", std::string("\0\r\n", 3)}),
              "*2\r\n$1\r\nX\r\n$3\r\n\0\r\n\r\n"s);
}

TEST(RedisReplyReader, ReadsRepliesSplitAnywhereAndManyInOneRead) {
    const std::string stream =
        "*3\r\n$8\r\nsmessage\r\n$10\r\nevents:{a}\r\n$5\r\nhello\r\n"
        "-MOVED 15495 127.0.0.1:7002\r\n:42\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n";
    for (std::size_t split : {std::size_t{1}, std::size_t{7}, stream.size()}) {
        ReplyReader reader(1024, 16);
        std::vector<Value> replies;
        for (std::size_t at = 0; at < stream.size(); at += split) {
            ASSERT_TRUE(reader.feed(std::string_view(stream).substr(at, split)));
            for (;;) {
                auto next = reader.next();
                ASSERT_TRUE(next) << next.error().message;
                if (!*next) break;
                replies.push_back(std::move(**next));
            }
        }
        ASSERT_EQ(replies.size(), 4u) << "split every " << split;
        ASSERT_EQ(replies[0].type, Value::Type::array);
        EXPECT_EQ(replies[0].elements[1].text, "events:{a}");
        EXPECT_EQ(replies[0].elements[2].text, "hello");
        EXPECT_TRUE(replies[1].is_error());
        EXPECT_EQ(replies[1].text, "MOVED 15495 127.0.0.1:7002");
        EXPECT_EQ(replies[2].integer, 42);
        EXPECT_EQ(replies[3].elements[0].text, "pong");
    }
}

TEST(RedisReplyReader, RefusesAMalformedReplyForGood) {
    ReplyReader reader(1024, 16);
    ASSERT_TRUE(reader.feed("?what\r\n:1\r\n"));
    auto next = reader.next();
    ASSERT_FALSE(next);
    EXPECT_NE(next.error().message.find("malformed"), std::string::npos) << next.error().message;
    EXPECT_FALSE(reader.next()) << "nothing after a malformed reply can be trusted";
    EXPECT_FALSE(reader.feed(":2\r\n"));
}

TEST(RedisReplyReader, RefusesAReplyLargerThanItsBoundBeforeItIsWhole) {
    ReplyReader reader(64, 16);
    // Many small replies in one read are fine: the bound is on one reply.
    std::string many;
    for (int i = 0; i < 20; ++i) many += ":" + std::to_string(i) + "\r\n";
    ASSERT_TRUE(reader.feed(many));
    for (int i = 0; i < 20; ++i) {
        auto next = reader.next();
        ASSERT_TRUE(next && *next);
        EXPECT_EQ((*next)->integer, i);
    }
    // A bulk string announced at a million bytes: refused once 64 have come, not buffered on.
    ASSERT_TRUE(reader.feed("$1000000\r\n" + std::string(40, 'x')));
    auto waiting = reader.next();
    ASSERT_TRUE(waiting);
    EXPECT_FALSE(*waiting);
    ASSERT_TRUE(reader.feed(std::string(40, 'x')));
    auto refused = reader.next();
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("more than 64 bytes"), std::string::npos)
        << refused.error().message;
}

TEST(RedisReplyReader, RefusesAnArrayLargerThanItsBoundFromItsHeader) {
    ReplyReader reader(1 << 20, 4);
    ASSERT_TRUE(reader.feed("*2\r\n*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n"));
    auto nested = reader.next();
    ASSERT_TRUE(nested && *nested) << "arrays up to the bound are read, nested too";
    EXPECT_EQ((*nested)->elements[0].elements.size(), 4u);
    // Two billion elements announced: hiredis would allocate room for them all at once.
    ASSERT_TRUE(reader.feed("*2000000000\r\n"));
    auto refused = reader.next();
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("array"), std::string::npos) << refused.error().message;
    ReplyReader nested_too(1 << 20, 4);
    ASSERT_TRUE(nested_too.feed("*1\r\n*5\r\n"));
    EXPECT_FALSE(nested_too.next());
}

}  // namespace
}  // namespace parley::redis::pubsub
