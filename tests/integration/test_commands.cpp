// Every command of the v1 protocol and its direct reply, as a client sees them.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace parley::test {
namespace {

class Commands : public ::testing::Test {
  protected:
    ServerProcess server{{"--presence-window", "50ms"}};
};

TEST_F(Commands, HelloIsAnsweredWithWelcomeAndTheLimits) {
    Client ann(server.port());
    ann.send(json{{"type", "hello"}, {"nick", "ann"}, {"id", "h1"}});
    auto welcome = ann.next_of_type("welcome");
    EXPECT_EQ(welcome["id"], "h1");
    EXPECT_EQ(welcome["nick"], "ann");
    EXPECT_EQ(welcome["protocol"], 1);
    EXPECT_FALSE(welcome["session"].get<std::string>().empty());
    EXPECT_FALSE(welcome["node"].get<std::string>().empty());
    EXPECT_EQ(welcome["limits"]["max_frame_bytes"], 65536);
    EXPECT_EQ(welcome["limits"]["max_text_chars"], 4000);
    EXPECT_EQ(welcome["limits"]["rate_per_sec"], 20);
    EXPECT_EQ(welcome["limits"]["burst"], 40);
}

TEST_F(Commands, TheServerSaysNothingBeforeHello) {
    Client ann(server.port());
    EXPECT_TRUE(ann.nothing_within(300ms));
}

TEST_F(Commands, JoinSayAndASecondMemberSeesTheMessage) {
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    auto joined = ann.join("general");
    EXPECT_EQ(joined["channel"], "general");
    EXPECT_EQ(joined["member_count"], 1);
    EXPECT_EQ(joined["members"], json::array({"ann"}));
    EXPECT_EQ(joined["history"], json::array());
    EXPECT_EQ(joined["gap"], false);
    auto bob_joined = bob.join("general");
    EXPECT_EQ(bob_joined["member_count"], 2);

    ann.send(json{{"type", "say"}, {"channel", "general"}, {"text", "hi"}, {"id", 7}});
    auto ok = ann.next_of_type("ok");
    EXPECT_EQ(ok["id"], 7);
    EXPECT_EQ(ok["seq"], 1);
    for (auto* client : {&ann, &bob}) {
        auto message = client->next_of_type("message");
        EXPECT_EQ(message["channel"], "general");
        EXPECT_EQ(message["seq"], 1);
        EXPECT_EQ(message["from"], "ann");
        EXPECT_EQ(message["text"], "hi");
        EXPECT_GT(message["ts"].get<std::int64_t>(), 1'600'000'000'000);
    }
}

TEST_F(Commands, SayWithoutIdGetsNoOkButTheMessageItself) {
    Client ann(server.port());
    ann.hello("ann");
    ann.join("general");
    ann.send(json{{"type", "say"}, {"channel", "general"}, {"text", "quiet"}});
    auto message = ann.next_of_type("message");
    EXPECT_EQ(message["text"], "quiet");
    EXPECT_TRUE(ann.nothing_within(200ms));
}

TEST_F(Commands, LeaveWhoChannelsAndPing) {
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    bob.join("general");
    bob.join("random");
    // Bob's arrival is announced to ann before he leaves; a join and a leave within one
    // presence window would net out to nothing.
    ann.next_where([](const json& f) { return f["type"] == "presence" && !f["joined"].empty(); });

    ann.send(json{{"type", "who"}, {"channel", "general"}, {"id", 1}});
    auto who = ann.next_of_type("who");
    EXPECT_EQ(who["id"], 1);
    EXPECT_EQ(who["member_count"], 2);
    EXPECT_EQ(who["members"], json::array({"ann", "bob"}));

    ann.send(json{{"type", "channels"}, {"id", 2}});
    auto channels = ann.next_of_type("channels");
    EXPECT_EQ(channels["id"], 2);
    EXPECT_EQ(
        channels["channels"],
        json::parse(R"([{"name":"general","member_count":2},{"name":"random","member_count":1}])"));

    bob.send(json{{"type", "leave"}, {"channel", "general"}, {"id", "l"}});
    auto left = bob.next_of_type("left");
    EXPECT_EQ(left["channel"], "general");
    EXPECT_EQ(left["id"], "l");
    auto presence =
        ann.next_where([](const json& f) { return f["type"] == "presence" && !f["left"].empty(); });
    EXPECT_EQ(presence["left"], json::array({"bob"}));

    ann.send(json{{"type", "ping"}, {"id", "p"}});
    EXPECT_EQ(ann.next_of_type("pong")["id"], "p");
}

TEST_F(Commands, IdsComeBackAsTheSameJsonValue) {
    Client ann(server.port());
    ann.hello("ann");
    // Escapes, -0 and the largest integer: the reply's id is the same value, perhaps written
    // differently ("A/" for "\u0041\/", 0 for -0).
    const std::vector<std::string> ids = {R"("\u0041\/")", R"("\ud83d\ude00 \u00e9\"")", "-0",
                                          "18446744073709551615", "-9223372036854775808"};
    for (const auto& id : ids) {
        ann.send(R"({"type":"ping","id":)" + id + "}");
        auto pong = ann.next();
        ASSERT_TRUE(pong) << id;
        EXPECT_EQ((*pong)["type"], "pong") << *pong;
        EXPECT_EQ((*pong)["id"], json::parse(id)) << *pong;
    }
    ann.send(std::string(R"({"type":"zap","id":"\u00e9"})"));
    EXPECT_EQ(ann.next_of_type("error")["id"], "\xc3\xa9");
}

