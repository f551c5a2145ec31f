#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/channel.hpp"
#include "chat/cluster_link.hpp"
#include "chat/participant.hpp"
#include "metrics/metrics.hpp"
#include "protocol/command.hpp"
#include "protocol/events.hpp"
#include "storage/history.hpp"

namespace parley::chat {

struct HubOptions {
    std::string node;
    protocol::ClientLimits limits;
    std::size_t max_channels_per_session = 100;
    std::size_t presence_limit = 1000;
    std::chrono::milliseconds presence_window{200};
    int join_history = 50;
    int since_cap = 500;
    int welcome_dms = 50;
    int max_history_reads_per_session = 4;  // history requests in flight per connection
};

// The shared meeting place: nicks, channels, membership, presence and fan-out.
//
// Threading: every call may come from any io thread at once. State is split so that no lock is
// global: nicks live in 16 shards and channels in 16 shards (each a mutex around a map), and
// each channel has its own mutex for its members. A broadcast holds one channel's mutex while it
// queues the same frame to each member; queuing never blocks. Appends and history reads go
// through storage and come back as committed messages; each channel's Sequencer hands them to
// members in `seq` order, exactly once, and a member who joins gets only what its `joined`
// history did not have. On a single node the committed message comes straight from storage; in
// a cluster it comes back through Redis from whichever node stored it, this one included.
class Hub final : public ClusterListener {
  public:
    // `executor` runs fan-out and the presence timer on any io thread. `cluster` is null on a
    // single node.
    Hub(boost::asio::any_io_executor executor, HubOptions options, storage::History& history,
        metrics::Metrics& metrics, ClusterLink* cluster = nullptr);

    // `authenticated`: the hello carried a valid token for this nick, which lets several
    // connections share it (one user on several devices).
    void hello(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
               bool authenticated);
    void join(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Join& join);
    void leave(const ParticipantPtr& p, const protocol::RequestId& id,
               const protocol::Leave& leave);
    void say(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Say& say);
    void dm(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Dm& dm);
    void history(const ParticipantPtr& p, const protocol::RequestId& id,
                 const protocol::HistoryQuery& query);
    void who(const ParticipantPtr& p, const protocol::RequestId& id, const protocol::Who& who);
    void channels(const ParticipantPtr& p, const protocol::RequestId& id);
    void typing(const ParticipantPtr& p, const protocol::RequestId& id,
                const protocol::Typing& typing);
    // Leaves every channel and frees the nick. Safe to call more than once.
    void disconnect(const ParticipantPtr& p);

    // Whether a channel exists now or has history: the HTTP API answers 404 otherwise.
    bool channel_known(const std::string& name) const;
    // Whether someone on this node is in the channel now.
    bool has_members(const std::string& name) const { return find_channel(name) != nullptr; }
    storage::History& history_store() { return history_; }

    // ClusterListener
    void on_cluster_message(model::ChatMessage message) override;
    void on_cluster_dm(model::DirectMessage message, const std::string& origin_session) override;
    void on_cluster_presence(const std::string& node, const std::string& channel,
                             const std::string& nick, bool present) override;
    void on_cluster_typing(const std::string& channel, const std::string& nick) override;
    void on_node_gone(const std::string& node) override;
    void on_cluster_reconnected() override;
    LocalRegistrations local_registrations() override;

  private:
    struct Connection {
        ParticipantPtr participant;
        bool welcomed = false;  // direct messages wait until `welcome` has been sent
    };
    struct User {
        std::string nick;
        bool authenticated = false;
        std::vector<Connection> connections;
    };
    template <class Map>
    struct Shard {
        mutable std::mutex mutex;
        Map map;
    };
    static constexpr std::size_t shard_count = 16;
    using ChannelPtr = std::shared_ptr<Channel>;

    Shard<std::unordered_map<std::string, ChannelPtr>>& channel_shard(const std::string& name);
    const Shard<std::unordered_map<std::string, ChannelPtr>>& channel_shard(
        const std::string& name) const;
    Shard<std::unordered_map<std::string, User>>& user_shard(const std::string& key);

    // Adds the connection under its (claimed) nick and sends `welcome`.
    void admit(const ParticipantPtr& p, const protocol::RequestId& id, const std::string& nick,
               const std::string& key, bool authenticated);

    ChannelPtr find_channel(const std::string& name) const;
    ChannelPtr get_or_create_channel(const std::string& name);
    std::vector<ChannelPtr> all_channels() const;
    // Removes the participant; forgets the channel when it empties.
    void remove_member(const std::string& name, const Participant* participant);
    void read_join_history(const ParticipantPtr& p, const protocol::RequestId& id,
                           const ChannelPtr& channel, std::optional<std::int64_t> since);
    // Makes a pending member active once its history is read, then sends it live messages.
    void activate(const ParticipantPtr& p, const protocol::RequestId& id, const ChannelPtr& channel,
                  storage::Page page);
    void abandon_join(const ParticipantPtr& p, const protocol::RequestId& id,
                      const std::string& name, protocol::ErrorCode code,
                      const std::string& message);
    // A committed message, from storage (single node) or from the cluster.
    void deliver_message(model::ChatMessage message);
    // Sends what the sequencer released; call with the channel's mutex held.
    void fan_out(const ChannelPtr& channel, Sequencer::Step step);
    void catch_up(const ChannelPtr& channel, std::int64_t after);
    void deliver_typing(const std::string& channel, const std::string& nick);
    // Queues to every connection of these users that has been welcomed, but the one whose
    // session id is `except_session`.
    void deliver_to_user(const std::string& key, const ws::Frame& frame,
                         std::string_view except_session);
    void deliver_dm(const model::DirectMessage& message, std::string_view origin_session);
    void mark_presence_dirty(const ChannelPtr& channel);  // call with the channel's mutex held
    void flush_presence();

    void reply(const ParticipantPtr& p, const std::string& json);
    void fail(const ParticipantPtr& p, const protocol::RequestId& id, protocol::ErrorCode code,
              const std::string& message);
    // The participant's nick, or empty (and an error sent) when it has not said hello.
    std::string identified_nick(const ParticipantPtr& p, const protocol::RequestId& id);

    boost::asio::any_io_executor executor_;
    HubOptions options_;
    storage::History& history_;
    metrics::Metrics& metrics_;
    ClusterLink* cluster_;
    std::array<Shard<std::unordered_map<std::string, ChannelPtr>>, shard_count> channels_;
    std::array<Shard<std::unordered_map<std::string, User>>, shard_count> users_;

    std::mutex presence_mutex_;
    std::vector<std::weak_ptr<Channel>> presence_dirty_;
    bool presence_flush_armed_ = false;
    boost::asio::steady_timer presence_timer_;
};

}  // namespace parley::chat
