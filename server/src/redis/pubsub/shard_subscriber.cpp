#include "redis/pubsub/shard_subscriber.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <random>
#include <utility>

namespace parley::redis {

namespace asio = boost::asio;

namespace {

// As redis::Connection's: 100 ms doubling to 5 s, give or take a fifth.
// 100 ms doubling to `cap`, with jitter.
std::chrono::milliseconds backoff(int attempt, int cap) {
    static thread_local std::minstd_rand random{std::random_device{}()};
    auto base = std::min(cap, 100 << std::min(attempt, 6));
    std::uniform_int_distribution<int> jitter(-base / 5, base / 5);
    return std::chrono::milliseconds(base + jitter(random));
}

bool same(const Endpoint& a, const Endpoint& b) {
    return a.host == b.host && a.port == b.port;
}

std::string where(const Endpoint& endpoint) {
    return endpoint.host + ":" + std::to_string(endpoint.port);
}

// A pub/sub array ["kind", channel, ...] and its kind; "" for anything else.
std::string_view push_kind(const Value& reply) {
    if (reply.type != Value::Type::array || reply.elements.size() != 3) return {};
    if (reply.elements[0].type != Value::Type::string) return {};
    if (reply.elements[1].type != Value::Type::string) return {};
    return reply.elements[0].text;
}

}  // namespace

ShardSubscriber::ShardSubscriber(asio::any_io_executor executor, std::vector<Endpoint> seeds,
                                 bool cluster, metrics::Metrics& metrics, pubsub::Limits limits)
    : strand_(asio::make_strand(executor)),
      seeds_(std::move(seeds)),
      cluster_(cluster),
      metrics_(metrics),
      limits_(limits),
      repair_timer_(strand_) {}

ShardSubscriber::~ShardSubscriber() {
    abandon();
}

void ShardSubscriber::abandon() {
    abandoned_ = true;
    for (auto& [link, state] : links_) state.link->close();
    if (query_) query_->close();
    repair_timer_.cancel();
}

void ShardSubscriber::start() {
    asio::post(strand_, [self = shared_from_this()] {
        if (self->abandoned_) return;
        self->started_ = true;
        if (self->cluster_) return self->refresh_map();
        self->link_to(self->seeds_.front());  // one connection, wanted channels or not
        self->reconcile();
    });
}

void ShardSubscriber::subscribe(const std::string& channel) {
    auto [it, added] = wanted_.try_emplace(channel);
    if (!added) return;
    ++unconfirmed_;
    if (started_) place(channel, it->second);
}

void ShardSubscriber::unsubscribe(const std::string& channel) {
    auto it = wanted_.find(channel);
    if (it == wanted_.end()) return;
    auto* link = it->second.link;
    home(it->second, nullptr);  // counts it unconfirmed, if it was not already
    --unconfirmed_;             // and it is wanted no more
    wanted_.erase(it);
    if (link) send(links_.at(link), Sent::Kind::unsubscribe, channel);
    check_recovered();  // it may have been the last one missing
}

// Where a channel lives: the one server, or the master of its slot once the map is known.
void ShardSubscriber::place(const std::string& channel, Wanted& wanted) {
    if (cluster_ && !slots_) return;  // placed when the map comes
    const auto& target = cluster_ ? slots_->master_of(cluster::key_slot(channel)) : seeds_.front();
    auto& state = link_to(target);
    home(wanted, state.link.get());
    send(state, Sent::Kind::subscribe, channel);
}

void ShardSubscriber::home(Wanted& wanted, Link* link) {
    if (wanted.link) --links_.at(wanted.link).carried;
    if (wanted.confirmed) ++unconfirmed_;
    wanted.link = link;
    wanted.confirmed = false;
    if (link) ++links_.at(link).carried;
}

void ShardSubscriber::send(LinkState& state, Sent::Kind kind, const std::string& channel) {
    bool subscribing = kind == Sent::Kind::subscribe;
    if (subscribing) ++state.subscribing[channel];
    state.sent.push_back({kind, channel});
    // Past the bound the link fails, and the repair that follows subscribes again.
    state.link->send({subscribing ? "SSUBSCRIBE" : "SUNSUBSCRIBE", channel});
}

ShardSubscriber::LinkState& ShardSubscriber::link_to(const Endpoint& endpoint) {
    for (auto& [link, state] : links_)
        if (same(link->endpoint(), endpoint)) return state;
    auto link =
        std::make_shared<Link>(strand_, endpoint, limits_, static_cast<Link::Owner&>(*this));
    auto& state = links_[link.get()];
    state.link = link;
    link->start();
    return state;
}

void ShardSubscriber::link_up(Link& link) {
    if (&link == query_.get()) return;  // it asks CLUSTER SLOTS, sent already
    auto& state = links_.at(&link);
    state.was_up = true;
    metrics_.redis_connections_up.fetch_add(1, std::memory_order_relaxed);
    if (!ever_up_) {
        spdlog::info("redis shard pub/sub: connected to {}", where(link.endpoint()));
        ever_up_ = true;
    }
    if (!recovering_ && trouble_began_) {
        spdlog::info("redis shard pub/sub: connected to {} after {} failed attempts",
                     where(link.endpoint()), failed_attempts_);
        trouble_began_.reset();
        failed_attempts_ = 0;
    }
    update_connected();
    check_recovered();
}

void ShardSubscriber::link_reply(Link& link, Value reply) {
    if (&link == query_.get()) {
        query_->close();
        query_.reset();
        return on_map(reply);
    }
    auto& state = links_.at(&link);
    auto kind = push_kind(reply);
    if (kind == "smessage") {
        auto it = wanted_.find(reply.elements[1].text);
        // A channel that left this link (unsubscribed, or moved) may still have had messages
        // on their way here; they are not this link's to deliver.
        if (it != wanted_.end() && it->second.link == &link && on_message &&
            reply.elements[2].type == Value::Type::string)
            on_message(it->first, std::move(reply.elements[2].text));
        return;
    }
    const auto& channel = reply.elements.size() > 1 ? reply.elements[1].text : std::string();
    bool answers_unsubscribe = !state.sent.empty() &&
                               state.sent.front().kind == Sent::Kind::unsubscribe &&
                               state.sent.front().channel == channel;
    if (kind == "sunsubscribe" && !answers_unsubscribe) {
        // Unasked: this master no longer serves the channel's slot (it moved, or the master was
        // demoted by a failover). Where it lives now, the map will say.
        auto it = wanted_.find(channel);
        if (it != wanted_.end() && it->second.link == &link) {
            lost_home(it->second, "the slot of " + channel + " left " + where(link.endpoint()));
            refresh_map();
        }
        return;
    }
    if (state.sent.empty()) return link.fail("a reply nobody asked for");
    auto sent = std::move(state.sent.front());
    state.sent.pop_front();
    on_answer(state, sent, reply);
}

void ShardSubscriber::on_answer(LinkState& state, const Sent& sent, const Value& reply) {
    auto& link = *state.link;
    auto kind = push_kind(reply);
    if (sent.kind == Sent::Kind::unsubscribe) {
        // A MOVED here means the channel had left already: unsubscribed all the same.
        if (kind != "sunsubscribe" && !reply.is_error())
            return link.fail("an unexpected answer to SUNSUBSCRIBE");
        if (cluster_ && state.carried == 0 && state.sent.empty())
            asio::post(strand_, [self = shared_from_this()] { self->close_idle_links(); });
        return;
    }
    auto left = --state.subscribing[sent.channel];
    if (left == 0) state.subscribing.erase(sent.channel);
    auto it = wanted_.find(sent.channel);
    bool ours = it != wanted_.end() && it->second.link == &link;
    if (reply.is_error()) {
        if (ours) on_refused(state, sent.channel, reply.text);
        return;
    }
    if (kind != "ssubscribe" || reply.elements[1].text != sent.channel)
        return link.fail("an unexpected answer to SSUBSCRIBE");
    if (!ours || left > 0 || it->second.confirmed) return;  // a later SSUBSCRIBE is on its way
    it->second.confirmed = true;
    --unconfirmed_;
    if (on_confirmed) on_confirmed(sent.channel);
    check_recovered();
}

// SSUBSCRIBE answered with an error: MOVED (the slot lives elsewhere; go there at once and read
// the whole map again, since a slot seldom moves alone) or anything else (CLUSTERDOWN,
// TRYAGAIN...: try again later).
void ShardSubscriber::on_refused(LinkState& state, const std::string& channel,
                                 const std::string& error) {
    auto& wanted = wanted_.at(channel);
    auto redirect = cluster::parse_redirect(error);
    lost_home(wanted, "SSUBSCRIBE " + channel + " on " + where(state.link->endpoint()) +
                          " answered: " + error);
    if (cluster_ && slots_ && redirect && redirect->kind == cluster::Redirect::Kind::moved) {
        slots_->move(*redirect);
        place(channel, wanted);
        refresh_map();
    } else {
        schedule_repair();
    }
}

void ShardSubscriber::lost_home(Wanted& wanted, const std::string& why) {
    home(wanted, nullptr);
    recovering_ = true;
    trouble(why);
    update_connected();
}

void ShardSubscriber::link_down(Link& link, const std::string& why) {
    if (&link == query_.get()) {
        query_.reset();
        trouble("cannot read the slot map from " + where(link.endpoint()) + ": " + why);
        return schedule_repair();
    }
    auto found = links_.find(&link);
    if (found == links_.end()) return;
    auto& state = found->second;
    // Only a connection that was up can have had subscriptions confirmed, and so missed
    // messages; the channels of one that never came up are confirmed when they find a home.
    if (state.was_up && (state.carried > 0 || !cluster_)) recovering_ = true;
    for (auto& [channel, wanted] : wanted_)
        if (wanted.link == &link) home(wanted, nullptr);
    trouble((state.was_up ? "lost " : "cannot reach ") + where(link.endpoint()) + ": " + why);
    drop_link(&link);
    update_connected();
    schedule_repair();
}

void ShardSubscriber::drop_link(Link* link) {
    auto it = links_.find(link);
    if (it == links_.end()) return;
    if (it->second.was_up) metrics_.redis_connections_up.fetch_sub(1, std::memory_order_relaxed);
    it->second.link->close();
    links_.erase(it);
}

// A master none of the wanted channels lives on any more needs no connection.
void ShardSubscriber::close_idle_links() {
    if (!cluster_ || abandoned_) return;
    std::vector<Link*> idle;
    for (auto& [link, state] : links_)
        if (state.carried == 0 && state.sent.empty()) idle.push_back(link);
    for (auto* link : idle) drop_link(link);
}

// Every wanted channel where the map says it lives: moved off a master that no longer has its
// slot, placed if it had no home.
void ShardSubscriber::reconcile() {
    if (abandoned_) return;
    for (auto& [channel, wanted] : wanted_) {
        if (wanted.link) {
            if (!cluster_ ||
                same(wanted.link->endpoint(), slots_->master_of(cluster::key_slot(channel))))
                continue;
            auto* old = wanted.link;
            home(wanted, nullptr);
            send(links_.at(old), Sent::Kind::unsubscribe, channel);
            recovering_ = true;
        }
        place(channel, wanted);
    }
    close_idle_links();
    update_connected();
    check_recovered();
}

void ShardSubscriber::refresh_map() {
    if (!cluster_ || abandoned_) return;
    if (query_) {
        query_again_ = true;
        return;
    }
    // The seeds in turn, then the masters last known: a seed may be down for good.
    std::vector<Endpoint> candidates = seeds_;
    if (slots_)
        for (const auto& master : slots_->masters()) candidates.push_back(master);
    const auto& asked = candidates[next_seed_++ % candidates.size()];
    query_ = std::make_shared<Link>(strand_, asked, limits_, static_cast<Link::Owner&>(*this));
    query_->send({"CLUSTER", "SLOTS"});
    query_->start();
}

void ShardSubscriber::on_map(const Value& reply) {
    auto map = reply.is_error() ? Expected<cluster::SlotMap>(Failure{reply.text})
                                : cluster::SlotMap::from_cluster_slots(reply);
    if (!map) {
        trouble("the slot map is not usable: " + map.error().message);
        return schedule_repair();
    }
    bool first = !slots_;
    slots_ = std::move(*map);
    if (first)
        spdlog::info("redis shard pub/sub: the cluster has {} masters", slots_->masters().size());
    if (std::exchange(query_again_, false)) refresh_map();
    reconcile();
}

void ShardSubscriber::schedule_repair() {
    if (repair_scheduled_ || abandoned_) return;
    repair_scheduled_ = true;
    // One Redis that is down may stay down a while: back off to 5 s. On a cluster the repair is
    // mostly reading the map until a replica is promoted, which takes about the cluster's node
    // timeout (seconds): a map read is cheap, and backing off further would keep the channels
    // of the promoted master unheard for seconds after writes to it resumed.
    repair_timer_.expires_after(backoff(failed_attempts_++, cluster_ ? 1000 : 5000));
    repair_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        self->repair_scheduled_ = false;
        if (ec || self->abandoned_) return;
        if (self->cluster_) return self->refresh_map();
        if (self->links_.empty()) self->link_to(self->seeds_.front());
        self->reconcile();
    });
}

