// Whose direct messages `welcome` replays: a user's own, never those of another who held the
// same nick before (a guest who left, or a token for the nick in another case).
#include <gtest/gtest.h>

#include "accounts_support.hpp"
#include "harness.hpp"
#include "redis_process.hpp"

namespace parley::test {
namespace {

const std::string secret = "0123456789abcdef-test-secret";

void dm(Client& from, const std::string& to, const std::string& text, int id) {
    from.send(json{{"type", "dm"}, {"to", to}, {"text", text}, {"id", id}});
    auto reply = from.next_where([&](const json& f) { return f.value("id", -1) == id; });
    ASSERT_EQ(reply["type"], "ok") << reply.dump();
}

json hello_resuming(Client& client, const std::string& nick, const json& resume) {
    client.send(json{{"type", "hello"}, {"nick", nick}, {"resume", resume}});
    return client.next_of_type("welcome");
}

// bob, a guest, gets a dm and leaves. Whoever says hello as BOB next is a new guest: its welcome
// has no dms. Before, it got bob's. The bob of before comes back with the resume id its welcome
// gave it and gets them.
void a_later_guest_reads_none(std::uint16_t first_port, std::uint16_t second_port) {
    json resume;
    {
        Client ann(first_port), bob(first_port);
        ann.hello("ann");
        resume = bob.hello("bob").value("resume", json());
        dm(ann, "bob", "for bob only", 1);
        bob.next_of_type("dm");
    }
    Client impostor(second_port);
    // The nick comes free once the server has seen bob go.
    json welcome;
    for (int attempt = 0; attempt < 100; ++attempt) {
        impostor.send(json{{"type", "hello"}, {"nick", "BOB"}, {"id", attempt}});
        welcome = impostor.next_where([&](const json& f) { return f.value("id", -1) == attempt; });
        if (welcome["type"] == "welcome") break;
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(welcome["type"], "welcome") << welcome.dump();
    EXPECT_EQ(welcome["dms"], json::array()) << "a new guest under the nick reads nothing";
    ASSERT_TRUE(resume.is_string()) << "bob's welcome gave it a resume id";
    EXPECT_EQ(resume.get<std::string>().size(), 32u);
    EXPECT_NE(welcome["resume"], resume);
    // A resume id that is not the connection's own continues nothing either.
    Client guesser(second_port);
    auto guessed = hello_resuming(guesser, "carol", resume);
    EXPECT_EQ(guessed["dms"], json::array());
}

TEST(GuestDirectMessages, ALaterGuestUnderTheSameNickReadsNoneOfThem) {
    ServerProcess server;
    a_later_guest_reads_none(server.port(), server.port());
}

TEST(GuestDirectMessages, TheSameGuestResumingGetsThem) {
    ServerProcess server;
    Client ann(server.port());
    ann.hello("ann");
    json resume;
    {
        Client bob(server.port());
        resume = bob.hello("bob")["resume"];
        dm(ann, "bob", "see you", 1);
        bob.next_of_type("dm");
    }
    Client again(server.port());
    json welcome;
    for (int attempt = 0; attempt < 100; ++attempt) {
        again.send(json{{"type", "hello"}, {"nick", "bob"}, {"resume", resume}, {"id", attempt}});
        welcome = again.next_where([&](const json& f) { return f.value("id", -1) == attempt; });
        if (welcome["type"] == "welcome") break;
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(welcome["type"], "welcome") << welcome.dump();
    EXPECT_EQ(welcome["resume"], resume);
    ASSERT_EQ(welcome["dms"].size(), 1u);
    EXPECT_EQ(welcome["dms"][0]["text"], "see you");
    // And the stay goes on: a dm now reaches it live and counts among its own.
    dm(ann, "bob", "welcome back", 2);
    EXPECT_EQ(again.next_of_type("dm")["text"], "welcome back");
}

TEST(GuestDirectMessages, ALaterGuestOnAnotherNodeReadsNoneOfThem) {
    RedisProcess redis;
    auto node = [&](const std::string& name) {
        auto server = std::make_unique<ServerProcess>(std::vector<std::string>{
            "--redis", redis.url(), "--node", name, "--cluster-node-ttl", "1s"});
        if (!server->wait_for_log("cluster: subscribed"))
            throw std::runtime_error("node " + name + " did not reach Redis");
        return server;
    };
    auto one = node("one"), two = node("two");
    a_later_guest_reads_none(one->port(), two->port());
}

// A token for ANN is another user than the ann whose token got the dm: with ann gone, ANN may
// take the nick, and reads none of ann's dms. Before, the dms went by the nick's key.
TEST(TokenDirectMessages, ATokenForTheNickInAnotherCaseReadsNoneOfThem) {
    ServerProcess server{{"--auth-secret", secret}};
    {
        Client ann(server.port()), bob(server.port());
        ann.hello("ann", parley_token(secret, "ann"));
        bob.hello("bob", parley_token(secret, "bob"));
        dm(bob, "ann", "for ann", 1);
        ann.next_of_type("dm");
    }
    auto hello_until_welcomed = [&](Client& client, const std::string& nick) {
        json welcome;
        for (int attempt = 0; attempt < 100; ++attempt) {
            client.send(json{{"type", "hello"},
                             {"nick", nick},
                             {"token", parley_token(secret, nick)},
                             {"id", attempt}});
            welcome =
                client.next_where([&](const json& f) { return f.value("id", -1) == attempt; });
            if (welcome["type"] == "welcome") break;
            std::this_thread::sleep_for(20ms);
        }
        return welcome;
    };
    {
        Client other(server.port());
        auto welcome = hello_until_welcomed(other, "ANN");
        ASSERT_EQ(welcome["type"], "welcome") << welcome.dump();
        EXPECT_EQ(welcome["conversations"], json::array());
        EXPECT_EQ(request(other, {{"type", "history"}, {"with", "bob"}})["messages"],
                  json::array());
        EXPECT_FALSE(welcome.contains("resume")) << "accounts have no resume id";
    }
    // ann herself, back with her token once ANN has gone, has hers: an account needs no resume id.
    Client ann(server.port());
    auto hers = hello_until_welcomed(ann, "ann");
    ASSERT_EQ(hers["type"], "welcome") << hers.dump();
    ASSERT_EQ(hers["conversations"].size(), 1u) << hers.dump();
    EXPECT_EQ(hers["conversations"][0]["with"], "bob");
    EXPECT_EQ(hers["conversations"][0]["unread"], 1);
    auto page = request(ann, {{"type", "history"}, {"with", "bob"}});
    ASSERT_EQ(page["messages"].size(), 1u);
    EXPECT_EQ(page["messages"][0]["text"], "for ann");
}

}  // namespace
}  // namespace parley::test
