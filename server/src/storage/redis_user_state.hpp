#pragma once

#include <memory>

#include "redis/client.hpp"
#include "storage/user_state.hpp"

namespace parley::storage {

// What the server keeps for persistent users, in Redis, shared by every node of a cluster (the
// layout is in redis/keys.hpp, the scripts in redis_user_state_scripts.hpp). A user's channels
// and markers are keyed by its nick key; conversations, which RedisHistory::append_dm writes,
// by identity. A marker that moved is published to the user's events by the script that stored it,
// and every node (this one included) tells the user's connections.
//
// What `welcome` reads stays bounded and reads no text: per channel a count of the live bits
// after the marker (BITCOUNT), and the user's own messages and mentions that the append script
// noted (at most `max_unread_count` each) while the user kept the channel; per conversation at
// most `max_unread_count + 1` entries after the marker. Callbacks run on the connection's
// strand in the order calls were made. While Redis cannot be reached every call answers at once
// with a Failure.
//
// On a Redis Cluster (redis::keys::clustered(), fixed before this is made) a channel's keys and
// the user's are in different slots, which no one script may span: load, keep_channel,
// drop_channel and mark_channel then run as steps, one script per slot
// (redis_user_state_cluster.cpp), with the same answers.
class RedisUserState final : public UserState {
  public:
    explicit RedisUserState(std::shared_ptr<redis::Client> redis);

    bool load(std::string user, std::string identity, std::string nick, int max_conversations,
              std::function<void(Expected<model::UserSnapshot>)> done) override;
    bool keep_channel(std::string user, std::string channel, std::size_t max_channels,
                      std::function<void(Expected<Kept>)> done) override;
    bool drop_channel(std::string user, std::string channel,
                      std::function<void(Expected<void>)> done) override;
    bool mark_channel(std::string user, std::string channel, std::int64_t seq,
                      std::function<void(Expected<Marked>)> done) override;
    bool mark_conversation(std::string user, std::string identity, std::string with_key,
                           std::int64_t seq,
                           std::function<void(Expected<ConversationMarked>)> done) override;
    bool conversation(std::string identity, std::string with_key,
                      std::optional<std::int64_t> before, std::optional<std::int64_t> since,
                      int limit, std::function<void(Expected<ConversationPage>)> done) override;
    // Nothing waits here: a change is acknowledged once Redis has it.
    void stop() override {}

  private:
    // The cluster layout's steps (redis_user_state_cluster.cpp).
    void preload_clustered();
    bool load_clustered(std::string user, std::string identity, std::string nick,
                        int max_conversations,
                        std::function<void(Expected<model::UserSnapshot>)> done);
    bool keep_clustered(std::string user, std::string channel, std::size_t max_channels,
                        std::function<void(Expected<Kept>)> done);
    bool drop_clustered(std::string user, std::string channel,
                        std::function<void(Expected<void>)> done);
    bool mark_clustered(std::string user, std::string channel, std::int64_t seq,
                        std::function<void(Expected<Marked>)> done);

    std::shared_ptr<redis::Client> redis_;
};

}  // namespace parley::storage
