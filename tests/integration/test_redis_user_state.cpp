// What the server keeps for persistent users in Redis (storage::RedisUserState, and the dms
// RedisHistory numbers into conversations), against a real redis-server: every test runs twice,
// with the single Redis layout on a plain redis-server, and with the cluster layout
// (redis/keys.hpp) on a real Redis Cluster of one master holding every slot. That cluster
// refuses a script whose keys are not all in one slot (CROSSSLOT for its KEYS; for every key it
// touches when the script says `#!lua`), as a cluster of many masters would, so the cluster
// layout's split calls are checked for real; and every script call made in it is also checked
// against redis::cluster::key_slot before it is sent.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <thread>

#include "metrics/metrics.hpp"
#include "redis/bus_event.hpp"
#include "redis/cluster/slots.hpp"
#include "redis/connection.hpp"
#include "redis/keys.hpp"
#include "redis/pubsub/shard_subscriber.hpp"
#include "redis_process.hpp"
#include "storage/redis_history.hpp"
#include "storage/redis_user_state.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;
using redis::keys::Layout;
using storage::Kept;
using storage::Marked;

// The layout for one test: it is process-wide, so it is set back to single after the test.
struct LayoutScope {
    explicit LayoutScope(Layout layout) { redis::keys::set_layout(layout); }
    ~LayoutScope() { redis::keys::set_layout(Layout::single); }
};

std::vector<std::string> server_arguments(Layout layout) {
    if (layout == Layout::single) return {};
    // The cluster bus port would be the client port + 10000, past 65535 for an ephemeral port.
    return {"--cluster-enabled", "yes", "--cluster-port", std::to_string(free_loopback_port())};
}

// One master that owns all 16384 slots: a Redis Cluster that the plain redis::Connection can
// talk to, since no command is ever redirected.
void own_every_slot(RedisProcess& redis) {
    ASSERT_EQ(redis.command("CLUSTER ADDSLOTSRANGE 0 16383"), "+OK");
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    while (redis.command("CLUSTER INFO").find("cluster_state:ok") == std::string::npos) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "cluster_state never ok";
        std::this_thread::sleep_for(50ms);
    }
}

// The real connection, with every script call checked on the way: in the cluster layout all of
// a script's KEYS must share keys[0]'s slot, the slot a Redis Cluster client sends it to.
class SlotChecked final : public redis::Client {
  public:
    explicit SlotChecked(std::shared_ptr<redis::Connection> connection)
        : connection_(std::move(connection)) {}

    void preload(const redis::Script& script) override { connection_->preload(script); }
    void start() override { connection_->start(); }
    bool command(std::vector<std::string> args, Callback done) override {
        return connection_->command(std::move(args), std::move(done));
    }
    bool eval(const redis::Script& script, std::vector<std::string> keys,
              std::vector<std::string> args, Callback done) override {
        if (redis::keys::clustered()) {
            EXPECT_FALSE(keys.empty()) << script.source;
            for (const auto& key : keys)
                EXPECT_EQ(redis::cluster::key_slot(key), redis::cluster::key_slot(keys.front()))
                    << key << " is not in the slot of " << keys.front() << " in" << script.source;
            ++checked_;
        }
        return connection_->eval(script, std::move(keys), std::move(args), std::move(done));
    }
    bool wait_replicas(const std::vector<std::string>& keys, int replicas,
                       std::chrono::milliseconds timeout, Callback done) override {
        return connection_->wait_replicas(keys, replicas, timeout, std::move(done));
    }
    bool connected() const override { return connection_->connected(); }
    boost::asio::any_io_executor executor() override { return connection_->executor(); }
    void abandon() override { connection_->abandon(); }

    int checked() const { return checked_; }

  private:
    std::shared_ptr<redis::Connection> connection_;
    std::atomic<int> checked_{0};
};

