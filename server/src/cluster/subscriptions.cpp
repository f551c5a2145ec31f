#include "cluster/subscriptions.hpp"

#include <boost/asio/post.hpp>

namespace parley::cluster {

Subscriptions::Subscriptions(std::shared_ptr<redis::Connection> bus) : bus_(std::move(bus)) {}

void Subscriptions::add(std::string channel) {
    boost::asio::post(bus_->strand(), [this, channel = std::move(channel)] {
        auto& wanted = wanted_[channel];
        if (wanted.count++ > 0) return;
        wanted.confirmed = false;
        if (bus_->connected()) subscribe(channel);
    });
}

void Subscriptions::remove(std::string channel) {
    boost::asio::post(bus_->strand(), [this, channel = std::move(channel)] {
        auto it = wanted_.find(channel);
        if (it == wanted_.end() || --it->second.count > 0) return;
        // Whoever waits for it wanted it for a member that has gone: let it carry on and find so.
        auto waiting = std::move(it->second.waiting);
        wanted_.erase(it);
        if (bus_->connected()) bus_->unsubscribe_routed(channel);
        for (auto& then : waiting) then();
    });
}

void Subscriptions::when_ready(std::string channel, std::function<void()> then) {
    boost::asio::post(bus_->strand(),
                      [this, channel = std::move(channel), then = std::move(then)]() mutable {
                          auto it = wanted_.find(channel);
                          if (it == wanted_.end() || it->second.confirmed || !bus_->connected())
                              return then();
                          it->second.waiting.push_back(std::move(then));
                      });
}

void Subscriptions::subscribe(const std::string& channel) {
    ++unconfirmed_[channel];
    bus_->subscribe_routed(channel);
}

void Subscriptions::resubscribe() {
    unconfirmed_.clear();  // a new connection: what the old one had sent is gone with it
    for (auto& [channel, wanted] : wanted_) {
        wanted.confirmed = false;
        subscribe(channel);
    }
}

void Subscriptions::confirmed(const std::string& channel) {
    auto sent = unconfirmed_.find(channel);
    if (sent != unconfirmed_.end() && --sent->second > 0) return;  // a later one is on its way
    if (sent != unconfirmed_.end()) unconfirmed_.erase(sent);
    auto it = wanted_.find(channel);
    // A confirmation for a subscription given up since: its unsubscribe follows it.
    if (it == wanted_.end()) return;
    it->second.confirmed = true;
    auto waiting = std::move(it->second.waiting);
    it->second.waiting.clear();
    for (auto& then : waiting) then();
}

}  // namespace parley::cluster
