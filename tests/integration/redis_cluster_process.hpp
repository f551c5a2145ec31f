#pragma once
// A real Redis Cluster for tests: masters and replicas as redis-server processes on free ports,
// joined by `redis-cli --cluster create`.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "redis_process.hpp"

namespace parley::test {

class RedisClusterProcess {
  public:
    // `node_timeout`: cluster-node-timeout, how long a master may be silent before its replica
    // takes over.
    explicit RedisClusterProcess(int masters = 3, int replicas_per_master = 1,
                                 std::chrono::milliseconds node_timeout = 1000ms);

    std::size_t size() const { return nodes_.size(); }
    RedisProcess& node(std::size_t i) { return *nodes_[i]; }
    // redis://127.0.0.1:p1,127.0.0.1:p2,... (every node, masters and replicas).
    std::string url() const;
    // Waits until every running node says cluster_state:ok and agrees on the slots' masters.
    void wait_until_ok(std::chrono::milliseconds timeout = default_timeout) const;
    // The ports of the nodes that are masters now (CLUSTER NODES as node `asked` sees it).
    std::vector<std::uint16_t> master_ports(std::size_t asked = 0) const;
    // The index of the node on `port` (size() when there is none).
    std::size_t index_of(std::uint16_t port) const;

    // One inline command, sent to a running node and, when it answers MOVED, to the master it
    // names: the first line of the answer, as RedisProcess::command.
    std::string command(const std::string& line) const;
    // The port of the master serving `key`'s slot now.
    std::uint16_t port_of(const std::string& key) const;

    // Starts one more node and makes it a replica of the master on `master_port`, waiting until
    // it has synchronised: a master with two replicas still has one after a failover.
    void add_replica(std::uint16_t master_port);

  private:
    std::unique_ptr<RedisProcess> start_node() const;

    std::chrono::milliseconds node_timeout_;
    std::vector<std::unique_ptr<RedisProcess>> nodes_;
};

}  // namespace parley::test
