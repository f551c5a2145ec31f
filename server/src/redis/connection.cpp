#include "redis/connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <random>

#include "redis/reply.hpp"

namespace parley::redis {

namespace asio = boost::asio;

namespace {

std::chrono::milliseconds backoff(int attempt) {
    static thread_local std::minstd_rand random{std::random_device{}()};
    auto base = std::min(5000, 100 << std::min(attempt, 6));
    std::uniform_int_distribution<int> jitter(-base / 5, base / 5);
    return std::chrono::milliseconds(base + jitter(random));
}

}  // namespace

Script::Script(std::string text) : source(std::move(text)) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(source.data()), source.size(), digest);
    static constexpr char hex[] = "0123456789abcdef";
    for (auto byte : digest) {
        sha1.push_back(hex[byte >> 4]);
        sha1.push_back(hex[byte & 15]);
    }
}

std::vector<std::string> evalsha_command(const Script& script, std::vector<std::string> keys,
                                         std::vector<std::string> args) {
    std::vector<std::string> command;
    command.reserve(3 + keys.size() + args.size());
    command.push_back("EVALSHA");
    command.push_back(script.sha1);
    command.push_back(std::to_string(keys.size()));
    for (auto& key : keys) command.push_back(std::move(key));
    for (auto& arg : args) command.push_back(std::move(arg));
    return command;
}

// One command waiting for its reply; hiredis hands it back as privdata.
struct Connection::Pending {
    Connection* connection;
    Callback done;
    std::chrono::steady_clock::time_point sent = std::chrono::steady_clock::now();
};

// A subscription's handler; hiredis calls it for every message until the context is freed.
struct Connection::Subscription {
    std::function<void(const std::string& channel)> on_confirmed;
    std::function<void(const std::string& channel, std::string payload)> on_message;
};

Connection::Connection(asio::any_io_executor executor, Endpoint endpoint, std::string role,
                       std::size_t max_in_flight, metrics::Metrics& metrics)
    : Connection(std::move(executor), std::vector<Endpoint>{std::move(endpoint)}, std::move(role),
                 max_in_flight, metrics) {}

Connection::Connection(asio::any_io_executor executor, std::vector<Endpoint> endpoints,
                       std::string role, std::size_t max_in_flight, metrics::Metrics& metrics)
    : strand_(asio::make_strand(executor)),
      endpoints_(std::move(endpoints)),
      role_(std::move(role)),
      max_in_flight_(max_in_flight),
      metrics_(metrics),
      resolver_(strand_),
      retry_timer_(strand_),
      socket_(strand_),
      routed_(std::make_unique<Subscription>()) {
    routed_->on_confirmed = [this](const std::string& channel) {
        if (on_routed_confirmed) on_routed_confirmed(channel);
    };
    routed_->on_message = [this](const std::string& channel, std::string payload) {
        if (on_routed_message) on_routed_message(channel, std::move(payload));
    };
}

Connection::~Connection() {
    abandon();
}

void Connection::abandon() {
    abandoned_ = true;
    if (!context_) return;
    context_->data = nullptr;
    redisAsyncFree(context_);  // its cleanup hook releases the descriptor and clears context_
    context_ = nullptr;
}

void Connection::close() {
    asio::post(strand_, [self = shared_from_this()] {
        self->closed_ = true;
        self->retry_timer_.cancel();
        self->resolver_.cancel();
        // Pending commands get nullopt; handle_disconnect sees closed_ and does not reconnect.
        if (self->context_) redisAsyncFree(self->context_);
    });
}

void Connection::start() {
    asio::post(strand_, [self = shared_from_this()] { self->connect(); });
}

void Connection::connect() {
    if (closed_) return;
    const auto& target = endpoint();
    // Resolving on Asio's resolver keeps a DNS lookup (a compose service name) off io threads:
    // hiredis would call a blocking getaddrinfo.
    resolver_.async_resolve(
        target.host, std::to_string(target.port),
        [self = shared_from_this()](boost::system::error_code ec,
                                    asio::ip::tcp::resolver::results_type results) {
            self->on_resolved(ec, results);
        });
}

void Connection::on_resolved(boost::system::error_code ec,
                             const asio::ip::tcp::resolver::results_type& results) {
    if (closed_) return;
    const auto& target = endpoint();
    if (ec || results.empty())
        return schedule_reconnect("cannot resolve " + target.host + ": " + ec.message());
    auto address = results.begin()->endpoint().address().to_string();
    redisAsyncContext* context = redisAsyncConnect(address.c_str(), target.port);
    if (!context) return schedule_reconnect("out of memory");
    if (context->err) {
        std::string why = context->errstr;
        redisAsyncFree(context);
        return schedule_reconnect(why);
    }
    attach(context);
}

