// The hub's parts with a history whose answers the test orders and a cluster link that records
// what the hub tells other nodes.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "chat/hub.hpp"
#include "chat/nick_registry.hpp"
#include "hub_doubles.hpp"
#include "storage/sqlite_history.hpp"
#include "storage/sqlite_user_state.hpp"

namespace parley::chat {
namespace {

std::shared_ptr<RecordingParticipant> participant(const std::string& id) {
    return std::make_shared<RecordingParticipant>(id);
}

// ---- NickRegistry --------------------------------------------------------------------------

TEST(NickRegistry, ANickIsHeldIgnoringCaseAndSharedOnlyByTokensForTheSameNick) {
    NickRegistry nicks;
    auto ann = participant("a1");
    EXPECT_EQ(nicks.admit(ann, "ann", "ann", {true, false}, "i"),
              NickRegistry::Admission::admitted);
    EXPECT_EQ(ann->nick(), "ann");
    EXPECT_TRUE(nicks.available("ann", "ann", true)) << "a second device of the same user";
    EXPECT_FALSE(nicks.available("ann", "ann", false)) << "a guest";
    EXPECT_FALSE(nicks.available("ann", "ANN", true)) << "a token for another identity";
    EXPECT_EQ(nicks.admit(participant("x"), "ANN", "ann", {true, false}, "i"),
              NickRegistry::Admission::taken);
    EXPECT_EQ(nicks.admit(participant("a2"), "ann", "ann", {true, false}, "i"),
              NickRegistry::Admission::admitted);
    EXPECT_EQ(nicks.admit(ann, "ann", "ann", {true, false}, "i"),
              NickRegistry::Admission::already_identified);
}

TEST(NickRegistry, AGoneConnectionIsNotAdmitted) {
    NickRegistry nicks;
    auto late = participant("late");
    HubAccess::state(*late).depart();
    EXPECT_EQ(nicks.admit(late, "bob", "bob", {false, false}, "i"), NickRegistry::Admission::gone);
    EXPECT_FALSE(nicks.holder("bob"));
}

TEST(NickRegistry, DirectFramesGoOnlyToWelcomedConnectionsButTheSender) {
    NickRegistry nicks;
    auto phone = participant("phone"), laptop = participant("laptop");
    nicks.admit(phone, "cat", "cat", {true, false}, "i");
    nicks.admit(laptop, "cat", "cat", {true, false}, "i");
    nicks.welcome(phone, "cat", [] {});
    auto frame = ws::make_text_frame(R"({"type":"dm","text":"hi"})");
    nicks.deliver("cat", frame, {});
    EXPECT_EQ(phone->of_type("dm").size(), 1u);
    EXPECT_TRUE(laptop->of_type("dm").empty()) << "not welcomed yet";
    nicks.welcome(laptop, "cat", [] {});
    nicks.deliver("cat", frame, "phone");
    EXPECT_EQ(phone->of_type("dm").size(), 1u);
    EXPECT_EQ(laptop->of_type("dm").size(), 1u);
    EXPECT_TRUE(nicks.remove(phone, "cat"));
    EXPECT_EQ(nicks.holder("cat")->nick, "cat");
    EXPECT_TRUE(nicks.remove(laptop, "cat"));
    EXPECT_FALSE(nicks.holder("cat"));
}

// ---- the hub with ordered storage ----------------------------------------------------------

class HubParts : public ::testing::Test {
  protected:
    explicit HubParts(ClusterLink* cluster = nullptr) {
        HubOptions options;
        options.node = "test";
        options.presence_window = 5ms;
        hub = std::make_unique<Hub>(
            io.get_executor(), options,
            Hub::Services{history, directory, user_state, hasher, failed_logins, metrics}, cluster);
        thread = std::thread([this] { io.run(); });
    }
    ~HubParts() override {
        work.reset();
        io.stop();
        thread.join();
    }
    std::shared_ptr<RecordingParticipant> hello(const std::string& nick) {
        auto p = participant(nick);
        hub->hello(p, std::nullopt, guest_hello(nick), std::nullopt);
        history.run_all();  // the recent dms read before welcome
        p->wait_for("welcome");
        return p;
    }
    // Replies that carry an id, as (type, id) in the order they came.
    static std::vector<std::pair<std::string, std::string>> replies(RecordingParticipant& p) {
        std::vector<std::pair<std::string, std::string>> seen;
        for (const auto& type : {"joined", "left", "error", "ok"})
            for (const auto& frame : p.of_type(type))
                if (frame.contains("id")) seen.emplace_back(type, frame["id"].dump());
        return seen;
    }