void ShardSubscriber::trouble(const std::string& why) {
    if (trouble_began_) return;
    trouble_began_ = std::chrono::steady_clock::now();
    spdlog::warn("redis shard pub/sub: {}; subscribing again in the background", why);
}

void ShardSubscriber::check_recovered() {
    if (!recovering_ || unconfirmed_ > 0 || abandoned_) return;
    if (cluster_ ? !slots_ : (links_.empty() || !links_.begin()->second.link->up())) return;
    for (auto& [link, state] : links_)
        if (!link->up()) return;
    recovering_ = false;
    metrics_.redis_reconnects_total.fetch_add(1, std::memory_order_relaxed);
    auto took = trouble_began_ ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - *trouble_began_)
                               : std::chrono::milliseconds(0);
    spdlog::info(
        "redis shard pub/sub: all {} channels subscribed again after {} ms and {} "
        "failed attempts",
        wanted_.size(), took.count(), failed_attempts_);
    trouble_began_.reset();
    failed_attempts_ = 0;
    update_connected();
    if (on_resubscribed) on_resubscribed();
}

void ShardSubscriber::update_connected() {
    bool up = !recovering_ && (cluster_ ? slots_.has_value()
                                        : !links_.empty() && links_.begin()->second.link->up());
    connected_.store(up, std::memory_order_release);
}

}  // namespace parley::redis
