#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "redis/pubsub/shard_subscriber.hpp"

namespace parley::cluster {

// The pub/sub channels this node listens to besides the cluster-wide one: a channel's events
// while it has members here, a user's while the user is connected here. Each is counted, so
// that it is subscribed from the first add() to the last remove().
//
// They are sharded pub/sub channels (SSUBSCRIBE), on the master of their slot in a Redis Cluster;
// the subscriber renews them after a connection is lost and says so (resubscribed()).
//
// Threading: add() and remove() may come from any thread and only post to the subscriber's
// strand; the calls for one name must come in the order they happened (they do: the channel
// directory makes them under its shard lock, the nick claims under the registry's order).
// Everything else runs on that strand.
class Subscriptions {
  public:
    explicit Subscriptions(std::shared_ptr<redis::ShardSubscriber> events);

    void add(std::string channel);
    void remove(std::string channel);
    // Runs `then` on the strand once `channel` is subscribed, so that everything published to it
    // afterwards reaches this node; at once when it is not wanted (any more) or the connection
    // is down (the reconnect's catch-up covers that case).
    void when_ready(std::string channel, std::function<void()> then);

    // A subscription was confirmed.
    void confirmed(const std::string& channel);
    // The subscriber lost a connection (a master, a slot) and has subscribed every wanted
    // channel again.
    void resubscribed();

  private:
    struct Wanted {
        int count = 0;
        bool confirmed = false;
        std::vector<std::function<void()>> waiting;
    };

    void release(Wanted& wanted);

    std::shared_ptr<redis::ShardSubscriber> events_;
    std::unordered_map<std::string, Wanted> wanted_;  // strand only
};

}  // namespace parley::cluster