class RedisUserStateTest : public ::testing::TestWithParam<Layout> {
  protected:
    RedisUserStateTest()
        : layout_(GetParam()),
          redis_(false, server_arguments(GetParam())),
          guard_(io_.get_executor()) {
        if (GetParam() == Layout::cluster) own_every_slot(redis_);
        redis::Endpoint endpoint{"127.0.0.1", redis_.port(), 0};
        connection_ = std::make_shared<redis::Connection>(io_.get_executor(), endpoint, "test",
                                                          1024, metrics_);
        client_ = std::make_shared<SlotChecked>(connection_);
        events_ = std::make_shared<redis::ShardSubscriber>(
            io_.get_executor(), std::vector<redis::Endpoint>{endpoint}, false, metrics_);
        history_ = std::make_unique<storage::RedisHistory>(
            client_, storage::RedisHistoryOptions{100, 1000, "node-1"}, metrics_);
        state_ = std::make_unique<storage::RedisUserState>(client_);
        // A user's markers are published to the user's own events, which a node subscribes to
        // while the user is connected there: the tests' users' here. Redis confirms the
        // subscriptions in order, so the last confirmation covers both.
        auto heard = [this](const std::string&, std::string payload) {
            auto event = redis::bus::decode(payload);
            if (!event) return;
            if (auto* read = std::get_if<redis::bus::Read>(&*event)) {
                std::lock_guard lock(mutex_);
                reads_.push_back(*read);
            }
        };
        events_->on_message = heard;
        events_->on_confirmed = [this](const std::string& channel) {
            if (channel == redis::keys::user_events("ann")) subscribed_.set_value();
        };
        events_->on_resubscribed = [] {};
        connection_->start();
        events_->start();
        boost::asio::post(events_->executor(), [this] {
            events_->subscribe(redis::keys::user_events("bob"));
            events_->subscribe(redis::keys::user_events("ann"));
        });
        thread_ = std::thread([this] { io_.run(); });
        EXPECT_EQ(subscribed_.get_future().wait_for(5s), std::future_status::ready);
        for (int i = 0; i < 250 && !connection_->connected(); ++i)
            std::this_thread::sleep_for(20ms);
    }
    ~RedisUserStateTest() override {
        // Every cluster test made script calls, each checked.
        if (GetParam() == Layout::cluster) {
            EXPECT_GT(client_->checked(), 0);
        }
        guard_.reset();
        io_.stop();
        thread_.join();
        connection_->abandon();
        events_->abandon();
    }

    // Runs a storage call and waits for its answer.
    template <class T, class F>
    T wait(F&& call) {
        std::promise<T> answer;
        auto future = answer.get_future();
        EXPECT_TRUE(call([&answer](T value) { answer.set_value(std::move(value)); }));
        EXPECT_EQ(future.wait_for(5s), std::future_status::ready);
        return future.get();
    }

