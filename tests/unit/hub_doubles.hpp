#pragma once
// Stand-ins for what surrounds the hub in unit tests: a participant that records what it is
// sent, a history whose answers the test releases in the order it chooses, and a cluster link
// that records what the hub tells the other nodes.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "chat/cluster_link.hpp"
#include "chat/participant.hpp"
#include "storage/directory.hpp"
#include "storage/history.hpp"

namespace parley::chat {

using nlohmann::json;
using namespace std::chrono_literals;

// Stands where a WebSocket session would: it keeps every frame the hub delivers.
class RecordingParticipant final : public Participant {
  public:
    explicit RecordingParticipant(std::string id) : id_(std::move(id)) {}
    void deliver(const ws::Frame& frame) override {
        // Skip the WebSocket header: the payload is all that matters here.
        std::size_t header = (static_cast<unsigned char>((*frame)[1]) & 0x7f) == 126 ? 4 : 2;
        std::lock_guard lock(mutex_);
        frames_.push_back(json::parse(frame->substr(header)));
        changed_.notify_all();
    }
    std::string_view session_id() const override { return id_; }
    std::string_view address() const override { return "127.0.0.1"; }
    void close(std::uint16_t code, const char*) override {
        std::lock_guard lock(mutex_);
        closed_with_ = code;
        changed_.notify_all();
    }
    std::uint16_t closed_with() {
        std::lock_guard lock(mutex_);
        return closed_with_;
    }

    json wait_for(const std::string& type, std::size_t nth = 0) {
        std::unique_lock lock(mutex_);
        json found;
        bool ok = changed_.wait_for(lock, 5s, [&] {
            std::size_t seen = 0;
            for (const auto& frame : frames_)
                if (frame["type"] == type && seen++ == nth) {
                    found = frame;
                    return true;
                }
            return false;
        });
        if (!ok) throw std::runtime_error("no " + type + " frame");
        return found;
    }
    std::vector<json> of_type(const std::string& type) {
        std::lock_guard lock(mutex_);
        std::vector<json> found;
        for (const auto& frame : frames_)
            if (frame["type"] == type) found.push_back(frame);
        return found;
    }

  private:
    std::string id_;
    std::uint16_t closed_with_ = 0;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<json> frames_;
};

// History kept in memory whose operations wait until the test runs them: run_all() in order, or
// run(i) to answer the i-th waiting one first. Reads see the log as it is when they run.
class FakeHistory final : public storage::History {
  public:
    bool accepting = true;  // false: every call is refused, as a full queue would be

    bool append(model::ChatMessage message,
                std::function<void(storage::AppendResult)> done) override {
        return queue([this, message, done]() mutable {
            {
                std::lock_guard lock(mutex_);
                auto& log = logs_[message.channel];
                message.seq = static_cast<std::int64_t>(log.size()) + 1;
                log.push_back(message);
            }
            done({true, message});
        });
    }
    // Takes every change, unchecked: the hub parts' tests are about ordering, not the rules
    // storage applies (test_sqlite_changes and the integration tests cover those).
    bool change(model::ChatMessage event, bool,
                std::function<void(storage::AppendResult)> done) override {
        return append(std::move(event), std::move(done));
    }
    bool append_dm(model::DirectMessage message,
                   std::function<void(storage::DmAppendResult)> done) override {
        return queue([message, done] { done({true, message, false}); });
    }
    bool recent(std::string name, int limit, std::function<void(storage::Page)> done) override {
        return queue([this, name, limit, done] { done(page(name, 0, limit)); });
    }
    bool since(std::string name, std::int64_t after, int cap,
               std::function<void(storage::Page)> done) override {
        return queue([this, name, after, cap, done] { done(page(name, after, cap)); });
    }
    bool before(std::string name, std::optional<std::int64_t>, int limit,
                std::function<void(storage::Page)> done) override {
        return queue([this, name, limit, done] { done(page(name, 0, limit)); });
    }
    bool recent_dms(std::string, std::string, int,
                    std::function<void(std::vector<model::DirectMessage>)> done) override {
        return queue([done] { done({}); });
    }
    bool knows_channel(const std::string& name) const override {
        std::lock_guard lock(mutex_);
        return logs_.count(name) > 0;
    }
    void stop() override {}

    std::size_t waiting() const {
        std::lock_guard lock(mutex_);
        return waiting_.size();
    }
    // Waits (a little) for `count` operations to be queued, e.g. from an io thread.
    void expect_waiting(std::size_t count) {
        for (int i = 0; i < 500 && waiting() < count; ++i) std::this_thread::sleep_for(2ms);
        ASSERT_EQ(waiting(), count);
    }
    void run(std::size_t index) {
        std::function<void()> op;
        {
            std::lock_guard lock(mutex_);
            op = std::move(waiting_.at(index));
            waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(index));
        }
        op();
    }
    void run_all() {
        while (waiting() > 0) run(0);
    }

