// The cluster client's view of the cluster: the slot map and one connection per master. All of
// it runs on the client's strand.
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <set>

#include "redis/cluster/client.hpp"
#include "redis/cluster/routing.hpp"

namespace parley::redis::cluster {

namespace asio = boost::asio;

Client::Node& Client::node_for(const Endpoint& endpoint) {
    auto key = node_key(endpoint);
    if (auto it = nodes_.find(key); it != nodes_.end()) return it->second;
    Node node;
    node.endpoint = Endpoint{endpoint.host, endpoint.port, 0};
    // Room for an ASKING beside each command, and for the scripts loaded on connect.
    node.connection =
        std::make_shared<Connection>(strand_.get_inner_executor(), node.endpoint, role_ + " " + key,
                                     2 * max_in_flight_ + 8, metrics_);
    for (const auto* script : scripts_) node.connection->preload(*script);
    std::weak_ptr<Client> weak = shared_from_this();
    node.connection->on_connected = [weak, key] {
        if (auto self = weak.lock())
            asio::post(self->strand_, [self, key] { self->on_node_up(key); });
    };
    node.wait_timer = std::make_unique<asio::steady_timer>(strand_, first_connect_wait);
    node.wait_timer->async_wait([weak, key](boost::system::error_code ec) {
        if (auto self = weak.lock(); self && !ec) self->stop_waiting(key);
    });
    node.connection->start();
    std::lock_guard lock(nodes_mutex_);
    return nodes_.emplace(key, std::move(node)).first->second;
}

void Client::on_node_up(const std::string& key) {
    auto it = nodes_.find(key);
    if (it == nodes_.end() || abandoned_) return;  // no longer a master
    auto& node = it->second;
    node.ever_up = true;
    node.wait_timer->cancel();
    // Before the commands that waited for it, as a single connection runs its hook before the
    // commands queued while it was down.
    if (on_connected) on_connected();
    auto parked = std::move(node.parked);
    node.parked.clear();
    for (auto& waiting : parked) send_to(node.endpoint, std::move(waiting.request), waiting.asking);
}

void Client::stop_waiting(const std::string& key) {
    auto it = nodes_.find(key);
    if (it == nodes_.end() || it->second.ever_up) return;
    auto& node = it->second;
    node.gave_up_waiting = true;
    auto parked = std::move(node.parked);
    node.parked.clear();
    for (auto& waiting : parked) finish(waiting.request, std::nullopt);
    refresh_soon();
}

const Endpoint& Client::any_master() {
    // Keyless commands are spread over the masters that are up.
    const auto& masters = map_->masters();
    for (std::size_t i = 0; i < masters.size(); ++i) {
        const auto& master = masters[(next_any_ + i) % masters.size()];
        auto it = nodes_.find(node_key(master));
        if (it != nodes_.end() && it->second.connection->connected()) {
            next_any_ = (next_any_ + i + 1) % masters.size();
            return master;
        }
    }
    return masters[next_any_++ % masters.size()];
}

void Client::refresh_soon() {
    if (refresh_pending_ || abandoned_) return;
    refresh_pending_ = true;
    auto now = std::chrono::steady_clock::now();
    // After a quiet while, the first trouble is looked into at once.
    if (now - last_refresh_ > 4 * refresh_max) refresh_interval_ = refresh_min;
    refresh_timer_.expires_at(std::max(now, last_refresh_ + refresh_interval_));
    refresh_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->refresh_now();
    });
}

void Client::refresh_now() {
    if (abandoned_) return;
    refresh_pending_ = true;
    last_refresh_ = std::chrono::steady_clock::now();
    // The seed connection first (it walks through the seeds), then every master that is up.
    std::vector<std::shared_ptr<Connection>> candidates;
    if (seed_->connected()) candidates.push_back(seed_);
    for (const auto& [key, node] : nodes_)
        if (node.connection->connected()) candidates.push_back(node.connection);
    ask_slots(std::move(candidates), 0);
}

void Client::ask_slots(std::vector<std::shared_ptr<Connection>> candidates, std::size_t next) {
    if (next >= candidates.size()) return refresh_failed();
    auto connection = candidates[next];
    auto answer = [self = shared_from_this(), candidates, next](Reply reply) mutable {
        asio::post(self->strand_, [self, candidates = std::move(candidates), next,
                                   reply = std::move(reply)]() mutable {
            if (self->abandoned_) return;
            if (reply && !reply->is_error()) {
                auto map = SlotMap::from_cluster_slots(*reply);
                if (map) return self->apply(std::move(*map));
                spdlog::debug("redis {}: {}", self->role_, map.error().message);
            }
            self->ask_slots(std::move(candidates), next + 1);
        });
    };
    if (!connection->command({"CLUSTER", "SLOTS"}, answer)) ask_slots(candidates, next + 1);
}

void Client::refresh_failed() {
    refresh_pending_ = false;
    refresh_interval_ = std::min(refresh_interval_ * 2, std::chrono::milliseconds(refresh_max));
    // Until a map is read nothing can be routed; after that, trouble asked for this read.
    refresh_soon();
}

void Client::apply(SlotMap map) {
    refresh_pending_ = false;
    metrics_.redis_slot_map_refreshes_total.fetch_add(1, std::memory_order_relaxed);
    bool changed = !map_;
    for (int slot = 0; slot < slot_count && !changed; ++slot)
        changed = node_key(map_->master_of(slot)) != node_key(map.master_of(slot));
    // A map that did not change while commands fail: the cluster is still electing; look again
    // less often.
    refresh_interval_ =
        changed ? refresh_min
                : std::min(refresh_interval_ * 2, std::chrono::milliseconds(refresh_max));
    if (changed) spdlog::info("redis {}: slot map read, {} masters", role_, map.masters().size());
    map_ = std::move(map);

    std::set<std::string> masters;
    for (const auto& master : map_->masters()) {
        masters.insert(node_key(master));
        node_for(master);
    }
    // A node that serves no slot any more (a failed master, now a replica or gone) is closed;
    // what waited for it fails as if it could not be reached.
    std::vector<Parked> orphans;
    {
        std::lock_guard lock(nodes_mutex_);
        for (auto it = nodes_.begin(); it != nodes_.end();) {
            if (masters.count(it->first)) {
                ++it;
                continue;
            }
            it->second.connection->close();
            it->second.wait_timer->cancel();
            for (auto& waiting : it->second.parked) orphans.push_back(std::move(waiting));
            it = nodes_.erase(it);
        }
    }
    for (auto& waiting : orphans) finish(waiting.request, std::nullopt);
}

}  // namespace parley::redis::cluster