    std::int64_t say(const std::string& channel, const std::string& nick, const std::string& text) {
        model::ChatMessage message{channel, 0, nick, text, 1000};
        message.author = model::account_identity(nick);
        auto result =
            wait<storage::AppendResult>([&](auto done) { return history_->append(message, done); });
        EXPECT_TRUE(result.committed);
        return result.message.seq;
    }
    void erase(const std::string& channel, const std::string& nick, std::int64_t target) {
        model::ChatMessage event{channel, 0, nick, "", 1000};
        event.type = model::EventType::deleted;
        event.target = target;
        event.author = model::account_identity(nick);
        auto result = wait<storage::AppendResult>(
            [&](auto done) { return history_->change(event, false, done); });
        EXPECT_TRUE(result.committed);
    }
    storage::DmAppendResult dm(const std::string& from, const std::string& to,
                               const std::string& text, const std::string& key = "") {
        model::DirectMessage message{from, to, text, 2000};
        message.from_identity = model::account_identity(from);
        message.idempotency = key;
        return wait<storage::DmAppendResult>(
            [&](auto done) { return history_->append_dm(message, done); });
    }
    model::UserSnapshot load(const std::string& nick) {
        auto snapshot = wait<Expected<model::UserSnapshot>>([&](auto done) {
            return state_->load(model::nick_key(nick), model::account_identity(nick), nick, 200,
                                done);
        });
        EXPECT_TRUE(snapshot) << snapshot.error().message;
        return snapshot ? *snapshot : model::UserSnapshot{};
    }
    Kept keep(const std::string& user, const std::string& channel, std::size_t max = 10) {
        auto kept = wait<Expected<Kept>>(
            [&](auto done) { return state_->keep_channel(user, channel, max, done); });
        EXPECT_TRUE(kept);
        return kept ? *kept : Kept::too_many;
    }
    Marked mark(const std::string& user, const std::string& channel, std::int64_t seq) {
        auto marked = wait<Expected<Marked>>(
            [&](auto done) { return state_->mark_channel(user, channel, seq, done); });
        EXPECT_TRUE(marked);
        return marked ? *marked : Marked::unchanged;
    }
    storage::ConversationPage page(const std::string& nick, const std::string& with,
                                   std::optional<std::int64_t> before,
                                   std::optional<std::int64_t> since, int limit) {
        auto page = wait<Expected<storage::ConversationPage>>([&](auto done) {
            return state_->conversation(model::account_identity(nick), with, before, since, limit,
                                        done);
        });
        EXPECT_TRUE(page);
        return page ? *page : storage::ConversationPage{};
    }
    std::vector<redis::bus::Read> reads_after_a_while() {
        std::this_thread::sleep_for(200ms);
        std::lock_guard lock(mutex_);
        return reads_;
    }

    LayoutScope layout_;
    RedisProcess redis_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    metrics::Metrics metrics_;
    std::shared_ptr<redis::Connection> connection_;
    std::shared_ptr<redis::ShardSubscriber> events_;
    std::shared_ptr<SlotChecked> client_;
    std::unique_ptr<storage::RedisHistory> history_;
    std::unique_ptr<storage::RedisUserState> state_;
    std::thread thread_;
    std::promise<void> subscribed_;
    std::mutex mutex_;
    std::vector<redis::bus::Read> reads_;
};

std::vector<std::int64_t> seqs(const storage::ConversationPage& page) {
    std::vector<std::int64_t> seqs;
    for (const auto& m : page.messages) seqs.push_back(m.seq);
    return seqs;
}

TEST_P(RedisUserStateTest, WelcomeCountsMessagesFromOthersAfterTheMarkerAndTheMentions) {
    for (int i = 0; i < 3; ++i) say("#a", "bob", "before ann came");
    EXPECT_EQ(keep("ann", "#a"), Kept::kept);
    say("#a", "bob", "hi @Ann");             // 4: unread, a mention
    say("#a", "Ann", "me, @ann");            // 5: her own
    say("#a", "bob", "x");                   // 6: unread
    auto gone = say("#a", "bob", "@ann y");  // 7: deleted below
    erase("#a", "bob", gone);                // 8
    say("#a", "cy", "mail@ann.example");     // 9: unread, no mention
    EXPECT_EQ(keep("ann", "#b"), Kept::kept);
    EXPECT_EQ(keep("ann", "#a"), Kept::kept);  // kept already: keeps its marker and place

    auto snapshot = load("Ann");
    ASSERT_EQ(snapshot.channels.size(), 2u);
    const auto& a = snapshot.channels[0];
    EXPECT_EQ(a.channel, "#a");
    EXPECT_EQ(a.last_seq, 9);
    EXPECT_EQ(a.read_seq, 3);
    EXPECT_EQ(a.unread, 3);
    EXPECT_EQ(a.mentions, 1);
    EXPECT_EQ(snapshot.channels[1].channel, "#b");
    EXPECT_EQ(snapshot.channels[1].last_seq, 0);
    EXPECT_EQ(snapshot.channels[1].unread, 0);
}