  private:
    bool queue(std::function<void()> op) {
        std::lock_guard lock(mutex_);
        if (!accepting) return false;
        waiting_.push_back(std::move(op));
        return true;
    }
    storage::Page page(const std::string& name, std::int64_t after, int limit) {
        std::lock_guard lock(mutex_);
        storage::Page page;
        const auto& log = logs_[name];
        page.head_seq = static_cast<std::int64_t>(log.size());
        for (const auto& m : log)
            if (m.seq > after) page.messages.push_back(m);
        if (static_cast<int>(page.messages.size()) > limit)
            page.messages.erase(page.messages.begin(), page.messages.end() - limit);
        return page;
    }

    mutable std::mutex mutex_;
    std::deque<std::function<void()>> waiting_;
    std::map<std::string, std::vector<model::ChatMessage>> logs_;
};

// Accounts and channels' authority in memory, answering at once (on the caller's thread, after
// the call has returned its `true`, as a real store's thread would).
class FakeDirectory final : public storage::Directory {
  public:
    bool find_account(
        std::string key,
        std::function<void(Expected<std::optional<storage::Account>>)> done) override {
        std::optional<storage::Account> found;
        if (auto it = accounts_.find(key); it != accounts_.end()) found = it->second;
        done(Expected<std::optional<storage::Account>>(found));
        return true;
    }
    bool create_account(std::string key, std::string nick, std::string hash,
                        std::function<void(Expected<storage::Created>)> done) override {
        auto [it, added] = accounts_.try_emplace(key, storage::Account{nick, hash});
        done(added ? storage::Created::created : storage::Created::exists);
        return true;
    }
    bool set_password(std::string key, std::string hash, std::int64_t tokens_after,
                      std::function<void(Expected<void>)> done) override {
        accounts_[key].password_hash = hash;
        accounts_[key].tokens_after = tokens_after;
        done({});
        return true;
    }
    bool load_channel(std::string name,
                      std::function<void(Expected<model::ChannelAuthority>)> done) override {
        done(Expected<model::ChannelAuthority>(channels_[name]));
        return true;
    }
    bool create_channel(std::string name, std::string owner, bool is_private, std::string topic,
                        std::function<void(Expected<storage::Created>)> done) override {
        auto& channel = channels_[name];
        if (channel.registered) {
            done(storage::Created::exists);
            return true;
        }
        channel.registered = true;
        channel.owner = owner;
        channel.is_private = is_private;
        channel.topic = topic;
        done(storage::Created::created);
        return true;
    }
    bool change_channel(std::string name, model::AuthorityChange change,
                        std::function<void(Expected<void>)> done) override {
        model::apply(channels_[name], change);
        done({});
        return true;
    }
    Expected<std::string> signing_key() override { return std::string("test key"); }
    void stop() override {}

  private:
    std::map<std::string, storage::Account> accounts_;
    std::map<std::string, model::ChannelAuthority> channels_;
};

// A cluster that answers claims as told and records what the hub announces.
class FakeClusterLink final : public ClusterLink {
  public:
    NickClaim answer = NickClaim::claimed;
    std::vector<RemoteMember> remote;  // who read_presence finds on other nodes

    void claim_nick(const std::string& key, const std::string&, bool, const std::string&,
                    std::function<void(NickClaim)> done) override {
        record("claim " + key);
        done(answer);
    }
    void release_nick(const std::string& key) override { record("release " + key); }
    void channel_opened(const std::string& channel) override { record("open " + channel); }
    void channel_closed(const std::string& channel) override { record("close " + channel); }
    void announce_presence(const std::string& channel, const std::string& nick,
                           bool present) override {
        record((present ? "here " : "gone ") + channel + " " + nick);
    }
    void announce_typing(const std::string& channel, const std::string& nick) override {
        record("typing " + channel + " " + nick);
    }
    void read_presence(
        const std::string&,
        std::function<void(std::optional<std::vector<RemoteMember>>)> done) override {
        done(remote);
    }
    std::vector<std::string> said() const {
        std::lock_guard lock(mutex_);
        return said_;
    }

  private:
    void record(std::string line) {
        std::lock_guard lock(mutex_);
        said_.push_back(std::move(line));
    }
    mutable std::mutex mutex_;
    std::vector<std::string> said_;
};

// A guest's hello as `nick`, no token, password or resume id.
inline protocol::Hello guest_hello(const std::string& nick) {
    protocol::Hello hello;
    hello.nick = nick;
    return hello;
}

}  // namespace parley::chat