void Connection::attach(redisAsyncContext* context) {
    context_ = context;
    // The socket first: setting the connect callback below asks for write readiness at once
    // (a non-blocking connect completes when the socket becomes writable).
    boost::system::error_code ec;
    socket_.assign(context->c.fd, ec);
    if (ec) spdlog::error("redis {}: cannot watch the socket: {}", role_, ec.message());
    context->data = this;
    context->ev.data = this;
    context->ev.addRead = [](void* data) {
        auto* self = static_cast<Connection*>(data);
        self->want_read_ = true;
        self->watch_readable();
    };
    context->ev.delRead = [](void* data) { static_cast<Connection*>(data)->want_read_ = false; };
    context->ev.addWrite = [](void* data) {
        auto* self = static_cast<Connection*>(data);
        self->want_write_ = true;
        self->watch_writable();
    };
    context->ev.delWrite = [](void* data) { static_cast<Connection*>(data)->want_write_ = false; };
    context->ev.cleanup = [](void* data) { static_cast<Connection*>(data)->detach(); };
    redisAsyncSetConnectCallback(context, &Connection::handle_connect);
    redisAsyncSetDisconnectCallback(context, &Connection::handle_disconnect);
}

void Connection::watch_readable() {
    if (read_waiting_ || !context_) return;
    read_waiting_ = true;
    socket_.async_wait(
        asio::posix::stream_descriptor::wait_read,
        [self = shared_from_this(), generation = generation_](boost::system::error_code ec) {
            self->read_waiting_ = false;
            if (ec || generation != self->generation_ || !self->want_read_) return;
            redisAsyncHandleRead(self->context_);
            if (generation == self->generation_) self->watch_readable();
        });
}

void Connection::watch_writable() {
    if (write_waiting_ || !context_) return;
    write_waiting_ = true;
    socket_.async_wait(
        asio::posix::stream_descriptor::wait_write,
        [self = shared_from_this(), generation = generation_](boost::system::error_code ec) {
            self->write_waiting_ = false;
            if (ec || generation != self->generation_ || !self->want_write_) return;
            redisAsyncHandleWrite(self->context_);
            if (generation == self->generation_ && self->want_write_) self->watch_writable();
        });
}

void Connection::detach() {
    ++generation_;
    want_read_ = want_write_ = false;
    socket_.release();  // cancels the waits; hiredis closes the descriptor itself
    context_ = nullptr;
    subscriptions_.clear();  // hiredis has called each one last with no reply
}

void Connection::handle_connect(const redisAsyncContext* context, int status) {
    auto* self = static_cast<Connection*>(context->data);
    if (!self) return;
    if (status != REDIS_OK) {
        // hiredis frees the context after this returns.
        self->schedule_reconnect(context->errstr);
        return;
    }
    auto* mutable_context = const_cast<redisAsyncContext*>(context);
    if (self->endpoint().db != 0) {
        auto db = std::to_string(self->endpoint().db);
        const char* argv[] = {"SELECT", db.c_str()};
        const std::size_t lengths[] = {6, db.size()};
        redisAsyncCommandArgv(mutable_context, nullptr, nullptr, 2, argv, lengths);
    }
    // Connected before the hook runs: what it sends goes out ahead of every queued command.
    self->metrics_.redis_connections_up.fetch_add(1, std::memory_order_relaxed);
    self->connected_.store(true, std::memory_order_release);
    for (const auto* script : self->scripts_)
        self->send_now({"SCRIPT", "LOAD", script->source}, [role = self->role_](Reply reply) {
            if (reply && reply->is_error())
                spdlog::error("redis {}: a script did not load: {}", role, reply->text);
        });
    if (self->on_connected) self->on_connected();
    if (self->ever_connected_) {
        metrics::Metrics& m = self->metrics_;
        m.redis_reconnects_total.fetch_add(1, std::memory_order_relaxed);
        auto outage = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - self->outage_began_);
        spdlog::info("redis {}: connected again to {} after {} ms and {} failed attempts",
                     self->role_, self->endpoint().display(), outage.count(),
                     self->failed_attempts_);
    } else {
        spdlog::info("redis {}: connected to {}", self->role_, self->endpoint().display());
    }
    self->ever_connected_ = true;
    self->outage_logged_ = false;
    self->failed_attempts_ = 0;
}

void Connection::handle_disconnect(const redisAsyncContext* context, int status) {
    auto* self = static_cast<Connection*>(context->data);
    if (!self) return;
    if (self->connected_.exchange(false, std::memory_order_acq_rel))
        self->metrics_.redis_connections_up.fetch_sub(1, std::memory_order_relaxed);
    if (self->closed_) return;
    self->schedule_reconnect(status == REDIS_OK ? "closed by Redis" : context->errstr);
}

void Connection::schedule_reconnect(const std::string& why) {
    if (closed_) return;
    if (!outage_logged_) {
        outage_logged_ = true;
        outage_began_ = std::chrono::steady_clock::now();
        spdlog::warn("redis {}: {} {}: {}; retrying in the background", role_,
                     ever_connected_ ? "lost" : "cannot reach", endpoint().display(), why);
    }
    // The next node, if there are several: this one may be gone for good.
    current_ = (current_ + 1) % endpoints_.size();
    auto delay = backoff(failed_attempts_++);
    retry_timer_.expires_after(delay);
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->connect();
    });
}

