// The SQLite file while the server runs: other processes, its WAL index, and history reads that
// must not hold up anyone's messages.
#include <gtest/gtest.h>

#include <fstream>

#include "harness.hpp"

namespace parley::test {
namespace {

std::vector<std::string> with_data(const std::string& file, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"--data",  file,      "--rate-per-sec",
                                     "1000000", "--burst", "1000000"};
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

// 50 connections keep 4 history requests each waiting (the most a connection may), for pages
// as large as history gets; one of them then says something. Its `ok` must not wait for the
// reads: it arrives before that connection's own history replies are all in, where a single
// storage queue answers them strictly in order, the `ok` last.
TEST(Storage, ASayIsAcknowledgedWhileTwoHundredHistoryReadsWait) {
    TempDir dir;
    // The disk is not the point here: `normal` keeps fsync out of the commit's time.
    ServerProcess server{
        with_data(dir.file("parley.db"), {"--durability", "normal", "--max-queue-bytes", "16MiB"})};
    Client writer(server.port());
    writer.hello("writer");
    writer.join("archive");
    std::string text(4000, 'x');
    for (int i = 1; i <= 100; ++i) ASSERT_EQ(say(writer, "archive", text, i)["type"], "ok");

    constexpr int readers = 50, reads_each = 4;
    std::vector<std::unique_ptr<Client>> clients;
    for (int c = 0; c < readers; ++c) {
        clients.push_back(std::make_unique<Client>(server.port()));
        clients.back()->hello("reader" + std::to_string(c));
    }
    auto& talker = *clients.back();
    talker.join("lobby");
    for (auto& client : clients)
        for (int r = 1; r <= reads_each; ++r)
            client->send(
                json{{"type", "history"}, {"channel", "archive"}, {"limit", 100}, {"id", r}});
    talker.send(json{{"type", "say"}, {"channel", "lobby"}, {"text", "hi"}, {"id", 99}});

    int pages_before_ok = -1, pages = 0;
    while (pages < reads_each || pages_before_ok < 0) {
        auto frame = talker.next_where(
            [](const json& f) { return f["type"] == "history" || f.value("id", 0) == 99; });
        if (frame["type"] == "history")
            ++pages;
        else if (frame["type"] == "ok")
            pages_before_ok = pages;
        else
            FAIL() << frame.dump();
    }
    EXPECT_LT(pages_before_ok, reads_each) << "the say was acknowledged after every read";

    // Every read is answered in full: none was refused or lost.
    for (auto& client : clients) {
        for (int r = 1; r <= reads_each && client.get() != &talker; ++r) {
            auto page = client->next_where([&](const json& f) { return f.value("id", 0) == r; });
            ASSERT_EQ(page["type"], "history") << page.dump().substr(0, 200);
            EXPECT_EQ(page["messages"].size(), 100u);
        }
    }
}

}  // namespace
}  // namespace parley::test
