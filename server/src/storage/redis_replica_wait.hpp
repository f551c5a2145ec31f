#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "redis/client.hpp"

namespace parley::storage {

// --redis-wait-replicas: an acknowledgement waits until that many replicas have the write
// (Redis's WAIT), so that it survives the loss of the master. One WAIT covers every write
// answered before it was sent (a connection's commands run in order), so a stream of writes
// costs one WAIT per round trip to the replicas, not one each.
class ReplicaWait {
  public:
    ReplicaWait(std::shared_ptr<redis::Client> redis, int replicas,
                std::chrono::milliseconds timeout)
        : redis_(std::move(redis)), replicas_(replicas), timeout_(timeout) {}

    bool enabled() const { return replicas_ > 0; }
    // On the client's strand, from a write's callback (`key`: the write's first key, which
    // names its server on a Redis Cluster): `then(true)` once the replicas have every write
    // answered so far, `then(false)` if they do not within the timeout or Redis cannot be
    // asked. At once with true when no replica is waited for.
    void after(const std::string& key, std::function<void(bool replicated)> then);

  private:
    void send_wait();

    std::shared_ptr<redis::Client> redis_;
    int replicas_;
    std::chrono::milliseconds timeout_;
    // Strand only: the writes waiting for the next WAIT, and whether one is on its way.
    std::vector<std::function<void(bool)>> waiting_;
    std::vector<std::string> keys_;  // the waiting writes' keys, one per slot's server at most
    bool in_flight_ = false;
};

}  // namespace parley::storage
