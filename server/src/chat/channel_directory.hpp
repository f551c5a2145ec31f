#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/channel.hpp"
#include "chat/cluster_link.hpp"
#include "metrics/metrics.hpp"

namespace parley::chat {

using ChannelPtr = std::shared_ptr<Channel>;

// The channels that have members on this node, by name. A channel is created by its first
// member and forgotten when its last one leaves (its history stays in storage); a Channel
// object marked dead is never used again, and a new one takes its name.
//
// Threading: 16 shards, each a mutex around its map. A shard's mutex may be held while taking a
// channel's mutex, never the other way round.
class ChannelDirectory {
  public:
    // `cluster` (null on a single node) is told when a channel is created here and forgotten.
    explicit ChannelDirectory(metrics::Metrics& metrics, ClusterLink* cluster = nullptr)
        : metrics_(metrics), cluster_(cluster) {}

    ChannelPtr find(const std::string& name) const;
    ChannelPtr get_or_create(const std::string& name);
    std::vector<ChannelPtr> all() const;

    // What a removal did, for the caller to announce: the member's nick, and whether it was the
    // nick's last connection in the channel here.
    struct Removal {
        std::string nick;
        bool nick_left = false;
    };
    // Removes the participant and forgets the channel when it empties. `then` runs with the
    // channel's mutex held, after the removal, when the participant was a member.
    void remove_member(const std::string& name, const Participant* participant,
                       const std::function<void(const ChannelPtr&, const Removal&)>& then);

    // The `channels` answer: the largest channels (at most `at_most`), as the JSON array the
    // reply carries. Building it visits every channel, so it is built at most once per `max_age`
    // and shared; while one thread rebuilds it, others are given the previous one.
    std::shared_ptr<const std::string> listing(std::size_t at_most,
                                               std::chrono::milliseconds max_age);

  private:
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, ChannelPtr> channels;
    };
    static constexpr std::size_t shard_count = 16;

    Shard& shard(const std::string& name);
    const Shard& shard(const std::string& name) const;

    metrics::Metrics& metrics_;
    ClusterLink* cluster_;
    std::array<Shard, shard_count> shards_;

    std::mutex listing_mutex_;  // a leaf: taken with no other lock held
    std::shared_ptr<const std::string> listing_;
    std::chrono::steady_clock::time_point listed_at_{};
    bool listing_busy_ = false;
};

}  // namespace parley::chat
