#pragma once

#include <memory>

#include "redis/client.hpp"
#include "redis/url.hpp"
#include "storage/directory.hpp"

namespace parley::storage {

// Accounts and channel authority in Redis, shared by every node of a cluster. Each write is one
// script, atomic; a change to a channel's authority is published on the bus by the same script,
// so every node (this one included) carries it out, in the order Redis stored them. Callbacks
// run on the connection's strand. While Redis cannot be reached every call answers at once
// with a Failure.
class RedisDirectory final : public Directory {
  public:
    // `endpoint`: where `redis` connects, for the one blocking read at start-up.
    RedisDirectory(std::shared_ptr<redis::Client> redis, redis::Endpoint endpoint);
    // On a Redis Cluster: `seeds`, nodes of the cluster, any of which may be asked at start-up.
    RedisDirectory(std::shared_ptr<redis::Client> redis, std::vector<redis::Endpoint> seeds);

    bool find_account(std::string key,
                      std::function<void(Expected<std::optional<Account>>)> done) override;
    bool create_account(std::string key, std::string nick, std::string password_hash,
                        std::function<void(Expected<Created>)> done) override;
    bool set_password(std::string key, std::string password_hash, std::int64_t tokens_after,
                      std::function<void(Expected<void>)> done) override;
    bool load_channel(std::string name,
                      std::function<void(Expected<model::ChannelAuthority>)> done) override;
    bool create_channel(std::string name, std::string owner, bool is_private, std::string topic,
                        std::function<void(Expected<Created>)> done) override;
    bool change_channel(std::string name, model::AuthorityChange change,
                        std::function<void(Expected<void>)> done) override;
    // Made once for all nodes (HSETNX). Blocks, with a connection of its own: Redis must be
    // reachable at start-up unless --auth-secret gives the key.
    Expected<std::string> signing_key() override;
    void stop() override {}

  private:
    std::shared_ptr<redis::Client> redis_;
    std::vector<redis::Endpoint> seeds_;
};

}  // namespace parley::storage
