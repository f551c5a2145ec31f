#pragma once
// The Redis a cluster test runs on: one redis-server, or a Redis Cluster (three masters, three
// replicas). Tests written against RedisBackend run on both through TEST_P; what only one kind
// can do (stop and restart the single server) is reached through its own type.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "redis_cluster_process.hpp"
#include "redis_process.hpp"

namespace parley::test {

enum class RedisKind { single, cluster };

class RedisBackend {
  public:
    virtual ~RedisBackend() = default;
    // What `--redis` is given: one URL, or every node of the cluster.
    virtual std::string url() const = 0;
    // One inline command, sent to the node that serves its key (the first argument after the
    // command's name); the first line of the answer, as RedisProcess::command.
    virtual std::string command(const std::string& line) const = 0;
    virtual bool clustered() const = 0;
    // The port of the Redis server that holds `key` (the master of its slot in a cluster).
    virtual std::uint16_t port_of(const std::string& key) const = 0;

    // A key of the server's own, outside any channel (accounts, nicks, settings): the layout
    // differs between the two (server/src/redis/keys.hpp tags them {home} in a cluster).
    std::string home_key(std::string_view rest) const;
    // The key of a channel's counter, which decides its slot in a cluster.
    std::string seq_key(const std::string& channel) const;
    // `stem`, or in a cluster the first of stem, stem-1, stem-2... whose keys are served by
    // the same master as `channel`'s: events on one master reach a subscriber in the order
    // they were published, which a test that counts what a node hears depends on.
    std::string channel_beside(const std::string& channel, const std::string& stem) const;
};

class SingleRedis final : public RedisBackend {
  public:
    explicit SingleRedis(bool persistent = true) : process_(persistent) {}
    std::string url() const override { return process_.url(); }
    std::string command(const std::string& line) const override { return process_.command(line); }
    bool clustered() const override { return false; }
    std::uint16_t port_of(const std::string&) const override { return process_.port(); }
    RedisProcess& process() { return process_; }

  private:
    RedisProcess process_;
};

class ClusterRedis final : public RedisBackend {
  public:
    ClusterRedis() = default;
    std::string url() const override { return cluster_.url(); }
    std::string command(const std::string& line) const override { return cluster_.command(line); }
    bool clustered() const override { return true; }
    std::uint16_t port_of(const std::string& key) const override { return cluster_.port_of(key); }
    RedisClusterProcess& process() { return cluster_; }

  private:
    RedisClusterProcess cluster_;
};

std::unique_ptr<RedisBackend> make_redis(RedisKind kind);

// For TEST_P over both kinds: INSTANTIATE_TEST_SUITE_P(, Suite, both_redis_kinds(),
// redis_kind_name) names them Suite.Test/SingleRedis and Suite.Test/RedisCluster.
class OnRedis : public ::testing::TestWithParam<RedisKind> {
  protected:
    std::unique_ptr<RedisBackend> make_redis() const { return test::make_redis(GetParam()); }
};
inline auto both_redis_kinds() {
    return ::testing::Values(RedisKind::single, RedisKind::cluster);
}
std::string redis_kind_name(const ::testing::TestParamInfo<RedisKind>& info);

}  // namespace parley::test
