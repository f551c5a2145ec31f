#include "storage/redis_replica_wait.hpp"

#include <spdlog/spdlog.h>

namespace parley::storage {

void ReplicaWait::after(std::function<void(bool replicated)> then) {
    if (replicas_ <= 0) return then(true);
    waiting_.push_back(std::move(then));
    if (!in_flight_) send_wait();
}

void ReplicaWait::send_wait() {
    in_flight_ = true;
    auto batch = std::make_shared<std::vector<std::function<void(bool)>>>(std::move(waiting_));
    waiting_.clear();
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
    if (!redis_->command({"WAIT", std::to_string(replicas_), std::to_string(timeout_.count())},
                         answer))
        answer(std::nullopt);  // the queue is full: as if Redis could not be asked
}

}  // namespace parley::storage
