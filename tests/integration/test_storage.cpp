// The SQLite file while the server runs: other processes and its WAL index.
#include <gtest/gtest.h>

#include <fstream>

#include "harness.hpp"

namespace parley::test {
namespace {

std::vector<std::string> with_data(const std::string& file, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"--data", file, "--rate-per-sec", "1000000", "--burst",
                                     "1000000"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

json say(Client& client, const std::string& channel, const std::string& text, int id) {
    client.send(json{{"type", "say"}, {"channel", channel}, {"text", text}, {"id", id}});
    return client.next_where([&](const json& f) { return f.value("id", -1) == id; });
}

TEST(Storage, TheServerSurvivesItsWalIndexFileBeingTruncated) {
    TempDir dir;
    auto data = dir.file("parley.db");
    ServerProcess server{with_data(data)};
    {
        Client ann(server.port());
        ann.hello("ann");
        ann.join("general");
        EXPECT_EQ(say(ann, "general", "before", 1)["type"], "ok");

        // Another program empties the WAL index file under the running server (a server that
        // maps it dies of SIGBUS at its next access).
        std::ofstream(data + "-shm", std::ios::binary | std::ios::trunc).flush();
        for (int i = 2; i <= 5; ++i) {
            json reply;
            try {
                reply = say(ann, "general", "after " + std::to_string(i), i);
            } catch (const std::exception& e) {
                FAIL() << e.what() << "server exit status (128 + signal): "
                       << server.wait_exit(1s).value_or(-1);
            }
            EXPECT_EQ(reply["type"], "ok") << reply.dump();
            EXPECT_EQ(reply["seq"], i);
        }
    }
    EXPECT_FALSE(server.wait_exit(0ms).has_value()) << server.logs();
    EXPECT_EQ(server.stop(SIGTERM), 0);

    ServerProcess again{with_data(data)};
    Client bob(again.port());
    bob.hello("bob");
    auto joined = bob.join("general");
    ASSERT_EQ(joined["history"].size(), 5u);
    EXPECT_EQ(joined["history"][4]["text"], "after 5");
}

TEST(Storage, ASecondServerOnTheSameFileIsRefusedAtStartUp) {
    TempDir dir;
    auto data = dir.file("parley.db");
    ServerProcess first{with_data(data)};
    {
        Client ann(first.port());
        ann.hello("ann");
        ann.join("general");
        EXPECT_EQ(say(ann, "general", "mine", 1)["type"], "ok");

        auto second = run_parley({"serve", "--port", "0", "--data", data}, 5s);
        EXPECT_EQ(second.exit_code, 1) << second.output;
        EXPECT_NE(
            second.output.find("parley serve: " + data + " is in use by another parley process"),
            std::string::npos)
            << second.output;

        // The first goes on, and once it has stopped the file is free again.
        EXPECT_EQ(say(ann, "general", "still mine", 2)["type"], "ok");
    }
    EXPECT_EQ(first.stop(SIGTERM), 0);
    ServerProcess third{with_data(data)};
    Client bob(third.port());
    bob.hello("bob");
    EXPECT_EQ(bob.join("general")["history"].size(), 2u);
}

}  // namespace
}  // namespace parley::test
