// The hub with real storage (SQLite in memory) and participants that record what they receive.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "chat/hub.hpp"
#include "hub_doubles.hpp"
#include "storage/sqlite_directory.hpp"
#include "storage/sqlite_history.hpp"
#include "storage/sqlite_user_state.hpp"

namespace parley::chat {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class HubTest : public ::testing::Test {
  protected:
    HubTest() {
        HubOptions options;
        options.node = "test";
        options.presence_window = 20ms;
        hub = std::make_unique<Hub>(
            io.get_executor(), options,
            Hub::Services{history, directory, user_state, hasher, failed_logins, metrics});
        thread = std::thread([this] { io.run(); });
    }
    ~HubTest() override {
        history.stop();
        work.reset();
        io.stop();
        thread.join();
    }
    std::shared_ptr<RecordingParticipant> connect(const std::string& nick) {
        auto p = std::make_shared<RecordingParticipant>(nick);
        hub->hello(p, std::nullopt, guest_hello(nick), std::nullopt);
        p->wait_for("welcome");
        return p;
    }

    metrics::Metrics metrics;
    // Two readers: history pages may come back in another order than they were asked for.
    storage::SqliteHistory history{storage::SqliteOptions{.path = ":memory:", .read_threads = 2},
                                   metrics};
    storage::SqliteDirectory directory{history.file(), 1000};
    storage::SqliteUserState user_state{history.file(), 1000};
    auth::PasswordHasher hasher{{1, 8}};
    auth::FailureLimiter failed_logins{10, std::chrono::minutes(1)};
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        io.get_executor()};
    std::unique_ptr<Hub> hub;
    std::thread thread;
};

TEST_F(HubTest, MessagesReachEveryMemberWithRisingSeq) {
    auto ann = connect("ann"), bob = connect("bob");
    hub->join(ann, std::nullopt, {"general", std::nullopt});
    ann->wait_for("joined");
    hub->join(bob, std::nullopt, {"general", std::nullopt});
    bob->wait_for("joined");
    for (int i = 0; i < 20; ++i) hub->say(ann, std::to_string(i), {"general", "m"});
    for (auto* p : {ann.get(), bob.get()}) {
        p->wait_for("message", 19);
        auto messages = p->of_type("message");
        for (int i = 0; i < 20; ++i) EXPECT_EQ(messages[i]["seq"], i + 1);
    }
    EXPECT_EQ(ann->wait_for("ok", 19)["seq"], 20);
    EXPECT_TRUE(bob->of_type("ok").empty());
}

TEST_F(HubTest, AJoinDuringTrafficSeesEachMessageExactlyOnce) {
    auto ann = connect("ann"), bob = connect("bob");
    hub->join(ann, std::nullopt, {"busy", std::nullopt});
    ann->wait_for("joined");
    std::thread talker([&] {
        for (int i = 0; i < 400; ++i) hub->say(ann, std::nullopt, {"busy", "m"});
    });
    std::this_thread::sleep_for(1ms);
    hub->join(bob, std::nullopt, {"busy", 0});
    talker.join();
    auto joined = bob->wait_for("joined");
    ann->wait_for("message", 399);
    std::vector<std::int64_t> seqs;
    for (const auto& m : joined["history"]) seqs.push_back(m["seq"]);
    auto live_count = 400 - static_cast<int>(seqs.size());
    if (live_count > 0) bob->wait_for("message", static_cast<std::size_t>(live_count - 1));
    for (const auto& m : bob->of_type("message")) seqs.push_back(m["seq"]);
    ASSERT_EQ(seqs.size(), 400u);
    for (int i = 0; i < 400; ++i) EXPECT_EQ(seqs[i], i + 1);
}

