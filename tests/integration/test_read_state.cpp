// A persistent user's channels and read markers are kept by the server: membership outlives the
// connection and a restart, `welcome` counts what is unread and what mentions the user, markers
// only move forward, and every connection of the user hears when one moves. Guests keep what
// they had.
#include <gtest/gtest.h>

#include "read_state_support.hpp"

namespace parley::test {
namespace {

std::vector<std::string> data_args(const TempDir& dir, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"--data", dir.file("parley.db")};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

TEST(ReadState, ChannelsOutliveTheConnectionAndARestartAndLeaveRemovesOne) {
    TempDir dir;
    std::optional<ServerProcess> server(std::in_place, data_args(dir));
    {
        auto ann = signed_up(server->port(), "ann");
        ann->join("alpha");
        ann->join("beta");
        ann->join("gamma");
        // Leaving takes a channel off the list; disconnecting takes none.
        EXPECT_EQ(request(*ann, {{"type", "leave"}, {"channel", "beta"}})["type"], "left");
    }
    auto login = log_in_again(server->port(), "ann");
    EXPECT_EQ(kept_names(login.welcome), (std::vector<std::string>{"alpha", "gamma"}));
    EXPECT_FALSE(login.welcome.contains("dms")) << "a persistent user gets conversations";
    login.client.reset();

    server.reset();
    server.emplace(data_args(dir));
    login = log_in_again(server->port(), "ann");
    EXPECT_EQ(kept_names(login.welcome), (std::vector<std::string>{"alpha", "gamma"}));
    // Joining again keeps the channel once, in its place.
    login.client->join("alpha");
    login.client->join("delta");
    login.client.reset();
    EXPECT_EQ(kept_names(log_in_again(server->port(), "ann").welcome),
              (std::vector<std::string>{"alpha", "gamma", "delta"}));
}

TEST(ReadState, WelcomeCountsUnreadMessagesAndMentionsExactly) {
    ServerProcess server{api_key_args()};
    auto ann = signed_up(server.port(), "ann");
    auto bob = signed_up(server.port(), "bob");
    auto carl = guest(server.port(), "carl");
    // Someone spoke before ann joined: that is not unread for her.
    bob->join("room");
    say_keyed(*bob, "room", "before ann came", "", "0");
    ann->join("room");
    carl->join("room");
    ann.reset();

    say_keyed(*bob, "room", "hello @ann", "", "1");                // 2: mention
    say_keyed(*bob, "room", "mail ann@example.org", "", "2");      // 3: not a mention
    say_keyed(*carl, "room", "@ANN, look", "", "3");               // 4: mention, from a guest
    say_keyed(*bob, "room", "@annie is someone else", "", "4");    // 5
    auto deleted = say_keyed(*bob, "room", "oops @ann", "", "5");  // 6: deleted below
    EXPECT_EQ(request(*bob, {{"type", "delete"}, {"channel", "room"}, {"seq", 6}})["type"], "ok");
    EXPECT_EQ(publish(server.port(), "room", {{"from", "deploy"}, {"text", "shipped @ann"}}).status,
              201);  // 8: a bot's message counts too

    auto login = log_in_again(server.port(), "ann");
    auto room = kept(login.welcome, "room");
    ASSERT_FALSE(room.is_null()) << login.welcome.dump();
    EXPECT_EQ(room["last_seq"], 8);  // 7 is the deletion
    EXPECT_EQ(room["read_seq"], 1);
    EXPECT_EQ(room["unread"], 5) << "2, 3, 4, 5 and 8; 6 is deleted";
    EXPECT_EQ(room["mentions"], 3) << "2, 4 and 8";

    // Her own messages are never unread; reading up to 4 leaves 5 and 8.
    login.client->join("room", room["read_seq"].get<std::int64_t>());
    say_keyed(*login.client, "room", "@ann talking to myself", "", "6");  // 9
    EXPECT_EQ(mark_read(*login.client, "room", 4)["type"], "ok");
    login.client.reset();
    login = log_in_again(server.port(), "ann");
    room = kept(login.welcome, "room");
    EXPECT_EQ(room["last_seq"], 9);
    EXPECT_EQ(room["read_seq"], 4);
    EXPECT_EQ(room["unread"], 2);
    EXPECT_EQ(room["mentions"], 1);
}

TEST(ReadState, CountsStopAt999) {
    ServerProcess server{api_key_args()};
    auto ann = signed_up(server.port(), "ann");
    ann->join("busy");
    ann.reset();
    for (int i = 0; i < 1002; ++i)
        ASSERT_EQ(
            publish(server.port(), "busy", {{"from", "bot"}, {"text", "@ann " + std::to_string(i)}})
                .status,
            201);
    auto busy = kept(log_in_again(server.port(), "ann").welcome, "busy");
    EXPECT_EQ(busy["last_seq"], 1002);
    EXPECT_EQ(busy["unread"], 999);
    EXPECT_EQ(busy["mentions"], 999);
}

TEST(ReadState, MarkersOnlyMoveForwardAndBadMarksAreRefused) {
    ServerProcess server;
    auto ann = signed_up(server.port(), "ann");
    ann->join("room");
    for (int i = 1; i <= 5; ++i)
        say_keyed(*ann, "room", "m" + std::to_string(i), "", std::to_string(i));

    EXPECT_EQ(mark_read(*ann, "room", 4)["type"], "ok");
    EXPECT_EQ(ann->next_of_type("read"), (json{{"type", "read"}, {"channel", "room"}, {"seq", 4}}));
    // Behind or at the marker: ok, and nothing moves.
    EXPECT_EQ(mark_read(*ann, "room", 2)["type"], "ok");
    EXPECT_EQ(mark_read(*ann, "room", 4)["type"], "ok");
    EXPECT_TRUE(ann->nothing_within(300ms));

    EXPECT_EQ(code_of(mark_read(*ann, "room", 6)), "bad_request");
    EXPECT_EQ(code_of(mark_read(*ann, "elsewhere", 1)), "not_member");
    EXPECT_EQ(code_of(request(*ann, {{"type", "mark_read"}, {"channel", "room"}})), "bad_request");
    EXPECT_EQ(code_of(request(*ann, {{"type", "mark_read"}, {"channel", "room"}, {"seq", -1}})),
              "bad_request");
    EXPECT_EQ(code_of(request(*ann, {{"type", "mark_read"}, {"channel", "room"}, {"seq", "5"}})),
              "bad_request");
    EXPECT_EQ(code_of(request(
                  *ann, {{"type", "mark_read"}, {"channel", "room"}, {"with", "bob"}, {"seq", 1}})),
              "bad_request");
    EXPECT_EQ(code_of(request(*ann, {{"type", "mark_read"}, {"seq", 1}})), "bad_request");
    EXPECT_EQ(code_of(mark_read(*ann, "no spaces", 1)), "channel_invalid");
    EXPECT_EQ(code_of(mark_read(*ann, "no spaces", 1, true)), "nick_invalid");
    ann.reset();
    auto room = kept(log_in_again(server.port(), "ann").welcome, "room");
    EXPECT_EQ(room["read_seq"], 4);
    EXPECT_EQ(room["unread"], 0) << "the messages after 4 are her own";
}

TEST(ReadState, AMarkReachesEveryConnectionOfTheUserAndNobodyElse) {
    ServerProcess server;
    auto ann = signed_up(server.port(), "ann");
    auto phone = log_in_again(server.port(), "ann");
    auto bob = signed_up(server.port(), "bob");
    for (auto* client : {ann.get(), phone.client.get(), bob.get()}) client->join("room");
    say_keyed(*bob, "room", "one", "", "1");
    say_keyed(*bob, "room", "two", "", "2");

    EXPECT_EQ(mark_read(*phone.client, "room", 2)["type"], "ok");
    json expected{{"type", "read"}, {"channel", "room"}, {"seq", 2}};
    EXPECT_EQ(ann->next_of_type("read"), expected);
    EXPECT_EQ(phone.client->next_of_type("read"), expected);
    // bob's marker is his own: he hears nothing, and his count is untouched.
    bob->next_of_type("message");
    bob->next_of_type("message");
    EXPECT_TRUE(bob->nothing_within(300ms));
    bob.reset();
    EXPECT_EQ(kept(log_in_again(server.port(), "bob").welcome, "room")["read_seq"], 0);
}

TEST(ReadState, KicksAndBansTakeTheChannelOffTheList) {
    Team team;
    auto port = team.server.port();
    team.carl.reset();  // a ban reaches an account that is not connected, too
    EXPECT_EQ(act(*team.ann, "kick", "team", "bob")["type"], "ok");
    EXPECT_EQ(act(*team.ann, "ban", "team", "carl")["type"], "ok");
    team.bob.reset();
    EXPECT_TRUE(kept(log_in_again(port, "bob").welcome, "team").is_null());
    EXPECT_TRUE(kept(log_in_again(port, "carl").welcome, "team").is_null());
    team.ann.reset();
    EXPECT_FALSE(kept(log_in_again(port, "ann").welcome, "team").is_null());
}

TEST(ReadState, TheListIsBoundedByTheChannelLimit) {
    ServerProcess server{{"--max-channels-per-session", "2"}};
    {
        auto ann = signed_up(server.port(), "ann");
        ann->join("one");
        ann->join("two");
    }
    auto login = log_in_again(server.port(), "ann");
    auto refused = request(*login.client, {{"type", "join"}, {"channel", "three"}});
    EXPECT_EQ(code_of(refused), "too_many_channels");
    EXPECT_NE(refused.value("message", "").find("leave one first"), std::string::npos);
    // A kept channel may be joined again; leaving one makes room.
    login.client->join("one");
    EXPECT_EQ(request(*login.client, {{"type", "leave"}, {"channel", "one"}})["type"], "left");
    EXPECT_EQ(request(*login.client, {{"type", "join"}, {"channel", "three"}})["type"], "joined");
}

TEST(ReadState, GuestsKeepNothingAndMayNotMark) {
    ServerProcess server;
    json welcome;
    {
        auto ann = std::make_unique<Client>(server.port());
        welcome = ann->hello("ann");
        EXPECT_TRUE(welcome.contains("dms"));
        EXPECT_FALSE(welcome.contains("channels"));
        EXPECT_FALSE(welcome.contains("conversations"));
        ann->join("room");
        say_keyed(*ann, "room", "hi", "", "1");
        EXPECT_EQ(code_of(mark_read(*ann, "room", 1)), "forbidden");
    }
    auto again = resumed(server.port(), "ann", welcome["resume"]);
    auto page = request(*again, {{"type", "join"}, {"channel", "room"}});
    EXPECT_EQ(page["type"], "joined");
    EXPECT_EQ(page["history"].size(), 1u);
}

}  // namespace
}  // namespace parley::test
