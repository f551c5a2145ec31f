// Messages that live, on one node: every refusal of reply_to, edit, delete, react and unreact,
// each with its code, and none of them changing anything or using up a seq.
#include <gtest/gtest.h>

#include "lifecycle_support.hpp"

namespace parley::test {
namespace {

// hello with a resume id; retried while the nick is still held by a connection just closed.
json hello_as(std::uint16_t port, std::unique_ptr<Client>& client, const std::string& nick,
              const std::optional<json>& resume) {
    json welcome;
    for (int attempt = 0; attempt < 50; ++attempt) {
        client = std::make_unique<Client>(port);
        json frame{{"type", "hello"}, {"nick", nick}};
        if (resume) frame["resume"] = *resume;
        welcome = request(*client, frame);
        if (welcome.value("type", "") == "welcome") break;
        std::this_thread::sleep_for(50ms);
    }
    return welcome;
}

// Each of the four changes of the message `seq` with valid other fields, by `client`.
std::vector<json> every_change(Client& client, const std::string& channel, const json& seq) {
    return {edit(client, channel, seq, "changed"), erase(client, channel, seq),
            react(client, channel, seq, "👍"), unreact(client, channel, seq, "👍")};
}

void expect_codes(const std::vector<json>& replies, const std::string& code,
                  const std::string& what) {
    for (std::size_t i = 0; i < replies.size(); ++i)
        EXPECT_EQ(code_of(replies[i]), code) << what << ", change " << i;
}

TEST(LifecycleErrors, OnlyALiveMessageOfTheChannelCanBeChangedOrAnswered) {
    ServerProcess server{unlimited()};
    auto ann = guest(server.port(), "ann");
    auto bob = guest(server.port(), "bob");
    ann->join("lobby");
    ann->join("other");
    bob->join("lobby");
    auto kept = seq_of(say_to(*ann, "lobby", "kept"));            // 1
    auto change = seq_of(edit(*ann, "lobby", kept, "kept too"));  // 2
    auto gone = seq_of(say_to(*ann, "lobby", "gone"));            // 3
    seq_of(erase(*ann, "lobby", gone));                           // 4
    for (int i = 1; i <= 6; ++i) say_to(*ann, "other", "elsewhere " + std::to_string(i));
    bob->next_where([](const json& f) { return f.value("type", "") == "deleted"; });

    expect_codes(every_change(*ann, "lobby", change), "no_such_message", "a change event");
    expect_codes(every_change(*ann, "lobby", gone), "no_such_message", "a deleted message");
    expect_codes(every_change(*ann, "lobby", 5), "no_such_message", "the next seq, unused");
    expect_codes(every_change(*ann, "lobby", 999), "no_such_message", "a seq never used");
    expect_codes(every_change(*ann, "lobby", 6), "no_such_message", "another channel's seq");
    for (std::int64_t target : {change, gone, std::int64_t{6}, std::int64_t{999}})
        EXPECT_EQ(code_of(say_to(*ann, "lobby", "answering", target)), "no_such_message")
            << "reply_to " << target;

    // Nothing was done: no event, and no seq used up.
    EXPECT_TRUE(no_change_within(*bob, 200ms));
    EXPECT_EQ(seq_of(say_to(*ann, "lobby", "answering", kept)), 5);
}

TEST(LifecycleErrors, AMessageNoLongerRetainedCannotBeChangedOrAnswered) {
    ServerProcess server{unlimited({"--history-max-per-channel", "3"})};
    auto ann = guest(server.port(), "ann");
    ann->join("lobby");
    for (int i = 1; i <= 6; ++i) say_to(*ann, "lobby", "m" + std::to_string(i));
    // Pruning runs in the background about once a second: wait until it has.
    bool pruned = false;
    for (auto start = std::chrono::steady_clock::now(); !pruned && since(start) < 10s;) {
        auto page = request(*ann, {{"type", "history"}, {"channel", "lobby"}});
        pruned = page["messages"].size() == 3u;
        if (!pruned) std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(pruned) << "old messages were not pruned";
    expect_codes(every_change(*ann, "lobby", 1), "no_such_message", "a pruned message");
    EXPECT_EQ(code_of(say_to(*ann, "lobby", "answering", 1)), "no_such_message");
    EXPECT_EQ(seq_of(edit(*ann, "lobby", 6, "m6, kept")), 7);
}

TEST(LifecycleErrors, OnlyTheAuthorEditsAndAGuestWhoTakesAFreedNickIsNotTheAuthor) {
    ServerProcess server{unlimited()};
    std::unique_ptr<Client> ann;
    auto resume = hello_as(server.port(), ann, "ann", std::nullopt)["resume"];
    auto bob = guest(server.port(), "bob");
    ann->join("lobby");
    bob->join("lobby");
    auto seq = seq_of(say_to(*ann, "lobby", "ann's words"));
    EXPECT_EQ(code_of(edit(*bob, "lobby", seq, "bob's words")), "forbidden");
    EXPECT_EQ(code_of(erase(*bob, "lobby", seq)), "forbidden");  // a plain member of an open one

    // ann leaves; a stranger takes the freed nick without ann's resume id.
    ann.reset();
    std::unique_ptr<Client> stranger;
    ASSERT_EQ(hello_as(server.port(), stranger, "ann", std::nullopt)["type"], "welcome");
    stranger->join("lobby");
    EXPECT_EQ(code_of(edit(*stranger, "lobby", seq, "not yours")), "forbidden");
    EXPECT_EQ(code_of(erase(*stranger, "lobby", seq)), "forbidden");
    stranger.reset();

    // ann comes back with its resume id: the same stay, its message to edit.
    ASSERT_EQ(hello_as(server.port(), ann, "ann", resume)["type"], "welcome");
    ann->join("lobby");
    auto edited = seq_of(edit(*ann, "lobby", seq, "ann's better words"));
    EXPECT_EQ(event_at(*bob, "edited", edited)["text"], "ann's better words");
    auto page = request(*bob, {{"type", "history"}, {"channel", "lobby"}});
    ASSERT_EQ(page["messages"].size(), 1u) << page.dump();
    EXPECT_EQ(page["messages"][0]["text"], "ann's better words");
}

TEST(LifecycleErrors, AMutedMemberAndANonMemberChangeNothing) {
    Team team;
    auto& [server, ann, bob, carl] = team;
    auto carls = seq_of(say_to(*carl, "team", "carl's"));
    auto anns = seq_of(say_to(*ann, "team", "ann's"));
    ASSERT_EQ(act(*ann, "mute", "team", "carl")["type"], "ok");
    expect_codes({edit(*carl, "team", carls, "muted words"), erase(*carl, "team", carls),
                  react(*carl, "team", anns, "👍"), unreact(*carl, "team", anns, "👍")},
                 "muted", "carl muted");
    EXPECT_EQ(code_of(say_to(*carl, "team", "answer", anns)), "muted");

    auto visitor = guest(server.port(), "visitor");
    expect_codes(every_change(*visitor, "team", anns), "not_member", "never joined");
    ASSERT_EQ(request(*bob, {{"type", "leave"}, {"channel", "team"}})["type"], "left");
    expect_codes(every_change(*bob, "team", anns), "not_member", "left");

    auto page = request(*ann, {{"type", "history"}, {"channel", "team"}});
    ASSERT_EQ(page["messages"].size(), 2u) << page.dump();
    EXPECT_EQ(page["messages"][0]["text"], "carl's");
    EXPECT_FALSE(page["messages"][1].contains("reactions")) << page.dump();
    EXPECT_EQ(seq_of(say_to(*ann, "team", "next")), anns + 1);
}

TEST(LifecycleErrors, BadEmojiBadSeqsAndATwentyFirstEmojiAreBadRequests) {
    ServerProcess server{unlimited({"--max-text-chars", "100"})};
    auto ann = guest(server.port(), "ann");
    auto bob = guest(server.port(), "bob");
    ann->join("lobby");
    bob->join("lobby");
    auto seq = seq_of(say_to(*ann, "lobby", "react to me"));
    event_at(*bob, "message", seq);

    const std::string nbsp = "\u00a0";
    for (const std::string& emoji :
         {std::string(), std::string(33, 'x'), std::string("a b"), std::string("\t"),
          std::string("👍\n"), "x" + nbsp + "y", std::string("\x01")}) {
        EXPECT_EQ(code_of(react(*bob, "lobby", seq, emoji)), "bad_request") << json(emoji);
        EXPECT_EQ(code_of(unreact(*bob, "lobby", seq, emoji)), "bad_request") << json(emoji);
    }
    for (const json& bad : {json(0), json(-1), json("1"), json(1.5), json(nullptr)}) {
        expect_codes(every_change(*ann, "lobby", bad), "bad_request", "seq " + bad.dump());
        if (bad.is_null()) continue;  // an optional field that is null is absent, as elsewhere
        EXPECT_EQ(
            code_of(request(
                *ann,
                {{"type", "say"}, {"channel", "lobby"}, {"text", "answer"}, {"reply_to", bad}})),
            "bad_request")
            << "reply_to " << bad.dump();
    }
    expect_codes({request(*ann, {{"type", "edit"}, {"channel", "lobby"}, {"text", "no seq"}}),
                  request(*ann, {{"type", "react"}, {"channel", "lobby"}, {"seq", seq}})},
                 "bad_request", "a field missing");
    for (const std::string& text : {std::string(), std::string("   "), std::string(101, 'w')})
        EXPECT_EQ(code_of(edit(*ann, "lobby", seq, text)), "text_invalid") << json(text);
    EXPECT_TRUE(no_change_within(*bob, 200ms));

    // 32 bytes is allowed, in ASCII or in four-byte emoji; 20 distinct emoji, and no 21st.
    std::vector<std::string> emoji = {std::string(32, 'x'), "😀😀😀😀😀😀😀😀"};
    for (int i = 0; emoji.size() < 20; ++i) emoji.push_back("e" + std::to_string(i));
    for (const auto& e : emoji) EXPECT_EQ(seq_of(react(*bob, "lobby", seq, e)) > seq, true) << e;
    EXPECT_EQ(code_of(react(*bob, "lobby", seq, "one-too-many")), "bad_request");
    EXPECT_EQ(code_of(react(*ann, "lobby", seq, "one-too-many")), "bad_request");
    // A 21st nick on an emoji already there is no new emoji.
    EXPECT_GT(seq_of(react(*ann, "lobby", seq, "e0")), seq);
    auto page = request(*ann, {{"type", "history"}, {"channel", "lobby"}});
    ASSERT_EQ(page["messages"].size(), 1u) << page.dump();
    auto reactions = page["messages"][0]["reactions"];
    EXPECT_EQ(reactions.size(), 20u) << reactions.dump();
    EXPECT_EQ(reactions["e0"], json::array({"bob", "ann"}));
    EXPECT_FALSE(reactions.contains("one-too-many"));
    // Taking one back makes room for another.
    EXPECT_GT(seq_of(unreact(*bob, "lobby", seq, std::string(32, 'x'))), seq);
    EXPECT_GT(seq_of(react(*ann, "lobby", seq, "one-too-many")), seq);
}

TEST(LifecycleErrors, EditsAndReactionsCountAgainstTheRateLikeSay) {
    // 3 at once, and one more a second: the test's few rejected commands stay far below the
    // flood threshold (3 + 5 x 1/s x 3 s) that would close the connection.
    ServerProcess server{{"--rate-per-sec", "1", "--burst", "3"}};
    auto ann = guest(server.port(), "ann");
    ann->join("lobby");
    auto first = seq_of(say_to(*ann, "lobby", "first"));
    auto second = seq_of(say_to(*ann, "lobby", "second"));
    EXPECT_GT(seq_of(edit(*ann, "lobby", first, "first, edited")), second);  // the burst's last
    EXPECT_EQ(code_of(edit(*ann, "lobby", first, "first, edited twice")), "rate_limited");
    EXPECT_EQ(code_of(react(*ann, "lobby", first, "👍")), "rate_limited");
    EXPECT_EQ(code_of(unreact(*ann, "lobby", first, "👍")), "rate_limited");
    EXPECT_EQ(code_of(say_to(*ann, "lobby", "third")), "rate_limited");
    // A delete is a command like any other, not a message: it is not held to the message rate.
    EXPECT_GT(seq_of(erase(*ann, "lobby", second)), second);

    auto page = request(*ann, {{"type", "history"}, {"channel", "lobby"}});
    ASSERT_EQ(page["messages"].size(), 2u) << page.dump();
    EXPECT_EQ(page["messages"][0]["text"], "first, edited");
    EXPECT_FALSE(page["messages"][0].contains("reactions")) << page.dump();
    EXPECT_EQ(page["messages"][1]["deleted"], true);
}

}  // namespace
}  // namespace parley::test
