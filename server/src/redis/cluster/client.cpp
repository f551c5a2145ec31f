#include "redis/cluster/client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "redis/cluster/routing.hpp"

namespace parley::redis::cluster {

namespace asio = boost::asio;

Client::Client(asio::any_io_executor executor, std::vector<Endpoint> seeds, std::string role,
               std::size_t max_in_flight, metrics::Metrics& metrics)
    : strand_(asio::make_strand(executor)),
      seeds_(std::move(seeds)),
      role_(std::move(role)),
      max_in_flight_(max_in_flight),
      metrics_(metrics),
      seed_(std::make_shared<Connection>(executor, seeds_, role_ + " slot map", 4, metrics)),
      refresh_timer_(strand_) {}

void Client::start() {
    std::weak_ptr<Client> weak = shared_from_this();
    seed_->on_connected = [weak] {
        if (auto self = weak.lock())
            asio::post(self->strand_, [self] {
                if (!self->map_) self->refresh_now();
            });
    };
    seed_->start();
}

bool Client::command(std::vector<std::string> args, Callback done) {
    if (in_flight_.fetch_add(1, std::memory_order_relaxed) >= max_in_flight_) {
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    auto route = route_of(args);
    if (route.kind == Route::Kind::every) {
        asio::post(strand_, [self = shared_from_this(), args = std::move(args),
                             done = std::move(done)]() mutable {
            self->wait_on_every_master(std::move(args), std::move(done));
        });
        return true;
    }
    auto request = std::make_shared<Request>();
    if (route.kind == Route::Kind::key) request->slot = key_slot(args[route.key]);
    request->args = std::move(args);
    request->done = std::move(done);
    asio::post(strand_, [self = shared_from_this(), request] { self->dispatch(request); });
    return true;
}

bool Client::eval(const Script& script, std::vector<std::string> keys,
                  std::vector<std::string> args, Callback done) {
    // Routed by keys[0], which follows the sha and the count.
    return command(evalsha_command(script, std::move(keys), std::move(args)), std::move(done));
}

bool Client::connected() const {
    std::lock_guard lock(nodes_mutex_);
    if (nodes_.empty()) return false;  // no map yet: nodes are opened from one
    return std::all_of(nodes_.begin(), nodes_.end(),
                       [](const auto& entry) { return entry.second.connection->connected(); });
}

void Client::abandon() {
    abandoned_ = true;
    seed_->abandon();
    std::lock_guard lock(nodes_mutex_);
    for (auto& [key, node] : nodes_) node.connection->abandon();
}

void Client::dispatch(RequestPtr request) {
    if (!map_) {
        finish(request, std::nullopt);
        return refresh_soon();
    }
    Endpoint master = request->slot ? map_->master_of(*request->slot) : any_master();
    send_to(master, std::move(request), false);
}

void Client::send_to(const Endpoint& endpoint, RequestPtr request, bool asking) {
    auto& node = node_for(endpoint);
    if (!node.connection->connected()) {
        if (!node.ever_up && !node.gave_up_waiting) {
            node.parked.push_back({std::move(request), asking});
            return;
        }
        finish(request, std::nullopt);
        return refresh_soon();
    }
    auto reply = [self = shared_from_this(), request](Reply reply) {
        asio::post(self->strand_, [self, request, reply = std::move(reply)]() mutable {
            self->on_reply(request, std::move(reply));
        });
    };
    bool sent = asking ? node.connection->command_pair({"ASKING"}, request->args, reply)
                       : node.connection->command(request->args, reply);
    if (!sent) finish(request, std::nullopt);  // that master is far behind: as if unreachable
}

void Client::on_reply(RequestPtr request, Reply reply) {
    if (abandoned_) return;
    if (!reply) {
        finish(request, std::nullopt);
        return refresh_soon();
    }
    if (reply->is_error()) {
        if (is_unavailable(reply->text)) {
            finish(request, std::nullopt);
            return refresh_soon();
        }
        if (auto redirect = parse_redirect(reply->text)) {
            if (++request->redirects > max_redirects) {
                spdlog::warn("redis {}: gave up on a command after {} redirections (last: {})",
                             role_, max_redirects, reply->text);
                finish(request, std::nullopt);
                return refresh_soon();
            }
            bool moved = redirect->kind == Redirect::Kind::moved;
            metrics_.count_redirect(moved ? metrics::Metrics::RedisRedirect::moved
                                          : metrics::Metrics::RedisRedirect::ask);
            if (moved) {
                // The slot is the named node's for good; the other slots may have moved with it.
                map_->move(*redirect);
                refresh_soon();
            }
            return send_to(redirect->endpoint, std::move(request), !moved);
        }
    }
    finish(request, std::move(reply));
}

void Client::finish(const RequestPtr& request, Reply reply) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    auto done = std::move(request->done);
    done(std::move(reply));
}

bool Client::wait_replicas(const std::vector<std::string>& keys, int replicas,
                           std::chrono::milliseconds timeout, Callback done) {
    if (in_flight_.fetch_add(1, std::memory_order_relaxed) >= max_in_flight_) {
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    std::vector<int> slots;
    for (const auto& key : keys) slots.push_back(key_slot(key));
    std::vector<std::string> args{"WAIT", std::to_string(replicas),
                                  std::to_string(timeout.count())};
    asio::post(strand_, [self = shared_from_this(), args = std::move(args),
                         slots = std::move(slots), done = std::move(done)]() mutable {
        self->wait_on_every_master(std::move(args), std::move(done), std::move(slots));
    });
    return true;
}

void Client::wait_on_every_master(std::vector<std::string> args, Callback done,
                                  std::optional<std::vector<int>> slots) {
    // WAIT counts the replicas that have every write sent before it on its own connection, so
    // each master's connection is asked; the answer is the weakest of them.
    struct Gather {
        std::size_t left = 0;
        bool unreachable = false;
        std::optional<Value> error;
        std::int64_t fewest = 0;
        bool any = false;
        Callback done;
    };
    if (!map_) {
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        done(std::nullopt);
        return refresh_soon();
    }
    auto gather = std::make_shared<Gather>();
    gather->done = std::move(done);
    std::vector<std::shared_ptr<Connection>> connections;
    {
        std::lock_guard lock(nodes_mutex_);
        std::vector<Endpoint> masters;
        if (slots)
            for (int slot : *slots) masters.push_back(map_->master_of(slot));
        else
            masters = map_->masters();
        for (const auto& master : masters)
            if (auto it = nodes_.find(node_key(master)); it != nodes_.end())
                if (std::find(connections.begin(), connections.end(), it->second.connection) ==
                    connections.end())
                    connections.push_back(it->second.connection);
    }
    if (connections.empty()) {
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        return gather->done(std::nullopt);
    }
    gather->left = connections.size();
    auto merge = [self = shared_from_this(), gather](Reply reply) {
        if (!reply)
            gather->unreachable = true;
        else if (reply->is_error())
            gather->error = std::move(*reply);
        else if (reply->type == Value::Type::integer) {
            gather->fewest =
                gather->any ? std::min(gather->fewest, reply->integer) : reply->integer;
            gather->any = true;
        }
        if (--gather->left > 0 || self->abandoned_) return;
        self->in_flight_.fetch_sub(1, std::memory_order_relaxed);
        if (gather->unreachable) {
            self->refresh_soon();
            return gather->done(std::nullopt);
        }
        if (gather->error) return gather->done(std::move(gather->error));
        Value fewest;
        fewest.type = Value::Type::integer;
        fewest.integer = gather->fewest;
        gather->done(std::move(fewest));
    };
    for (const auto& connection : connections) {
        // Every answer comes through the strand, so none completes the gathering mid-loop.
        auto on_strand = [self = shared_from_this(), merge](Reply reply) {
            asio::post(self->strand_,
                       [merge, reply = std::move(reply)]() mutable { merge(std::move(reply)); });
        };
        if (!connection->connected() || !connection->command(args, on_strand))
            on_strand(std::nullopt);
    }
}

}  // namespace parley::redis::cluster
