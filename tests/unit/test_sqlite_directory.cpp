// Accounts, channels' authority and the token signing key in a real SQLite file: what a server
// stores is what it finds again, also after a restart.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "auth/password_hasher.hpp"
#include "authority_text.hpp"
#include "model/message.hpp"
#include "storage/sqlite_directory.hpp"
#include "storage/sqlite_history.hpp"

namespace parley::storage {
namespace {

using namespace std::chrono_literals;
using Action = model::AuthorityChange::Action;
namespace fs = std::filesystem;

constexpr auto patience = 10s;

// What a callback hands over, waited for.
template <class T>
T wait_for(std::future<T> future) {
    if (future.wait_for(patience) != std::future_status::ready)
        throw std::runtime_error("the directory did not answer");
    return future.get();
}

// A database file in a folder of its own, opened as the server opens it (the history migrates
// the file, the directory shares it), and opened again as after a restart.
class SqliteDirectoryTest : public ::testing::Test {
  protected:
    SqliteDirectoryTest() {
        static std::atomic<int> next{0};
        folder_ =
            fs::temp_directory_path() /
            ("parley-directory-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
        fs::create_directories(folder_);
        open();
    }
    ~SqliteDirectoryTest() override {
        close();
        std::error_code ec;
        fs::remove_all(folder_, ec);
    }

    void open() {
        history = std::make_unique<SqliteHistory>(
            SqliteOptions{.path = (folder_ / "parley.db").string(), .fsync_each_commit = false},
            metrics);
        directory = std::make_unique<SqliteDirectory>(history->file(), 64);
    }
    void close() {
        if (directory) directory->stop();
        if (history) history->stop();
        directory.reset();
        history.reset();
    }
    void reopen() {
        close();
        open();
    }

    Created create_account(const std::string& nick, const std::string& hash) {
        std::promise<Expected<Created>> done;
        EXPECT_TRUE(directory->create_account(model::nick_key(nick), nick, hash,
                                              [&](Expected<Created> r) { done.set_value(r); }));
        auto result = wait_for(done.get_future());
        if (!result) throw std::runtime_error(result.error().message);
        return *result;
    }
    std::optional<Account> find_account(const std::string& key) {
        std::promise<Expected<std::optional<Account>>> done;
        EXPECT_TRUE(directory->find_account(
            key, [&](Expected<std::optional<Account>> r) { done.set_value(std::move(r)); }));
        auto result = wait_for(done.get_future());
        if (!result) throw std::runtime_error(result.error().message);
        return *result;
    }
    Created create_channel(const std::string& name, const std::string& owner, bool is_private,
                           const std::string& topic) {
        std::promise<Expected<Created>> done;
        EXPECT_TRUE(directory->create_channel(name, owner, is_private, topic,
                                              [&](Expected<Created> r) { done.set_value(r); }));
        auto result = wait_for(done.get_future());
        if (!result) throw std::runtime_error(result.error().message);
        return *result;
    }
    void change_channel(const std::string& name, const model::AuthorityChange& change) {
        std::promise<Expected<void>> done;
        EXPECT_TRUE(
            directory->change_channel(name, change, [&](Expected<void> r) { done.set_value(r); }));
        auto result = wait_for(done.get_future());
        if (!result) throw std::runtime_error(result.error().message);
    }
    model::ChannelAuthority load_channel(const std::string& name) {
        std::promise<Expected<model::ChannelAuthority>> done;
        EXPECT_TRUE(directory->load_channel(
            name, [&](Expected<model::ChannelAuthority> r) { done.set_value(std::move(r)); }));
        auto result = wait_for(done.get_future());
        if (!result) throw std::runtime_error(result.error().message);
        return *result;
    }

    metrics::Metrics metrics;
    std::unique_ptr<SqliteHistory> history;
    std::unique_ptr<SqliteDirectory> directory;

  private:
    fs::path folder_;
};

TEST_F(SqliteDirectoryTest, ANickHasOneAccountWhateverItsCase) {
    auto hash = auth::PasswordHasher::hash_now("correct horse");
    ASSERT_TRUE(hash);
    EXPECT_EQ(create_account("Ann", *hash), Created::created);
    EXPECT_EQ(create_account("aNN", "$argon2id$other"), Created::exists);
    EXPECT_EQ(create_account("ann", "$argon2id$other"), Created::exists);
    // The first registration stands: its spelling and its password.
    auto found = find_account("ann");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->nick, "Ann");
    EXPECT_TRUE(auth::PasswordHasher::verify_now("correct horse", found->password_hash));
    EXPECT_FALSE(find_account("bob"));
    EXPECT_EQ(create_account("bob", "$argon2id$bob"), Created::created);
    EXPECT_EQ(find_account("bob")->nick, "bob");
}

TEST_F(SqliteDirectoryTest, AccountsAndNewPasswordsOutliveARestart) {
    auto old_hash = auth::PasswordHasher::hash_now("correct horse");
    auto new_hash = auth::PasswordHasher::hash_now("battery staple");
    ASSERT_TRUE(old_hash && new_hash);
    ASSERT_EQ(create_account("Ann", *old_hash), Created::created);
    std::promise<Expected<void>> set;
    EXPECT_EQ(find_account("ann")->tokens_after, 0);
    ASSERT_TRUE(directory->set_password("ann", *new_hash, 1'800'000'000,
                                        [&](Expected<void> r) { set.set_value(r); }));
    ASSERT_TRUE(wait_for(set.get_future()));
    reopen();
    auto found = find_account("ann");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->nick, "Ann");
    // Tokens issued before the change are refused from then on.
    EXPECT_EQ(found->tokens_after, 1'800'000'000);
    EXPECT_FALSE(storage::accepts_token(*found, 1'799'999'999));
    EXPECT_TRUE(storage::accepts_token(*found, 1'800'000'000));
    EXPECT_TRUE(auth::PasswordHasher::verify_now("battery staple", found->password_hash));
    EXPECT_FALSE(auth::PasswordHasher::verify_now("correct horse", found->password_hash));
    EXPECT_EQ(create_account("ANN", "$argon2id$x"), Created::exists);
}

TEST_F(SqliteDirectoryTest, AChannelIsRegisteredOnce) {
    EXPECT_EQ(create_channel("staff", "ann", true, "Plans"), Created::created);
    EXPECT_EQ(create_channel("staff", "bob", false, ""), Created::exists);
    auto staff = load_channel("staff");
    EXPECT_TRUE(staff.registered);
    EXPECT_EQ(staff.owner, "ann") << "the first creator keeps it";
    EXPECT_TRUE(staff.is_private);
    EXPECT_EQ(staff.topic, "Plans");
    // Channel names are case-sensitive, as for join.
    EXPECT_EQ(create_channel("Staff", "bob", false, ""), Created::created);
    EXPECT_EQ(load_channel("Staff").owner, "bob");
}

TEST_F(SqliteDirectoryTest, AChannelWithHistoryExistsAlready) {
    std::promise<AppendResult> stored;
    ASSERT_TRUE(history->append({"general", 0, "gus", "hello", 1},
                                [&](AppendResult r) { stored.set_value(std::move(r)); }));
    ASSERT_TRUE(wait_for(stored.get_future()).committed);
    EXPECT_EQ(create_channel("general", "ann", true, ""), Created::exists);
    EXPECT_FALSE(load_channel("general").registered) << "it stays open, and readable by all";
}

TEST_F(SqliteDirectoryTest, AChannelNeverRegisteredLoadsAsOpen) {
    auto nothing = load_channel("lobby");
    EXPECT_EQ(model::describe(nothing), model::describe(model::ChannelAuthority{}));
}

TEST_F(SqliteDirectoryTest, ChangesAreStoredAsModelApplySaysAndOutliveARestart) {
    ASSERT_EQ(create_channel("staff", "ann", true, "Plans"), Created::created);
    ASSERT_EQ(create_channel("club", "ann", false, ""), Created::created);
    auto staff = load_channel("staff"), club = load_channel("club");
    const std::vector<model::AuthorityChange> changes{
        {Action::topic, "", "Launch day", "ann"},   {Action::role, "Olga", "op", "ann"},
        {Action::role, "Mel", "op", "ann"},         {Action::role, "mel", "member", "ann"},
        {Action::invite, "Ivy", "", "olga"},        {Action::invite, "Sam", "", "olga"},
        {Action::admit, "ivy", "", "ivy"},          {Action::admit, "olga", "", "olga"},
        {Action::kick, "Mel", "off topic", "olga"}, {Action::ban, "Sam", "spam", "olga"},
        {Action::ban, "bart", "flood", "olga"},     {Action::unban, "BART", "", "olga"},
        {Action::mute, "Gus", "", "olga"},          {Action::mute, "mo", "", "olga"},
        {Action::unmute, "MO", "", "olga"},         {Action::role, "Kim", "member", "ann"},
    };
    for (const auto& change : changes) {
        change_channel("staff", change);
        model::apply(staff, change);
        change_channel("club", change);
        model::apply(club, change);
        // Delivered again, as a cluster may: nothing more changes.
        change_channel("staff", change);
    }
    EXPECT_EQ(model::describe(load_channel("staff")), model::describe(staff));
    EXPECT_EQ(model::describe(load_channel("club")), model::describe(club));
    reopen();
    auto stored = load_channel("staff");
    EXPECT_EQ(model::describe(stored), model::describe(staff));
    EXPECT_EQ(model::describe(load_channel("club")), model::describe(club));
    // What a user would see, spelled out once.
    EXPECT_EQ(stored.topic, "Launch day");
    EXPECT_EQ(stored.roles.at("olga"), model::Role::op);
    EXPECT_EQ(stored.roles.at("ivy"), model::Role::member);
    EXPECT_EQ(stored.roles.count("mel"), 0u) << "kicked from a private channel";
    EXPECT_EQ(load_channel("club").roles.at("mel"), model::Role::member) << "a public one";
    EXPECT_TRUE(stored.invited.empty());
    EXPECT_EQ(stored.bans.at("sam"), "spam");
    EXPECT_EQ(stored.bans.count("bart"), 0u);
    EXPECT_EQ(stored.muted, (std::set<std::string>{"gus"}));
}

TEST_F(SqliteDirectoryTest, AnOpenChannelsTopicIsStored) {
    change_channel("lobby", {Action::topic, "", "Say hi", "gus"});
    reopen();
    auto lobby = load_channel("lobby");
    EXPECT_EQ(lobby.topic, "Say hi");
    EXPECT_FALSE(lobby.registered);
    EXPECT_EQ(lobby.owner, "");
}

TEST_F(SqliteDirectoryTest, CallbacksRunOnTheDirectorysThreadInCallOrder) {
    auto caller = std::this_thread::get_id();
    std::vector<int> order;
    std::promise<bool> elsewhere;
    std::promise<void> last;
    ASSERT_TRUE(directory->find_account("ann", [&](Expected<std::optional<Account>>) {
        order.push_back(1);
        elsewhere.set_value(std::this_thread::get_id() != caller);
    }));
    ASSERT_TRUE(directory->create_channel("staff", "ann", false, "",
                                          [&](Expected<Created>) { order.push_back(2); }));
    ASSERT_TRUE(directory->load_channel("staff", [&](Expected<model::ChannelAuthority>) {
        order.push_back(3);
        last.set_value();
    }));
    wait_for(last.get_future());
    EXPECT_TRUE(wait_for(elsewhere.get_future()));
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST_F(SqliteDirectoryTest, TheSigningKeyIsMadeOnceAndKept) {
    auto key = directory->signing_key();
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(key->size(), 64u) << "32 random bytes in hex";
    EXPECT_EQ(key->find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(*directory->signing_key(), *key);
    reopen();
    auto again = directory->signing_key();
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *key) << "tokens signed before a restart stay valid";
}

TEST_F(SqliteDirectoryTest, EachDatabaseHasItsOwnSigningKey) {
    auto key = directory->signing_key();
    metrics::Metrics other_metrics;
    SqliteHistory other_history(SqliteOptions{":memory:"}, other_metrics);
    SqliteDirectory other(other_history.file(), 4);
    auto other_key = other.signing_key();
    ASSERT_TRUE(key && other_key);
    EXPECT_NE(*key, *other_key);
}

}  // namespace
}  // namespace parley::storage
