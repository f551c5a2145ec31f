#include "storage/redis_replica_wait.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace parley::storage {

void ReplicaWait::after(const std::string& key, std::function<void(bool replicated)> then) {
    if (replicas_ <= 0) return then(true);
    waiting_.push_back(std::move(then));
    // Few distinct keys per batch in practice (the channels and users written since the last
    // WAIT); the client asks each of their servers once.
    if (std::find(keys_.begin(), keys_.end(), key) == keys_.end()) keys_.push_back(key);
    if (!in_flight_) send_wait();
}

void ReplicaWait::send_wait() {
    in_flight_ = true;
    auto batch = std::make_shared<std::vector<std::function<void(bool)>>>(std::move(waiting_));
    waiting_.clear();
    auto keys = std::move(keys_);
    keys_.clear();
    auto answer = [this, batch](redis::Client::Reply reply) {
        bool replicated =
            reply && reply->type == redis::Value::Type::integer && reply->integer >= replicas_;
        if (reply && !replicated)
            spdlog::warn("redis: {} of {} replicas confirmed writes within {} ms{}",
                         reply->type == redis::Value::Type::integer ? reply->integer : 0, replicas_,
                         timeout_.count(), reply->is_error() ? ": " + reply->text : std::string());
        in_flight_ = false;
        for (auto& then : *batch) then(replicated);
        if (!waiting_.empty()) send_wait();
    };
    if (!redis_->wait_replicas(keys, replicas_, timeout_, answer))
        answer(std::nullopt);  // the queue is full: as if Redis could not be asked
}

}  // namespace parley::storage