bool Connection::command(std::vector<std::string> args, Callback done) {
    if (in_flight_.fetch_add(1, std::memory_order_relaxed) >= max_in_flight_) {
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    asio::post(strand_, [self = shared_from_this(), args = std::move(args),
                         done = std::move(done)]() mutable {
        self->send(std::move(args), std::move(done));
    });
    return true;
}

bool Connection::eval(const Script& script, std::vector<std::string> keys,
                      std::vector<std::string> args, Callback done) {
    return command(evalsha_command(script, std::move(keys), std::move(args)), std::move(done));
}

bool Connection::command_pair(std::vector<std::string> first, std::vector<std::string> second,
                              Callback done) {
    if (in_flight_.fetch_add(2, std::memory_order_relaxed) + 2 > max_in_flight_) {
        in_flight_.fetch_sub(2, std::memory_order_relaxed);
        return false;
    }
    // One task on the strand: hiredis queues both before any other command can be sent.
    asio::post(strand_, [self = shared_from_this(), first = std::move(first),
                         second = std::move(second), done = std::move(done)]() mutable {
        self->send(std::move(first), [](Reply) {});
        self->send(std::move(second), std::move(done));
    });
    return true;
}

void Connection::send_now(std::vector<std::string> args, Callback done) {
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    send(std::move(args), std::move(done));
}

void Connection::send(std::vector<std::string> args, Callback done) {
    if (!context_ || !connected()) {
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        done(std::nullopt);
        return;
    }
    ArgvView view(args);
    auto* pending = new Pending{this, std::move(done)};
    if (redisAsyncCommandArgv(context_, &Connection::handle_reply, pending, view.count(),
                              view.argv.data(), view.lengths.data()) != REDIS_OK) {
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        auto callback = std::move(pending->done);
        delete pending;
        callback(std::nullopt);
    }
}

void Connection::handle_reply(redisAsyncContext*, void* reply, void* privdata) {
    std::unique_ptr<Pending> pending(static_cast<Pending*>(privdata));
    auto* self = pending->connection;
    if (self->abandoned_) return;
    self->in_flight_.fetch_sub(1, std::memory_order_relaxed);
    Reply value;
    if (reply) {
        value = copy_reply(static_cast<redisReply*>(reply));
        self->metrics_.redis_round_trip_seconds.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - pending->sent)
                .count());
    }
    pending->done(std::move(value));
}

void Connection::subscribe(const std::string& channel, std::function<void()> on_confirmed,
                           std::function<void(std::string)> on_message) {
    if (!context_) return;
    subscriptions_.push_back(std::make_unique<Subscription>(
        Subscription{[on_confirmed = std::move(on_confirmed)](const std::string&) {
                         if (on_confirmed) on_confirmed();
                     },
                     [on_message = std::move(on_message)](const std::string&, std::string payload) {
                         on_message(std::move(payload));
                     }}));
    const char* argv[] = {"SUBSCRIBE", channel.c_str()};
    const std::size_t lengths[] = {9, channel.size()};
    redisAsyncCommandArgv(context_, &Connection::handle_message, subscriptions_.back().get(), 2,
                          argv, lengths);
}

void Connection::subscribe_routed(const std::string& channel) {
    if (!context_) return;
    const char* argv[] = {"SUBSCRIBE", channel.c_str()};
    const std::size_t lengths[] = {9, channel.size()};
    redisAsyncCommandArgv(context_, &Connection::handle_message, routed_.get(), 2, argv, lengths);
}

void Connection::unsubscribe_routed(const std::string& channel) {
    if (!context_) return;
    // No callback of its own: hiredis hands the confirmation to the channel's handler, which
    // ignores it, and forgets the handler once no subscription to the channel is pending.
    const char* argv[] = {"UNSUBSCRIBE", channel.c_str()};
    const std::size_t lengths[] = {11, channel.size()};
    redisAsyncCommandArgv(context_, nullptr, nullptr, 2, argv, lengths);
}

void Connection::handle_message(redisAsyncContext* context, void* reply, void* privdata) {
    // The first reply confirms the subscription; then ["message", channel, payload] each time.
    auto* r = static_cast<redisReply*>(reply);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3) return;
    if (r->element[0]->type != REDIS_REPLY_STRING) return;
    if (r->element[1]->type != REDIS_REPLY_STRING) return;
    std::string_view kind(r->element[0]->str, r->element[0]->len);
    std::string channel(r->element[1]->str, r->element[1]->len);
    auto* subscription = static_cast<Subscription*>(privdata);
    if (static_cast<Connection*>(context->data) == nullptr) return;  // abandoned
    if (kind == "subscribe") {
        if (subscription->on_confirmed) subscription->on_confirmed(channel);
    } else if (kind == "message" && r->element[2]->type == REDIS_REPLY_STRING) {
        subscription->on_message(channel, std::string(r->element[2]->str, r->element[2]->len));
    }
}

}  // namespace parley::redis
