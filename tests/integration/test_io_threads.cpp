// Connections spread over several io threads (--threads), each thread writing to its own: a
// channel's members on every thread still see every message once, in seq order, and nothing of
// a channel after they left it.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "harness.hpp"

namespace parley::test {
namespace {

json say(const std::string& channel, const std::string& text, int id) {
    return json{{"type", "say"}, {"channel", channel}, {"text", text}, {"id", id}};
}

TEST(IoThreads, MembersOnEveryThreadGetEveryMessageOnceInSeqOrder) {
    // Connections go to the threads in turn: nine clients are three on each of three threads.
    ServerProcess server{{"--threads", "3", "--rate-per-sec", "100000", "--burst", "100000"}};
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 9; ++i) {
        clients.push_back(std::make_unique<Client>(server.port()));
        clients.back()->hello("user" + std::to_string(i));
        clients.back()->join("g");
    }
    // Three senders, one per thread, each sending without waiting for its answers.
    constexpr int per_sender = 60;
    for (int n = 1; n <= per_sender; ++n)
        for (int s = 0; s < 3; ++s)
            clients[s]->send(say("g", "from " + std::to_string(s) + " #" + std::to_string(n), n));
    for (auto& client : clients) {
        std::vector<std::int64_t> seqs;
        std::map<std::string, int> last_from;  // each sender's messages in the order it sent
        while (seqs.size() < 3 * per_sender) {
            auto message = client->next_of_type("message");
            seqs.push_back(message["seq"].get<std::int64_t>());
            auto text = message["text"].get<std::string>();
            auto sender = text.substr(0, text.find(' ', 5));
            auto number = std::stoi(text.substr(text.find('#') + 1));
            EXPECT_EQ(number, last_from[sender] + 1) << text;
            last_from[sender] = number;
        }
        for (std::size_t i = 0; i < seqs.size(); ++i)
            ASSERT_EQ(seqs[i], static_cast<std::int64_t>(i) + 1) << "gap-free, once, in order";
        while (auto frame = client->next(100ms))
            EXPECT_NE((*frame)["type"], "message") << "a message twice: " << frame->dump();
    }
}

TEST(IoThreads, NothingOfAChannelArrivesAfterItsLeftReply) {
    // One thread or two: a message on its way to ann's thread when her leave is handled must
    // reach her before `left`, or not at all.
    for (const char* threads : {"1", "2"}) {
        ServerProcess server{
            {"--threads", threads, "--rate-per-sec", "100000", "--burst", "100000"}};
        for (int round = 0; round < 4; ++round) {
            Client ann(server.port());
            std::vector<std::unique_ptr<Client>> flooders;
            auto channel = "flood" + std::to_string(round);
            ann.hello("ann" + std::to_string(round));
            ann.join(channel);
            for (int f = 0; f < 3; ++f) {
                flooders.push_back(std::make_unique<Client>(server.port()));
                flooders.back()->hello("bob" + std::to_string(round) + "x" + std::to_string(f));
                flooders.back()->join(channel);
            }
            for (int n = 1; n <= 200; ++n) {
                for (auto& bob : flooders) bob->send(say(channel, "m" + std::to_string(n), n));
                if (n == 100)
                    ann.send(json{{"type", "leave"}, {"channel", channel}, {"id", "bye"}});
            }
            // Frames in the order they arrived: messages before `left`, none after it.
            bool left = false;
            while (auto frame = ann.next(left ? 300ms : default_timeout)) {
                if ((*frame)["type"] == "left")
                    left = true;
                else if (left)
                    EXPECT_NE((*frame)["type"], "message") << "after left: " << frame->dump();
            }
            EXPECT_TRUE(left);
            for (auto& bob : flooders)
                for (int n = 1; n <= 200; ++n)
                    bob->next_where([&](const json& f) { return f.value("id", -1) == n; });
        }
    }
}

}  // namespace
}  // namespace parley::test
