// Messages that live, on one node: reply, edit, delete, react and unreact, the event each sends
// to every member with its own seq, who may change what, and reactions that change nothing.
#include <gtest/gtest.h>

#include "lifecycle_support.hpp"

namespace parley::test {
namespace {

// ann and bob, guests, in "lobby".
struct Lobby {
    explicit Lobby(std::vector<std::string> args = unlimited()) : server(std::move(args)) {
        ann = guest(server.port(), "ann");
        bob = guest(server.port(), "bob");
        ann->join("lobby");
        bob->join("lobby");
        ann->next_of_type("presence");  // bob's arrival, before anything a test waits for
    }
    ServerProcess server;
    std::unique_ptr<Client> ann, bob;
};

TEST(LifecycleCommands, EachCommandReachesEveryMemberWithItsOwnSeq) {
    Lobby lobby;
    auto& [server, ann, bob] = lobby;
    EXPECT_EQ(seq_of(say_to(*ann, "lobby", "lunch at noon?")), 1);

    // The ok carries the seq alone; the message event carries reply_to.
    EXPECT_EQ(seq_of(say_to(*bob, "lobby", "yes, the usual place", 1)), 2);
    for (auto* member : {ann.get(), bob.get()}) {
        auto message = event_at(*member, "message", 2);
        EXPECT_EQ(message["from"], "bob");
        EXPECT_EQ(message["text"], "yes, the usual place");
        EXPECT_EQ(message["reply_to"], 1);
    }
    EXPECT_FALSE(event_at(*bob, "message", 1).contains("reply_to"));

    EXPECT_EQ(seq_of(edit(*ann, "lobby", 1, "lunch at one?")), 3);
    for (auto* member : {ann.get(), bob.get()}) {
        auto edited = event_at(*member, "edited", 3);
        EXPECT_EQ(edited["channel"], "lobby");
        EXPECT_EQ(edited["target"], 1);
        EXPECT_EQ(edited["from"], "ann");
        EXPECT_EQ(edited["text"], "lunch at one?");
        EXPECT_TRUE(edited["ts"].is_number_integer()) << edited.dump();
    }

    EXPECT_EQ(seq_of(react(*bob, "lobby", 1, "👍")), 4);
    for (auto* member : {ann.get(), bob.get()}) {
        auto reaction = event_at(*member, "reaction", 4);
        EXPECT_EQ(reaction["channel"], "lobby");
        EXPECT_EQ(reaction["target"], 1);
        EXPECT_EQ(reaction["from"], "bob");
        EXPECT_EQ(reaction["emoji"], "👍");
        EXPECT_EQ(reaction["on"], true);
        EXPECT_TRUE(reaction["ts"].is_number_integer()) << reaction.dump();
    }

    EXPECT_EQ(seq_of(unreact(*bob, "lobby", 1, "👍")), 5);
    for (auto* member : {ann.get(), bob.get()}) {
        auto reaction = event_at(*member, "reaction", 5);
        EXPECT_EQ(reaction["from"], "bob");
        EXPECT_EQ(reaction["emoji"], "👍");
        EXPECT_EQ(reaction["on"], false);
    }

    EXPECT_EQ(seq_of(erase(*ann, "lobby", 1)), 6);
    for (auto* member : {ann.get(), bob.get()}) {
        auto deleted = event_at(*member, "deleted", 6);
        EXPECT_EQ(deleted["channel"], "lobby");
        EXPECT_EQ(deleted["target"], 1);
        EXPECT_EQ(deleted["by"], "ann");
        EXPECT_TRUE(deleted["ts"].is_number_integer()) << deleted.dump();
        EXPECT_FALSE(deleted.contains("text")) << deleted.dump();
    }
    // Messages and changes share one sequence: the next message follows the last change.
    EXPECT_EQ(seq_of(say_to(*bob, "lobby", "moving on")), 7);
    for (auto* member : {ann.get(), bob.get()}) {
        EXPECT_EQ(event_at(*member, "message", 7)["text"], "moving on");
        EXPECT_TRUE(no_change_within(*member, 200ms));
    }
}

TEST(LifecycleCommands, AReactionGivenTwiceOrNotGivenChangesNothingAndSendsNoEvent) {
    Lobby lobby;
    auto& [server, ann, bob] = lobby;
    auto seq = seq_of(say_to(*ann, "lobby", "vote here"));
    EXPECT_EQ(seq_of(react(*bob, "lobby", seq, "🎉")), seq + 1);
    for (auto* member : {ann.get(), bob.get()}) event_at(*member, "reaction", seq + 1);

    auto again = react(*bob, "lobby", seq, "🎉");
    EXPECT_EQ(again["type"], "ok") << again.dump();
    EXPECT_FALSE(again.contains("seq")) << again.dump();
    auto not_given = unreact(*bob, "lobby", seq, "👍");
    EXPECT_EQ(not_given["type"], "ok") << not_given.dump();
    EXPECT_FALSE(not_given.contains("seq")) << not_given.dump();
    auto others = unreact(*ann, "lobby", seq, "🎉");  // bob's reaction is not ann's to take back
    EXPECT_EQ(others["type"], "ok") << others.dump();
    EXPECT_FALSE(others.contains("seq")) << others.dump();
    for (auto* member : {ann.get(), bob.get()}) EXPECT_TRUE(no_change_within(*member, 300ms));

    // No seq was used up: the next change takes the next one, and the state is bob's one 🎉.
    EXPECT_EQ(seq_of(react(*ann, "lobby", seq, "🎉")), seq + 2);
    auto page = request(*ann, {{"type", "history"}, {"channel", "lobby"}});
    ASSERT_EQ(page["messages"].size(), 1u) << page.dump();
    EXPECT_EQ(page["messages"][0]["reactions"], (json{{"🎉", {"bob", "ann"}}}));
}

TEST(LifecycleCommands, TheAuthorDeletesItsOwnAndOpsOwnerAndAdminsDeleteOthers) {
    Team team({"--admins", "boss"});
    auto& [server, ann, bob, carl] = team;
    request(*ann, {{"type", "role"}, {"channel", "team"}, {"nick", "bob"}, {"role", "op"}});
    auto boss = signed_up_admin(server, "boss");
    ASSERT_EQ(request(*boss, {{"type", "join"}, {"channel", "team"}})["type"], "joined");
    std::vector<std::int64_t> said;
    for (int i = 1; i <= 4; ++i)
        said.push_back(seq_of(say_to(*carl, "team", "carl " + std::to_string(i))));
    auto ann_said = seq_of(say_to(*ann, "team", "from the owner"));

    EXPECT_EQ(code_of(erase(*carl, "team", ann_said)), "forbidden");  // a member, not its author
    auto by_author = seq_of(erase(*carl, "team", said[0]));
    EXPECT_EQ(event_at(*ann, "deleted", by_author)["by"], "carl");
    auto by_op = seq_of(erase(*bob, "team", said[1]));
    EXPECT_EQ(event_at(*carl, "deleted", by_op)["by"], "bob");
    auto by_owner = seq_of(erase(*ann, "team", said[2]));
    EXPECT_EQ(event_at(*carl, "deleted", by_owner)["by"], "ann");
    auto by_admin = seq_of(erase(*boss, "team", said[3]));
    auto seen = event_at(*carl, "deleted", by_admin);
    EXPECT_EQ(seen["by"], "boss");
    EXPECT_EQ(seen["target"], said[3]);

    // In an open channel nobody has a rank but admins, who delete anyone's message.
    auto visitor = guest(server.port(), "visitor");
    visitor->join("lobby");
    carl->join("lobby");
    boss->join("lobby");
    auto visitors = seq_of(say_to(*visitor, "lobby", "spam spam"));
    EXPECT_EQ(code_of(erase(*carl, "lobby", visitors)), "forbidden");
    auto removed = seq_of(erase(*boss, "lobby", visitors));
    EXPECT_EQ(event_at(*visitor, "deleted", removed)["by"], "boss");
}

TEST(LifecycleCommands, AnAccountEditsFromAnyOfItsConnectionsAndNobodyElseDoes) {
    Team team;
    auto& [server, ann, bob, carl] = team;
    auto seq = seq_of(say_to(*carl, "team", "draft"));
    auto laptop = logged_in(server.port(), "carl");
    ASSERT_EQ(request(*laptop, {{"type", "join"}, {"channel", "team"}})["type"], "joined");
    auto edited = seq_of(edit(*laptop, "team", seq, "final"));
    for (auto* member : {ann.get(), carl.get(), laptop.get()}) {
        auto event = event_at(*member, "edited", edited);
        EXPECT_EQ(event["from"], "carl");
        EXPECT_EQ(event["text"], "final");
        EXPECT_EQ(event["target"], seq);
    }
    // Not the owner, not an op: only the author edits.
    request(*ann, {{"type", "role"}, {"channel", "team"}, {"nick", "bob"}, {"role", "op"}});
    EXPECT_EQ(code_of(edit(*ann, "team", seq, "owner's words")), "forbidden");
    EXPECT_EQ(code_of(edit(*bob, "team", seq, "op's words")), "forbidden");
    auto page = request(*bob, {{"type", "history"}, {"channel", "team"}});
    ASSERT_FALSE(page["messages"].empty()) << page.dump();
    EXPECT_EQ(page["messages"].back()["text"], "final");
}

}  // namespace
}  // namespace parley::test