TEST_F(Commands, PresenceTellsOtherMembersWhoJoined) {
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    // ann's own join is announced to nobody but may share a window with bob's.
    bob.join("general");
    auto presence = ann.next_where([](const json& f) {
        return f["type"] == "presence" && f["joined"].dump().find("bob") != std::string::npos;
    });
    EXPECT_EQ(presence["channel"], "general");
    EXPECT_EQ(presence["joined"], json::array({"bob"})) << "ann knows she joined";
    // bob's joined reply listed everyone: no presence frame repeats it to him.
    EXPECT_THROW(bob.next_of_type("presence", 400ms), std::runtime_error);
}

TEST_F(Commands, TypingReachesOthersButNotTheTypist) {
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    bob.join("general");
    bob.send(json{{"type", "typing"}, {"channel", "general"}});
    auto typing = ann.next_of_type("typing");
    EXPECT_EQ(typing["nick"], "bob");
    EXPECT_EQ(typing["channel"], "general");
    EXPECT_THROW(bob.next_of_type("typing", 300ms), std::runtime_error);
}

TEST_F(Commands, DirectMessagesReachTheRecipientAndTheSendersOtherConnections) {
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    bob.send(json{{"type", "dm"}, {"to", "ANN"}, {"text", "psst"}, {"id", 4}});
    auto dm = ann.next_of_type("dm");
    EXPECT_EQ(dm["from"], "bob");
    EXPECT_EQ(dm["to"], "ann");
    EXPECT_EQ(dm["text"], "psst");
    EXPECT_EQ(bob.next_of_type("ok")["id"], 4);

    bob.send(json{{"type", "dm"}, {"to", "nobody"}, {"text", "hello?"}, {"id", 5}});
    auto error = bob.next_of_type("error");
    EXPECT_EQ(error["code"], "no_such_user");
    EXPECT_EQ(error["id"], 5);
}

TEST_F(Commands, EveryMemberSeesSeqRisingByOne) {
    constexpr int senders = 3, each = 40;
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < senders; ++i) {
        clients.push_back(std::make_unique<Client>(server.port()));
        clients.back()->hello("user" + std::to_string(i));
        clients.back()->join("order");
    }
    for (int round = 0; round < each; ++round)
        for (auto& client : clients)
            client->send(json{{"type", "say"}, {"channel", "order"}, {"text", "m"}});
    for (auto& client : clients) {
        for (int expected = 1; expected <= senders * each; ++expected) {
            auto message = client->next_of_type("message");
            ASSERT_EQ(message["seq"], expected);
        }
    }
}

}  // namespace
}  // namespace parley::test
