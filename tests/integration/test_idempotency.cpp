// Client idempotency on one node: a `say` or `dm` resent with the same `key` by the same user is
// one message, whether it comes again on the same connection, after a reconnection or after a
// restart of the server.
#include <gtest/gtest.h>

#include "publish_support.hpp"

namespace parley::test {
namespace {

// The seq of a say's `ok`, or -1 when the reply is something else.
std::int64_t seq_of(const json& reply) {
    EXPECT_EQ(reply.value("type", ""), "ok") << reply.dump();
    return reply.value("seq", std::int64_t{-1});
}

TEST(Idempotency, ASayResentWithItsKeyIsOneMessageWithOneSeq) {
    ServerProcess server;
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    ann.join("lobby");
    bob.join("lobby");

    auto seq = seq_of(say_keyed(ann, "lobby", "hello", "k-1", "1"));
    EXPECT_EQ(next_in(bob, "lobby")["seq"], seq);
    EXPECT_EQ(seq_of(say_keyed(ann, "lobby", "hello", "k-1", "2")), seq);
    EXPECT_EQ(seq_of(say_keyed(ann, "lobby", "hello", "k-1", "3")), seq);
    // Another user's key, the same key in another channel, and another key are new messages.
    EXPECT_EQ(seq_of(say_keyed(bob, "lobby", "hello", "k-1", "4")), seq + 1);
    EXPECT_EQ(seq_of(say_keyed(ann, "lobby", "again", "k-2", "5")), seq + 2);
    ann.join("other");
    EXPECT_EQ(seq_of(say_keyed(ann, "other", "hello", "k-1", "6")), 1);
    // Nobody saw a copy: the messages after the first are bob's and ann's new one.
    EXPECT_EQ(next_in(bob, "lobby")["seq"], seq + 1);
    EXPECT_EQ(next_in(bob, "lobby")["text"], "again");
    EXPECT_EQ(next_in(ann, "lobby")["seq"], seq);
    EXPECT_EQ(next_in(ann, "lobby")["seq"], seq + 1);
    EXPECT_EQ(api_history(server.port(), "lobby").size(), 3u);

    for (const json& key : {json(""), json(std::string(65, 'k')), json(12), json::array()}) {
        auto refused =
            request(ann, {{"type", "say"}, {"channel", "lobby"}, {"text", "x"}, {"key", key}});
        EXPECT_EQ(code_of(refused), "bad_request") << key.dump();
        refused = request(ann, {{"type", "dm"}, {"to", "bob"}, {"text", "x"}, {"key", key}});
        EXPECT_EQ(code_of(refused), "bad_request") << key.dump();
    }
    EXPECT_EQ(seq_of(say_keyed(ann, "lobby", "long key", std::string(64, 'k'), "7")), seq + 3);
}

TEST(Idempotency, AGuestResumingItsStayIsRecognisedALaterGuestIsNot) {
    ServerProcess server;
    Client bob(server.port());
    bob.hello("bob");
    bob.join("lobby");
    json resume;
    std::int64_t seq = 0;
    {
        Client ann(server.port());
        resume = ann.hello("ann")["resume"];
        ann.join("lobby");
        seq = seq_of(say_keyed(ann, "lobby", "sent once", "k-1", "1"));
    }
    auto ann = resumed(server.port(), "ann", resume);
    ann->join("lobby");
    EXPECT_EQ(seq_of(say_keyed(*ann, "lobby", "sent once", "k-1", "2")), seq);
    ann.reset();

    // Another guest under the nick is someone else: its key is its own.
    std::unique_ptr<Client> later;
    for (int attempt = 0; attempt < 100 && !later; ++attempt) {
        auto client = std::make_unique<Client>(server.port());
        if (client->hello("ann").value("type", "") == "welcome")
            later = std::move(client);
        else
            std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(later);
    later->join("lobby");
    EXPECT_EQ(seq_of(say_keyed(*later, "lobby", "sent once", "k-1", "3")), seq + 1);
    EXPECT_EQ(next_in(bob, "lobby")["seq"], seq);
    EXPECT_EQ(next_in(bob, "lobby")["seq"], seq + 1);
}

TEST(Idempotency, AnAccountIsRecognisedOnAnyConnectionAndAfterARestart) {
    TempDir dir;
    std::vector<std::string> args{"--data", dir.file("parley.db")};
    std::int64_t seq = 0;
    {
        ServerProcess server{args};
        auto ann = signed_up(server.port(), "ann");
        ann->join("lobby");
        seq = seq_of(say_keyed(*ann, "lobby", "once", "k-1", "1"));
        auto laptop = logged_in(server.port(), "ann");
        laptop->join("lobby");
        EXPECT_EQ(seq_of(say_keyed(*laptop, "lobby", "once", "k-1", "2")), seq);
        ann.reset();  // so that the server need not wait for them to stop
        laptop.reset();
        EXPECT_EQ(server.stop(), 0);
    }
    ServerProcess server{args};
    auto ann = logged_in(server.port(), "ann");
    ann->join("lobby");
    EXPECT_EQ(seq_of(say_keyed(*ann, "lobby", "once", "k-1", "3")), seq);
    EXPECT_EQ(seq_of(say_keyed(*ann, "lobby", "twice", "k-2", "4")), seq + 1);
    EXPECT_EQ(api_history(server.port(), "lobby").size(), 2u);
}

TEST(Idempotency, ADmResentWithItsKeyReachesTheRecipientOnce) {
    ServerProcess server;
    Client bob(server.port()), carl(server.port());
    bob.hello("bob");
    carl.hello("carl");
    json resume;
    std::int64_t ts = 0;
    {
        Client ann(server.port());
        resume = ann.hello("ann")["resume"];
        auto ok = dm_keyed(ann, "bob", "psst", "k-1", "1");
        ASSERT_EQ(ok.value("type", ""), "ok") << ok.dump();
        ts = ok["ts"].get<std::int64_t>();
        EXPECT_EQ(bob.next_of_type("dm")["ts"], ts);
        auto again = dm_keyed(ann, "bob", "psst", "k-1", "2");
        EXPECT_EQ(again.value("type", ""), "ok") << again.dump();
        EXPECT_EQ(again["ts"], ts);
    }
    auto ann = resumed(server.port(), "ann", resume);
    EXPECT_EQ(dm_keyed(*ann, "bob", "psst", "k-1", "3")["ts"], ts);
    // The same key to someone else, or by someone else, is a dm of its own.
    auto to_carl = dm_keyed(*ann, "carl", "psst", "k-1", "4");
    EXPECT_EQ(to_carl.value("type", ""), "ok");
    EXPECT_EQ(carl.next_of_type("dm")["text"], "psst");
    auto from_carl = dm_keyed(carl, "bob", "from carl", "k-1", "5");
    EXPECT_EQ(from_carl.value("type", ""), "ok");
    // bob got ann's dm once: the next one it sees is carl's.
    EXPECT_EQ(bob.next_of_type("dm")["text"], "from carl");
}

// The resend of a client that lost its connection before the `ok` may come after the recipient
// has gone: the dm was delivered, so the answer is still the first one's `ok`, as in a cluster.
TEST(Idempotency, ADmResentAfterItsRecipientLeftIsAnsweredWithTheFirstOk) {
    ServerProcess server{{"--presence-window", "20ms"}};
    Client ann(server.port());
    ann.hello("ann");
    ann.join("room");
    std::int64_t ts = 0;
    {
        Client bob(server.port());
        bob.hello("bob");
        bob.join("room");
        presence_of(ann, "joined", "bob");
        auto ok = dm_keyed(ann, "bob", "psst", "k-1", "1");
        ASSERT_EQ(ok.value("type", ""), "ok") << ok.dump();
        ts = ok["ts"].get<std::int64_t>();
        bob.next_of_type("dm");
    }
    presence_of(ann, "left", "bob");
    auto again = dm_keyed(ann, "bob", "psst", "k-1", "2");
    EXPECT_EQ(again.value("type", ""), "ok") << again.dump();
    EXPECT_EQ(again.value("ts", std::int64_t{0}), ts);
}

}  // namespace
}  // namespace parley::test