TEST_P(RedisUserStateTest, MarkersMoveOnlyForwardAndTellEveryNode) {
    say("#a", "bob", "one");
    keep("ann", "#a");
    say("#a", "bob", "@ann two");
    say("#a", "bob", "three");
    EXPECT_EQ(mark("ann", "#a", 4), Marked::beyond_end);
    EXPECT_EQ(mark("ann", "#b", 1), Marked::not_kept);
    EXPECT_EQ(mark("ann", "#a", 1), Marked::unchanged);
    EXPECT_EQ(mark("ann", "#a", 2), Marked::moved);
    EXPECT_EQ(mark("ann", "#a", 2), Marked::unchanged);
    auto a = load("ann").channels.at(0);
    EXPECT_EQ(a.read_seq, 2);
    EXPECT_EQ(a.unread, 1);
    EXPECT_EQ(a.mentions, 0);
    auto reads = reads_after_a_while();
    ASSERT_EQ(reads.size(), 1u);
    EXPECT_EQ(reads[0].user, "ann");
    EXPECT_EQ(reads[0].place, "#a");
    EXPECT_FALSE(reads[0].conversation);
    EXPECT_EQ(reads[0].seq, 2);
}

TEST_P(RedisUserStateTest, ADroppedChannelIsGoneAndRejoiningStartsAtItsNewestSeq) {
    keep("ann", "#a");
    keep("ann", "#b");
    EXPECT_EQ(keep("ann", "#c", 2), Kept::too_many);
    // Refused, it leaves nothing that would note ann's mentions in #c.
    EXPECT_EQ(redis_.command("HEXISTS " + redis::keys::keeps("ann", "#c") + " #c"), ":0");
    say("#a", "bob", "@ann unread");
    ASSERT_TRUE(
        wait<Expected<void>>([&](auto done) { return state_->drop_channel("ann", "#a", done); }));
    EXPECT_EQ(mark("ann", "#a", 1), Marked::not_kept);
    EXPECT_EQ(keep("ann", "#c", 2), Kept::kept);
    EXPECT_EQ(keep("ann", "#a", 3), Kept::kept);
    auto channels = load("ann").channels;
    ASSERT_EQ(channels.size(), 3u);
    EXPECT_EQ(channels[2].channel, "#a");
    EXPECT_EQ(channels[2].read_seq, 1);
    EXPECT_EQ(channels[2].unread, 0);
    EXPECT_EQ(channels[2].mentions, 0);
}