TEST_F(HubTest, NicksAreUniqueIgnoringCaseUnlessBothAreAuthenticated) {
    auto ann = connect("ann");
    auto impostor = std::make_shared<RecordingParticipant>("x");
    hub->hello(impostor, std::nullopt, guest_hello("ANN"), std::nullopt);
    EXPECT_EQ(impostor->wait_for("error")["code"], "nick_taken");

    auto phone = std::make_shared<RecordingParticipant>("phone");
    auto laptop = std::make_shared<RecordingParticipant>("laptop");
    hub->hello(phone, std::nullopt, guest_hello("cat"), std::int64_t{0});
    hub->hello(laptop, std::nullopt, guest_hello("cat"), std::int64_t{0});
    phone->wait_for("welcome");
    laptop->wait_for("welcome");
    hub->dm(ann, std::nullopt, {"cat", "to both"});
    EXPECT_EQ(phone->wait_for("dm")["text"], "to both");
    EXPECT_EQ(laptop->wait_for("dm")["text"], "to both");

    hub->disconnect(ann);
    auto again = connect("Ann");
    EXPECT_EQ(again->wait_for("welcome")["nick"], "Ann");
}

TEST_F(HubTest, PresenceGathersAWindowAndSkipsWhatAMemberAlreadyKnows) {
    auto ann = connect("ann"), bob = connect("bob"), cid = connect("cid");
    hub->join(ann, std::nullopt, {"room", std::nullopt});
    ann->wait_for("joined");
    // History reads may finish in any order: bob's join is waited for so that cid comes after.
    hub->join(bob, std::nullopt, {"room", std::nullopt});
    bob->wait_for("joined");
    hub->join(cid, std::nullopt, {"room", std::nullopt});
    EXPECT_EQ(cid->wait_for("joined")["members"], json::array({"ann", "bob", "cid"}));
    // ann hears of both; bob only of cid; cid of nobody: its joined reply said it all.
    auto to_ann = ann->wait_for("presence");
    std::set<std::string> joined(to_ann["joined"].begin(), to_ann["joined"].end());
    if (joined.size() == 1) joined.insert(ann->wait_for("presence", 1)["joined"][0]);
    EXPECT_EQ(joined, (std::set<std::string>{"bob", "cid"}));
    EXPECT_EQ(bob->wait_for("presence")["joined"], json::array({"cid"}));
    std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(cid->of_type("presence").empty());
}

TEST_F(HubTest, LeavingAndDisconnectingUpdateMembership) {
    auto ann = connect("ann"), bob = connect("bob");
    hub->join(ann, std::nullopt, {"room", std::nullopt});
    ann->wait_for("joined");  // before bob's: history reads may finish in any order
    hub->join(bob, std::nullopt, {"room", std::nullopt});
    bob->wait_for("joined");
    EXPECT_EQ(ann->wait_for("presence")["joined"], json::array({"bob"}));
    EXPECT_EQ(metrics.channels.load(), 1);
    hub->leave(bob, "1", {"room"});
    EXPECT_EQ(bob->wait_for("left")["channel"], "room");
    EXPECT_EQ(ann->wait_for("presence", 1)["left"], json::array({"bob"}));
    hub->disconnect(ann);
    EXPECT_EQ(metrics.channels.load(), 0);
    EXPECT_FALSE(hub->channel_known("room")) << "no members and no history";
}

TEST_F(HubTest, AJoinAndLeaveWithinOneWindowAnnounceNothing) {
    auto ann = connect("ann"), bob = connect("bob");
    hub->join(ann, std::nullopt, {"room", std::nullopt});
    ann->wait_for("joined");
    hub->join(bob, std::nullopt, {"room", std::nullopt});
    bob->wait_for("joined");
    hub->leave(bob, "1", {"room"});
    bob->wait_for("left");
    // Ann never saw bob arrive, so she is not told he left either: the first presence she gets
    // is carol's arrival, alone.
    auto carol = connect("carol");
    hub->join(carol, std::nullopt, {"room", std::nullopt});
    auto presence = ann->wait_for("presence");
    EXPECT_EQ(presence["joined"], json::array({"carol"}));
    EXPECT_EQ(presence["left"], json::array());
}

}  // namespace
}  // namespace parley::chat
