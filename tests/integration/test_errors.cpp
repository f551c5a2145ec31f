// Every error code a client can provoke, each answered without closing the connection.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace parley::test {
namespace {

class Errors : public ::testing::Test {
  protected:
    ServerProcess server{{"--max-channels-per-session", "2", "--max-text-chars", "10"}};

    // Sends a frame and returns the error it provokes; checks the connection still works.
    json error_for(Client& client, const std::string& frame) {
        client.send(frame);
        auto error = client.next_of_type("error");
        // Still served: the next command gets its own reply (pong, or hello_required).
        client.send(json{{"type", "ping"}, {"id", "still-there"}});
        auto reply =
            client.next_where([](const json& f) { return f.value("id", json()) == "still-there"; });
        EXPECT_TRUE(reply["type"] == "pong" || reply["code"] == "hello_required") << reply;
        return error;
    }
};

TEST_F(Errors, MalformedFrames) {
    Client ann(server.port());
    EXPECT_EQ(error_for(ann, "not json")["code"], "bad_json");
    EXPECT_EQ(error_for(ann, "[1,2]")["code"], "bad_request");
    EXPECT_EQ(error_for(ann, "\"text\"")["code"], "bad_request");
    EXPECT_EQ(error_for(ann, R"({"nick":"ann"})")["code"], "bad_request");
    EXPECT_EQ(error_for(ann, R"({"type":42})")["code"], "bad_request");
    EXPECT_EQ(error_for(ann, R"({"type":"zap","id":"z"})")["id"], "z");
    EXPECT_EQ(error_for(ann, R"({"type":"zap"})")["code"], "unknown_type");
    EXPECT_EQ(error_for(ann, R"({"type":"hello","nick":7})")["code"], "bad_request");
    EXPECT_EQ(error_for(ann, R"({"type":"hello","nick":"ann","id":[1]})")["code"], "bad_request");
    EXPECT_EQ(error_for(ann, R"({"type":"ping","id":")" + std::string(65, 'x') + R"("})")["code"],
              "bad_request");
}

TEST_F(Errors, BytesAfterTheObjectAreBadJson) {
    Client ann(server.port());
    ann.hello("ann");
    // The reply is the error, not the pong the object alone would get.
    ann.send(std::string("{\"type\":\"ping\",\"id\":8}\0garbage", 29));
    auto reply = ann.next();
    ASSERT_TRUE(reply);
    EXPECT_EQ((*reply)["type"], "error") << *reply;
    EXPECT_EQ((*reply)["code"], "bad_json") << *reply;
    EXPECT_EQ(error_for(ann, std::string("{\"type\":\"ping\"}\0", 16))["code"], "bad_json");
    EXPECT_EQ(error_for(ann, R"({"type":"ping"} {"type":"ping"})")["code"], "bad_json");
    ann.send(std::string("{\"type\":\"ping\",\"id\":9} \r\n"));
    EXPECT_EQ(ann.next_of_type("pong")["id"], 9);
}

TEST_F(Errors, HelloRules) {
    Client ann(server.port()), other(server.port());
    auto before = error_for(ann, R"({"type":"join","channel":"general","id":1})");
    EXPECT_EQ(before["code"], "hello_required");
    EXPECT_EQ(before["id"], 1);
    EXPECT_EQ(error_for(ann, R"({"type":"hello","nick":"no spaces"})")["code"], "nick_invalid");
    EXPECT_EQ(error_for(ann, R"({"type":"hello","nick":""})")["code"], "nick_invalid");
    EXPECT_EQ(
        error_for(ann, R"({"type":"hello","nick":")" + std::string(33, 'a') + R"("})")["code"],
        "nick_invalid");
    EXPECT_EQ(ann.hello("Ann")["type"], "welcome");
    EXPECT_EQ(error_for(ann, R"({"type":"hello","nick":"ann2"})")["code"], "already_identified");
    auto taken = other.hello("aNN");
    EXPECT_EQ(taken["type"], "error");
    EXPECT_EQ(taken["code"], "nick_taken");
}

TEST_F(Errors, ChannelAndTextRules) {
    Client ann(server.port());
    ann.hello("ann");
    EXPECT_EQ(error_for(ann, R"({"type":"join","channel":"-bad"})")["code"], "channel_invalid");
    EXPECT_EQ(error_for(ann, R"({"type":"join","channel":"a b"})")["code"], "channel_invalid");
    EXPECT_EQ(
        error_for(ann, R"({"type":"join","channel":")" + std::string(65, 'c') + R"("})")["code"],
        "channel_invalid");
    EXPECT_EQ(error_for(ann, R"({"type":"join","channel":"x","since":"1"})")["code"],
              "bad_request");
    EXPECT_EQ(error_for(ann, R"({"type":"say","channel":"general","text":"hi"})")["code"],
              "not_member");
    EXPECT_EQ(error_for(ann, R"({"type":"leave","channel":"general"})")["code"], "not_member");
    ann.join("general");
    EXPECT_EQ(error_for(ann, R"({"type":"say","channel":"general","text":""})")["code"],
              "text_invalid");
    EXPECT_EQ(error_for(ann, R"({"type":"say","channel":"general","text":" \n\t "})")["code"],
              "text_invalid");
    // Ten characters (multi-byte ones count once) pass; eleven do not.
    ann.send(json{{"type", "say"}, {"channel", "general"}, {"text", "héllo wörl"}, {"id", 1}});
    EXPECT_EQ(ann.next_of_type("ok")["id"], 1);
    EXPECT_EQ(error_for(ann, R"({"type":"say","channel":"general","text":"héllo wörld"})")["code"],
              "text_invalid");
    ann.join("second");
    EXPECT_EQ(error_for(ann, R"({"type":"join","channel":"third"})")["code"], "too_many_channels");
}

TEST_F(Errors, TextWithNothingVisibleIsRefused) {
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    bob.join("general");
    // NBSP, other spaces, zero-width characters, a BOM, a Hangul filler, combining marks with no
    // base, a variation selector, a tag: each used to be stored and shown as a blank message.
    for (std::string blank :
         {R"(\u00a0)", R"(\u3000 \u2003)", R"(\u200b\u2060)", R"(\ufeff)", R"(\u3164)",
          R"(\u0301\u0302\u20d0)", R"(\ufe0f)", R"(\udb40\udc41)"}) {
        auto said = error_for(ann, R"({"type":"say","channel":"general","text":")" + blank + "\"}");
        EXPECT_EQ(said["code"], "text_invalid") << blank;
        EXPECT_EQ(said["message"], "text must have a visible character") << blank;
        auto sent = error_for(ann, R"({"type":"dm","to":"bob","text":")" + blank + "\"}");
        EXPECT_EQ(sent["code"], "text_invalid") << blank;
    }
    // A mark on a base letter is text. Nothing blank reached bob before it: this is the first
    // message of the channel, and the first dm bob gets.
    ann.send(json{{"type", "say"}, {"channel", "general"}, {"text", "e\xcc\x81"}, {"id", 1}});
    EXPECT_EQ(ann.next_of_type("ok")["seq"], 1);
    auto message = bob.next_of_type("message");
    EXPECT_EQ(message["text"], "e\xcc\x81");
    EXPECT_EQ(message["seq"], 1);
    ann.send(json{{"type", "dm"}, {"to", "bob"}, {"text", "\xc2\xa0hi"}});
    EXPECT_EQ(bob.next_of_type("dm")["text"], "\xc2\xa0hi");
}

TEST_F(Errors, HistoryArgumentsAreChecked) {
    Client ann(server.port());
    ann.hello("ann");
    ann.join("general");
    EXPECT_EQ(error_for(ann, R"({"type":"history","channel":"general","limit":0})")["code"],
              "bad_request");
    EXPECT_EQ(error_for(ann, R"({"type":"history","channel":"general","limit":101})")["code"],
              "bad_request");
    EXPECT_EQ(error_for(ann, R"({"type":"history","channel":"general","before":"x"})")["code"],
              "bad_request");
    EXPECT_EQ(error_for(ann, R"({"type":"history","channel":"general","before":-1})")["code"],
              "bad_request");
    // 0 is refused as over HTTP, not taken for "no bound": a pager would loop on the newest page.
    auto zero = error_for(ann, R"({"type":"history","channel":"general","before":0,"id":"h"})");
    EXPECT_EQ(zero["code"], "bad_request");
    EXPECT_EQ(zero["id"], "h");
    EXPECT_EQ(zero["message"], "before must be a positive integer");
    EXPECT_EQ(error_for(ann, R"({"type":"history","channel":"nowhere"})")["code"],
              "no_such_channel");
}

}  // namespace
}  // namespace parley::test