    metrics::Metrics metrics;
    FakeHistory history;
    FakeDirectory directory;
    // Persistent users' state in a real database of its own (the history here is scripted).
    storage::SqliteHistory state_file{storage::SqliteOptions{":memory:"}, metrics};
    storage::SqliteUserState user_state{state_file.file(), 1000};
    auth::PasswordHasher hasher{{1, 8}};
    auth::FailureLimiter failed_logins{10, std::chrono::minutes(1)};
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        io.get_executor()};
    std::unique_ptr<Hub> hub;
    std::thread thread;
};

TEST_F(HubParts, AJoinOvertakenByALeaveIsAnsweredAndTheLaterJoinToo) {
    auto ann = hello("ann");
    hub->join(ann, "1", {"g", std::nullopt});
    hub->leave(ann, "2", {"g"});
    hub->join(ann, "3", {"g", std::nullopt});
    EXPECT_EQ(ann->wait_for("left")["id"], 2);
    history.expect_waiting(2);
    history.run_all();
    auto error = ann->wait_for("error");
    EXPECT_EQ(error["id"], 1);
    EXPECT_EQ(error["code"], "not_member");
    EXPECT_EQ(ann->wait_for("joined")["id"], 3);
    EXPECT_EQ(ann->of_type("joined").size(), 1u);
    // The last reply is the truth: ann is a member.
    hub->say(ann, "4", {"g", "still here"});
    history.expect_waiting(1);
    history.run_all();
    EXPECT_EQ(ann->wait_for("ok")["id"], 4);
}

TEST_F(HubParts, WithOthersPresentTheOvertakenJoinDoesNotTakeTheLaterOnesAnswer) {
    auto bob = hello("bob");
    hub->join(bob, std::nullopt, {"g", std::nullopt});
    history.run_all();
    bob->wait_for("joined");
    auto ann = hello("ann");
    hub->join(ann, "1", {"g", std::nullopt});
    hub->leave(ann, "2", {"g"});
    hub->join(ann, "3", {"g", std::nullopt});
    history.expect_waiting(2);
    history.run(1);  // the later join's history arrives first
    history.run(0);
    EXPECT_EQ(ann->wait_for("joined")["id"], 3);
    EXPECT_EQ(ann->wait_for("error")["id"], 1);
    // `left` travels behind the channel's messages, through the io thread (FanOut).
    EXPECT_EQ(ann->wait_for("left")["id"], 2);
    auto seen = replies(*ann);
    EXPECT_EQ(seen.size(), 3u);
}

TEST_F(HubParts, AJoinStorageCannotTakeIsBusyAndLeavesNoTrace) {
    auto ann = hello("ann");
    history.accepting = false;
    hub->join(ann, "1", {"g", std::nullopt});
    EXPECT_EQ(ann->wait_for("error")["code"], "busy");
    EXPECT_FALSE(hub->has_members("g"));
    history.accepting = true;
    hub->join(ann, "2", {"g", std::nullopt});
    history.run_all();
    EXPECT_EQ(ann->wait_for("joined")["id"], 2);
}

TEST_F(HubParts, MessagesCommittedWhileAMemberJoinsReachItOnce) {
    auto ann = hello("ann");
    hub->join(ann, std::nullopt, {"g", std::nullopt});
    history.run_all();
    ann->wait_for("joined");
    hub->say(ann, std::nullopt, {"g", "one"});
    auto bob = hello("bob");                            // "one" is committed meanwhile
    hub->join(bob, std::nullopt, {"g", std::nullopt});  // its read is queued before "two"
    hub->say(ann, std::nullopt, {"g", "two"});
    history.run_all();
    auto joined = bob->wait_for("joined");
    ASSERT_EQ(joined["history"].size(), 1u);
    EXPECT_EQ(joined["history"][0]["seq"], 1);
    hub->say(ann, std::nullopt, {"g", "three"});
    history.run_all();
    ann->wait_for("message", 2);
    EXPECT_EQ(bob->wait_for("message", 1)["seq"], 3);
    auto live = bob->of_type("message");
    ASSERT_EQ(live.size(), 2u) << "seq 1 came in joined, 2 and 3 live";
    EXPECT_EQ(live[0]["seq"], 2);
}

// ---- the hub in a cluster ------------------------------------------------------------------

class ClusteredHub : public HubParts {
  protected:
    ClusteredHub() : HubParts(&cluster_link) {}
    FakeClusterLink cluster_link;
};

TEST_F(ClusteredHub, TheClusterDecidesWhetherANickIsFree) {
    cluster_link.answer = NickClaim::taken;
    auto ann = participant("a");
    hub->hello(ann, "1", guest_hello("ann"), std::nullopt);
    EXPECT_EQ(ann->wait_for("error")["code"], "nick_taken");
    cluster_link.answer = NickClaim::unavailable;
    hub->hello(ann, "2", guest_hello("ann"), std::nullopt);
    EXPECT_EQ(ann->wait_for("error", 1)["code"], "unavailable");
    EXPECT_TRUE(ann->nick().empty());
}

TEST_F(ClusteredHub, PresenceIsAnnouncedOncePerNickAndTakenBackOnLeaving) {
    cluster_link.remote = {{"other", "zed"}};
    auto ann = hello("ann");
    hub->join(ann, std::nullopt, {"g", std::nullopt});
    history.run_all();
    auto joined = ann->wait_for("joined");
    EXPECT_EQ(joined["members"], json::array({"ann", "zed"})) << "other nodes' members too";
    hub->leave(ann, "2", {"g"});
    ann->wait_for("left");
    hub->disconnect(ann);
    EXPECT_EQ(cluster_link.said(),
              (std::vector<std::string>{"claim ann", "open g", "here g ann", "close g",
                                        "gone g ann", "release ann"}));
}

TEST_F(ClusteredHub, AChannelIsOpenedByItsFirstMemberHereAndClosedByItsLast) {
    auto ann = hello("ann");
    auto bob = hello("bob");
    hub->join(ann, std::nullopt, {"g", std::nullopt});
    history.run_all();
    ann->wait_for("joined");
    hub->join(bob, std::nullopt, {"g", std::nullopt});
    history.run_all();
    bob->wait_for("joined");
    auto opened = [&] {
        auto said = cluster_link.said();
        return std::count(said.begin(), said.end(), "open g");
    };
    auto closed = [&] {
        auto said = cluster_link.said();
        return std::count(said.begin(), said.end(), "close g");
    };
    EXPECT_EQ(opened(), 1) << "the second member opens nothing";
    hub->leave(ann, "1", {"g"});
    ann->wait_for("left");
    EXPECT_EQ(closed(), 0) << "bob is still here";
    hub->disconnect(bob);
    EXPECT_EQ(closed(), 1);
    hub->join(ann, std::nullopt, {"g", std::nullopt});
    history.run_all();
    ann->wait_for("joined", 1);
    EXPECT_EQ(opened(), 2) << "a new first member opens it again";
}

TEST_F(ClusteredHub, ADmHeardOnAUsersEventsGoesToThatUsersConnectionsOnly) {
    auto ann = hello("ann");
    auto zed = hello("zed");
    auto& bridge = hub->cluster_listener();
    model::DirectMessage dm{"zed", "ann", "psst", 1, 1};
    bridge.on_cluster_dm(dm, "ann", "");
    EXPECT_EQ(ann->wait_for("dm")["text"], "psst");
    EXPECT_TRUE(zed->of_type("dm").empty()) << "zed's copy comes on zed's own events";
    bridge.on_cluster_dm(dm, "zed", "");
    EXPECT_EQ(zed->wait_for("dm")["text"], "psst");
    EXPECT_EQ(ann->of_type("dm").size(), 1u) << "ann got zed's copy too";
    bridge.on_cluster_dm(dm, "bob", "");  // neither's: nobody
    EXPECT_EQ(ann->of_type("dm").size(), 1u);
    EXPECT_EQ(zed->of_type("dm").size(), 1u);
}

TEST_F(ClusteredHub, WhatOtherNodesSayReachesTheMembersHere) {
    auto ann = hello("ann");
    hub->join(ann, std::nullopt, {"g", std::nullopt});
    history.run_all();
    ann->wait_for("joined");
    auto& bridge = hub->cluster_listener();
    bridge.on_cluster_presence("other", "g", "zed", true);
    EXPECT_EQ(ann->wait_for("presence")["joined"], json::array({"zed"}));
    bridge.on_cluster_message({"g", 1, "zed", "hello", 1});
    bridge.on_cluster_message({"g", 1, "zed", "hello", 1});  // heard twice: delivered once
    EXPECT_EQ(ann->wait_for("message")["text"], "hello");
    bridge.on_node_gone("other");
    EXPECT_EQ(ann->wait_for("presence", 1)["left"], json::array({"zed"}));
    auto registered = bridge.local_registrations();
    ASSERT_EQ(registered.nicks.size(), 1u);
    EXPECT_EQ(registered.nicks[0].nick, "ann");
    EXPECT_EQ(registered.presence,
              (std::vector<std::pair<std::string, std::string>>{{"g", "ann"}}));
    EXPECT_EQ(ann->of_type("message").size(), 1u);
}

TEST_F(ClusteredHub, AGapInWhatTheBusBringsIsFilledFromStorage) {
    auto ann = hello("ann");
    hub->join(ann, std::nullopt, {"g", std::nullopt});
    history.run_all();
    ann->wait_for("joined");
    auto& bridge = hub->cluster_listener();
    // Three messages were stored; the bus lost the first two.
    for (auto text : {"one", "two", "three"}) hub->say(ann, std::nullopt, {"g", text});
    history.run_all();
    bridge.on_cluster_message({"g", 3, "ann", "three", 1});
    history.expect_waiting(1);  // the catch-up read
    history.run_all();
    ann->wait_for("message", 2);
    auto messages = ann->of_type("message");
    ASSERT_EQ(messages.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(messages[i]["seq"], i + 1);
}

}  // namespace
}  // namespace parley::chat