TEST_P(RedisUserStateTest, DmsToAnOfflinePersistentUserAreNumberedAndWaitForThem) {
    EXPECT_TRUE(dm("ann", "nobody", "hello?").no_such_user);
    EXPECT_TRUE(dm("ann", "carl", "not yet").no_such_user);
    load("Carl");  // a token user who has logged in: kept from now on
    redis_.command("HSET " + redis::keys::account("bob") + " nick Bob hash x created 1");
    for (int i = 1; i <= 3; ++i) {
        auto sent = dm("ann", "bob", "m" + std::to_string(i), "k" + std::to_string(i));
        ASSERT_TRUE(sent.committed);
        EXPECT_EQ(sent.message.seq, i);
        EXPECT_EQ(sent.message.to, "Bob");
        EXPECT_EQ(sent.message.to_identity, "t:Bob");
    }
    auto again = dm("ann", "bob", "m2", "k2");
    EXPECT_TRUE(again.repeated);
    EXPECT_EQ(again.message.seq, 2);
    EXPECT_EQ(again.message.ts, 2000);
    auto to_carl = dm("ann", "CARL", "hi");
    ASSERT_TRUE(to_carl.committed);
    EXPECT_EQ(to_carl.message.to, "Carl");
    EXPECT_EQ(to_carl.message.seq, 1);

    auto bob = load("Bob").conversations;
    ASSERT_EQ(bob.size(), 1u);
    EXPECT_EQ(bob[0].with, "ann");
    EXPECT_EQ(bob[0].last_seq, 3);
    EXPECT_EQ(bob[0].read_seq, 0);
    EXPECT_EQ(bob[0].unread, 3);
    auto ann = load("ann").conversations;
    ASSERT_EQ(ann.size(), 2u);
    EXPECT_EQ(ann[0].with, "Carl");  // newest first
    EXPECT_EQ(ann[1].with, "Bob");
    EXPECT_EQ(ann[1].unread, 0);  // her own

    auto marked = wait<Expected<storage::UserState::ConversationMarked>>(
        [&](auto done) { return state_->mark_conversation("bob", "t:Bob", "ann", 2, done); });
    ASSERT_TRUE(marked);
    EXPECT_EQ(marked->marked, Marked::moved);
    EXPECT_EQ(marked->with, "ann");
    auto beyond = wait<Expected<storage::UserState::ConversationMarked>>(
        [&](auto done) { return state_->mark_conversation("bob", "t:Bob", "ann", 4, done); });
    EXPECT_EQ(beyond->marked, Marked::beyond_end);
    auto none = wait<Expected<storage::UserState::ConversationMarked>>(
        [&](auto done) { return state_->mark_conversation("bob", "t:Bob", "carl", 1, done); });
    EXPECT_EQ(none->marked, Marked::not_kept);
    EXPECT_EQ(load("Bob").conversations.at(0).unread, 1);
    auto reads = reads_after_a_while();
    ASSERT_EQ(reads.size(), 1u);
    EXPECT_EQ(reads[0].user, "bob");
    EXPECT_EQ(reads[0].place, "ann");
    EXPECT_TRUE(reads[0].conversation);

    EXPECT_EQ(seqs(page("Bob", "ann", std::nullopt, std::nullopt, 50)),
              (std::vector<std::int64_t>{1, 2, 3}));
    auto newest = page("Bob", "ann", std::nullopt, std::nullopt, 2);
    EXPECT_EQ(seqs(newest), (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(newest.messages[0].text, "m2");
    EXPECT_EQ(newest.messages[0].from, "ann");
    EXPECT_EQ(seqs(page("ann", "bob", 2, std::nullopt, 50)), (std::vector<std::int64_t>{1}));
    auto since = page("Bob", "ann", std::nullopt, 0, 2);
    EXPECT_EQ(seqs(since), (std::vector<std::int64_t>{2, 3}));
    EXPECT_TRUE(since.gap);
    auto caught_up = page("Bob", "ann", std::nullopt, 3, 2);
    EXPECT_TRUE(caught_up.messages.empty());
    EXPECT_FALSE(caught_up.gap);
    EXPECT_TRUE(page("Bob", "carl", std::nullopt, std::nullopt, 50).messages.empty());
}

TEST_P(RedisUserStateTest, LoadCountsEveryKeptChannelInTheOrderItWasJoined) {
    for (const char* channel : {"#one", "#two", "#three", "#four", "#five"})
        EXPECT_EQ(keep("ann", channel), Kept::kept);
    say("#one", "bob", "@ann look");   // 1: unread, a mention
    say("#one", "bob", "and this");    // 2: unread
    say("#two", "Ann", "mine, @ann");  // 1: her own, not a mention either
    say("#two", "cy", "hello");        // 2: unread
    say("#four", "bob", "@ann old");   // 1: read below
    say("#four", "bob", "@ann new");   // 2: unread, a mention
    EXPECT_EQ(mark("ann", "#four", 1), Marked::moved);
    say("#six", "bob", "@ann before she came");  // 1: not kept then, so never counted
    EXPECT_EQ(keep("ann", "#six"), Kept::kept);
    EXPECT_EQ(keep("ann", "#three"), Kept::kept);  // kept already: stays third

    struct Row {
        std::string channel;
        std::int64_t last, read;
        int unread, mentions;
    };
    std::vector<Row> expected{{"#one", 2, 0, 2, 1},  {"#two", 2, 0, 1, 0},  {"#three", 0, 0, 0, 0},
                              {"#four", 2, 1, 1, 1}, {"#five", 0, 0, 0, 0}, {"#six", 1, 1, 0, 0}};
    auto channels = load("ann").channels;
    ASSERT_EQ(channels.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(channels[i].channel, expected[i].channel) << i;
        EXPECT_EQ(channels[i].last_seq, expected[i].last) << expected[i].channel;
        EXPECT_EQ(channels[i].read_seq, expected[i].read) << expected[i].channel;
        EXPECT_EQ(channels[i].unread, expected[i].unread) << expected[i].channel;
        EXPECT_EQ(channels[i].mentions, expected[i].mentions) << expected[i].channel;
    }
    // Marking all read leaves nothing to count, and a dropped channel is off the list.
    EXPECT_EQ(mark("ann", "#one", 2), Marked::moved);
    ASSERT_TRUE(
        wait<Expected<void>>([&](auto done) { return state_->drop_channel("ann", "#two", done); }));
    channels = load("ann").channels;
    ASSERT_EQ(channels.size(), 5u);
    EXPECT_EQ(channels[0].unread + channels[0].mentions, 0);
    EXPECT_EQ(channels[1].channel, "#three");
}

TEST_P(RedisUserStateTest, ALoadFailsAsAWholeWhenOneChannelCannotBeRead) {
    keep("ann", "#a");
    keep("ann", "#b");
    say("#a", "bob", "@ann hi");
    // #b's counter is not a number any more: reading it fails, and with it the load.
    redis_.command("DEL " + redis::keys::seq("#b"));
    EXPECT_EQ(redis_.command("HSET " + redis::keys::seq("#b") + " x 1"), ":1");
    auto snapshot = wait<Expected<model::UserSnapshot>>([&](auto done) {
        return state_->load("ann", model::account_identity("ann"), "ann", 200, done);
    });
    ASSERT_FALSE(snapshot);
    EXPECT_TRUE(snapshot.error().message.starts_with("redis: ")) << snapshot.error().message;
}

// What makes the cluster runs worth having: this one-master cluster refuses what a cluster of
// many masters would, a script whose keys are in two slots.
TEST_P(RedisUserStateTest, TheClusterRefusesAScriptThatSpansTwoSlots) {
    if (GetParam() != Layout::cluster) GTEST_SKIP() << "a single Redis has no slots";
    auto ask = [&](std::vector<std::string> args) {
        return wait<redis::Client::Reply>(
            [&](auto done) { return connection_->command(std::move(args), done); });
    };
    auto seq = redis::keys::seq("#a"), kept = redis::keys::kept("ann");
    auto declared = ask({"EVAL", "return 1", "2", kept, seq});
    ASSERT_TRUE(declared && declared->is_error());
    EXPECT_TRUE(declared->text.starts_with("CROSSSLOT")) << declared->text;
    auto touched = ask({"EVAL", "#!lua\nreturn redis.call('GET', ARGV[1])", "1", kept, seq});
    ASSERT_TRUE(touched && touched->is_error());
    EXPECT_NE(touched->text.find("do not hash to the same slot"), std::string::npos)
        << touched->text;
    // While the cluster layout's keep, split by slot, is taken.
    EXPECT_EQ(keep("ann", "#a"), Kept::kept);
}

INSTANTIATE_TEST_SUITE_P(Layouts, RedisUserStateTest,
                         ::testing::Values(Layout::single, Layout::cluster), [](const auto& info) {
                             return info.param == Layout::single ? "single" : "cluster";
                         });

}  // namespace
}  // namespace parley::test
