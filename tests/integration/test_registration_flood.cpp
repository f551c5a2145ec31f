// Floods of registrations and of password guesses. Hashing is bounded (threads × 64 MiB, a bounded
// queue), the rest are answered busy at once, and users already chatting never wait on it.
#include <gtest/gtest.h>

#include <iostream>

#include "accounts_support.hpp"

namespace parley::test {
namespace {

TEST(RegistrationFlood, TwoHundredAtOnceGetBusyBeyondThePoolAndChatFlows) {
    // The last of the 32 queued hashes may finish after the default 10 s hello timeout on a
    // loaded machine (Argon2id takes 64 MiB and 60 ms alone, several times that when the cores
    // are shared): its connection must wait for its answer, not be closed for saying nothing.
    ServerProcess server{{"--hash-threads", "1", "--hash-queue", "32", "--rate-per-sec", "1000",
                          "--burst", "1000", "--hello-timeout", "60s"}};
    auto port = server.port();
    auto ann = guest(port, "ann");
    auto bob = guest(port, "bob");
    ann->join("general");
    bob->join("general");
    const long rss_before = server.rss_kib();

    constexpr int flood = 200;
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < flood; ++i) clients.push_back(std::make_unique<Client>(port));
    for (int i = 0; i < flood; ++i)
        clients[i]->send(json{{"type", "register"},
                              {"nick", "user" + std::to_string(i)},
                              {"password", "flood password " + std::to_string(i)},
                              {"id", "r"}});

    // Meanwhile ann's messages reach bob promptly: no io thread hashes.
    for (int i = 0; i < 20; ++i) {
        auto start = std::chrono::steady_clock::now();
        auto text = "still here " + std::to_string(i);
        EXPECT_EQ(request(*ann, {{"type", "say"}, {"channel", "general"}, {"text", text}})["type"],
                  "ok");
        EXPECT_EQ(bob->next_of_type("message")["text"], text);
        EXPECT_LT(since(start), std::chrono::milliseconds(500) * time_stretch) << i;
    }

    int welcomed = 0, busy = 0, a_welcomed = -1, a_busy = -1;
    for (int i = 0; i < flood; ++i) {
        auto reply = clients[i]->next_where([](const json& f) { return f.value("id", "") == "r"; },
                                            std::chrono::seconds(60));
        if (reply["type"] == "welcome") {
            ++welcomed;
            a_welcomed = i;
        } else if (code_of(reply) == "busy") {
            ++busy;
            a_busy = i;
        } else {
            ADD_FAILURE() << reply.dump();
        }
    }
    const long peak = server.peak_rss_kib();
    std::cout << "registration flood: " << welcomed << " welcomed, " << busy << " busy; server RSS "
              << rss_before / 1024 << " MiB before, peak " << peak / 1024 << " MiB\n";
    EXPECT_EQ(welcomed + busy, flood);
    // The queue holds 32; one more when the hashing thread took the first out in time.
    EXPECT_GE(welcomed, 32);
    EXPECT_GT(busy, 0);
    // One hashing thread: one 64 MiB Argon2id block at a time on top of the server.
    EXPECT_LT(peak - rss_before, 128 * 1024);

    // The accounts made work, and one answered busy may simply try again.
    ASSERT_GE(a_welcomed, 0);
    ASSERT_GE(a_busy, 0);
    Client again(port);
    EXPECT_EQ(log_in(again, "user" + std::to_string(a_welcomed),
                     "flood password " + std::to_string(a_welcomed))["type"],
              "welcome");
    EXPECT_EQ(register_account(*clients[a_busy], "user" + std::to_string(a_busy),
                               "flood password " + std::to_string(a_busy))["type"],
              "welcome");
}

// Wrong passwords sent on many connections at once, all in flight before any is known wrong:
// still 10 checked, the rest refused unchecked.
TEST(RegistrationFlood, ParallelGuessesStayWithinTheFailedLoginLimit) {
    ServerProcess server;
    auto ann = signed_up(server.port(), "ann");
    constexpr int guesses = 40;
    std::vector<std::unique_ptr<Client>> guessers;
    for (int i = 0; i < guesses; ++i) guessers.push_back(std::make_unique<Client>(server.port()));
    for (int i = 0; i < guesses; ++i)
        guessers[i]->send(json{{"type", "hello"},
                               {"nick", "ann"},
                               {"password", "guess number " + std::to_string(i)},
                               {"id", "g"}});
    int checked = 0, limited = 0;
    for (auto& guesser : guessers) {
        auto code = code_of(guesser->next_where(
            [](const json& f) { return f.value("id", "") == "g"; }, std::chrono::seconds(60)));
        checked += code == "unauthorized";
        limited += code == "rate_limited";
    }
    EXPECT_EQ(checked, 10);
    EXPECT_EQ(limited, guesses - 10);
    EXPECT_EQ(metric(server.port(), "parley_failed_logins_total"), 10);
}

}  // namespace
}  // namespace parley::test
