// Direct messages as conversations: each pair of users' messages are numbered 1, 2, 3, ...; a dm
// to a persistent user who is offline is kept for them and counted in their next `welcome`;
// `history` with `with` pages a conversation, and only the asker's own.
#include <gtest/gtest.h>

#include "read_state_support.hpp"

namespace parley::test {
namespace {

TEST(Conversations, DmsToAnOfflineAccountWaitNumberedAndSurviveARestart) {
    TempDir dir;
    std::vector<std::string> args{"--data", dir.file("parley.db")};
    std::optional<ServerProcess> server(std::in_place, args);
    signed_up(server->port(), "ann").reset();  // ann exists, and is gone
    auto bob = signed_up(server->port(), "bob");
    for (int i = 1; i <= 3; ++i) {
        auto ok =
            dm_keyed(*bob, "ann", "while you slept " + std::to_string(i), "", std::to_string(i));
        EXPECT_EQ(ok["type"], "ok") << ok.dump();
        EXPECT_EQ(ok["seq"], i);
    }
    // Nobody by that name: refused as before, nothing kept.
    EXPECT_EQ(code_of(dm_keyed(*bob, "nobody", "hello?", "", "4")), "no_such_user");
    bob.reset();

    server.reset();
    server.emplace(args);
    auto ann = log_in_again(server->port(), "ann");
    auto with_bob = conversation_with(ann.welcome, "bob");
    ASSERT_FALSE(with_bob.is_null()) << ann.welcome.dump();
    EXPECT_EQ(with_bob, (json{{"with", "bob"}, {"last_seq", 3}, {"read_seq", 0}, {"unread", 3}}));
    auto page = conversation_page(*ann.client, "bob");
    EXPECT_EQ(seqs_of(page), (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(page["messages"][0]["text"], "while you slept 1");
    EXPECT_EQ(page["messages"][0]["from"], "bob");
    EXPECT_EQ(page["messages"][0]["to"], "ann");

    // Her answer is the conversation's 4th; bob, back, sees it and the live dm carries its seq.
    auto bob_again = log_in_again(server->port(), "bob");
    EXPECT_EQ(conversation_with(bob_again.welcome, "ann")["last_seq"], 3);
    auto ok = dm_keyed(*ann.client, "bob", "good morning", "", "5");
    EXPECT_EQ(ok["seq"], 4);
    auto live = bob_again.client->next_of_type("dm");
    EXPECT_EQ(live["seq"], 4);
    EXPECT_EQ(live["text"], "good morning");
}

TEST(Conversations, HistoryWithPagesBeforeAndSince) {
    ServerProcess server{{"--since-cap", "3"}};
    auto ann = signed_up(server.port(), "ann");
    auto bob = signed_up(server.port(), "bob");
    for (int i = 1; i <= 6; ++i)
        dm_keyed(i % 2 ? *ann : *bob, i % 2 ? "bob" : "ann", "m" + std::to_string(i), "",
                 std::to_string(i));
    EXPECT_EQ(seqs_of(conversation_page(*ann, "bob", {{"before", 4}})),
              (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(seqs_of(conversation_page(*ann, "bob", {{"before", 4}, {"limit", 2}})),
              (std::vector<std::int64_t>{2, 3}));
    auto after = conversation_page(*bob, "ann", {{"since", 4}});
    EXPECT_EQ(seqs_of(after), (std::vector<std::int64_t>{5, 6}));
    EXPECT_FALSE(after.value("gap", false));
    // More than the since cap: the newest, and a gap.
    auto capped = conversation_page(*bob, "ann", {{"since", 0}});
    EXPECT_EQ(seqs_of(capped), (std::vector<std::int64_t>{4, 5, 6}));
    EXPECT_TRUE(capped.value("gap", false));
    EXPECT_EQ(capped["with"], "ann");

    EXPECT_EQ(code_of(conversation_page(*ann, "bob", {{"before", 3}, {"since", 1}})),
              "bad_request");
    EXPECT_EQ(code_of(conversation_page(*ann, "bob", {{"channel", "room"}})), "bad_request");
    EXPECT_EQ(code_of(conversation_page(*ann, "not a nick")), "nick_invalid");
    EXPECT_EQ(code_of(conversation_page(*ann, "bob", {{"since", -1}})), "bad_request");
}

TEST(Conversations, OnlyTheTwoOfThemReadAConversation) {
    ServerProcess server;
    auto ann = signed_up(server.port(), "ann");
    auto bob = signed_up(server.port(), "bob");
    auto carl = signed_up(server.port(), "carl");
    auto dave = guest(server.port(), "dave");
    dm_keyed(*ann, "bob", "between us", "", "1");
    // carl and a guest asking for "bob" get their own conversation with bob: none.
    EXPECT_EQ(conversation_page(*carl, "bob")["messages"], json::array());
    EXPECT_EQ(conversation_page(*carl, "ann")["messages"], json::array());
    EXPECT_EQ(conversation_page(*dave, "bob")["messages"], json::array());
    EXPECT_EQ(code_of(mark_read(*carl, "bob", 1, true)), "no_such_user");
    carl.reset();
    EXPECT_TRUE(conversation_with(log_in_again(server.port(), "carl").welcome, "bob").is_null());
    EXPECT_EQ(seqs_of(conversation_page(*bob, "ann")), (std::vector<std::int64_t>{1}));
}

TEST(Conversations, AConversationMarkReachesTheUsersConnectionsAndClearsItsCount) {
    ServerProcess server;
    auto ann = signed_up(server.port(), "ann");
    auto bob = signed_up(server.port(), "bob");
    auto phone = log_in_again(server.port(), "bob");
    for (int i = 1; i <= 3; ++i)
        dm_keyed(*ann, "bob", "m" + std::to_string(i), "", std::to_string(i));
    EXPECT_EQ(mark_read(*phone.client, "ann", 2, true)["type"], "ok");
    json expected{{"type", "read"}, {"with", "ann"}, {"seq", 2}};
    EXPECT_EQ(bob->next_of_type("read"), expected);
    EXPECT_EQ(phone.client->next_of_type("read"), expected);
    EXPECT_EQ(code_of(mark_read(*phone.client, "ann", 4, true)), "bad_request");
    EXPECT_EQ(mark_read(*phone.client, "ann", 1, true)["type"], "ok");  // never back
    EXPECT_TRUE(ann->nothing_within(300ms)) << "ann's marker is her own";
    bob.reset();
    phone.client.reset();
    EXPECT_EQ(conversation_with(log_in_again(server.port(), "bob").welcome, "ann"),
              (json{{"with", "ann"}, {"last_seq", 3}, {"read_seq", 2}, {"unread", 1}}));
}

TEST(Conversations, ATokenUserSeenBeforeGetsDmsWhileOfflineAndAStrangerDoesNot) {
    const std::string secret = "a-long-enough-secret-for-tokens";
    ServerProcess server{{"--auth-secret", secret, "--guests", "true"}};
    {
        Client tess(server.port());
        EXPECT_EQ(tess.hello("tess", parley_token(secret, "tess"))["type"], "welcome");
    }
    auto ann = guest(server.port(), "ann");
    auto ok = dm_keyed(*ann, "tess", "for later", "", "1");
    EXPECT_EQ(ok["seq"], 1) << ok.dump();
    EXPECT_EQ(code_of(dm_keyed(*ann, "tom", "never seen", "", "2")), "no_such_user");
    Client tess(server.port());
    auto welcome = tess.hello("tess", parley_token(secret, "tess"));
    EXPECT_EQ(conversation_with(welcome, "ann")["unread"], 1) << welcome.dump();
}

TEST(Conversations, ARepeatedKeyAnswersTheFirstSeq) {
    ServerProcess server;
    auto ann = signed_up(server.port(), "ann");
    signed_up(server.port(), "bob").reset();
    EXPECT_EQ(dm_keyed(*ann, "bob", "once", "k", "1")["seq"], 1);
    EXPECT_EQ(dm_keyed(*ann, "bob", "twice", "", "2")["seq"], 2);
    EXPECT_EQ(dm_keyed(*ann, "bob", "once", "k", "3")["seq"], 1);
    EXPECT_EQ(seqs_of(conversation_page(*ann, "bob")), (std::vector<std::int64_t>{1, 2}));
}

}  // namespace
}  // namespace parley::test
