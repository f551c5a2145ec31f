#include "cluster/subscriptions.hpp"

#include <boost/asio/post.hpp>

namespace parley::cluster {

Subscriptions::Subscriptions(std::shared_ptr<redis::ShardSubscriber> events)
    : events_(std::move(events)) {}

void Subscriptions::add(std::string channel) {
    boost::asio::post(events_->executor(), [this, channel = std::move(channel)] {
        auto& wanted = wanted_[channel];
        if (wanted.count++ > 0) return;
        wanted.confirmed = false;
        events_->subscribe(channel);
    });
}

void Subscriptions::remove(std::string channel) {
    boost::asio::post(events_->executor(), [this, channel = std::move(channel)] {
        auto it = wanted_.find(channel);
        if (it == wanted_.end() || --it->second.count > 0) return;
        // Whoever waits for it wanted it for a member that has gone: let it carry on and find so.
        auto waiting = std::move(it->second.waiting);
        wanted_.erase(it);
        events_->unsubscribe(channel);
        for (auto& then : waiting) then();
    });
}

void Subscriptions::when_ready(std::string channel, std::function<void()> then) {
    boost::asio::post(events_->executor(),
                      [this, channel = std::move(channel), then = std::move(then)]() mutable {
                          auto it = wanted_.find(channel);
                          if (it == wanted_.end() || it->second.confirmed || !events_->connected())
                              return then();
                          it->second.waiting.push_back(std::move(then));
                      });
}

void Subscriptions::release(Wanted& wanted) {
    wanted.confirmed = true;
    auto waiting = std::move(wanted.waiting);
    wanted.waiting.clear();
    for (auto& then : waiting) then();
}

void Subscriptions::confirmed(const std::string& channel) {
    // The subscriber confirms only the last of a subscribe, unsubscribe, subscribe in a row.
    auto it = wanted_.find(channel);
    // A confirmation for a subscription given up since: its unsubscribe follows it.
    if (it == wanted_.end()) return;
    release(it->second);
}

void Subscriptions::resubscribed() {
    for (auto& [channel, wanted] : wanted_) release(wanted);
}

}  // namespace parley::cluster
