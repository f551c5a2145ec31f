#include "webhook/dispatcher.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include "model/message.hpp"
#include "webhook/http_post.hpp"
#include "webhook/signature.hpp"

namespace parley::webhook {

namespace asio = boost::asio;
using Result = metrics::Metrics::WebhookResult;

Dispatcher::Dispatcher(asio::any_io_executor executor, asio::ssl::context& tls, Url url,
                       std::size_t index, const DeliveryOptions& options,
                       storage::WebhookOutbox& outbox, metrics::Metrics& metrics)
    : executor_(executor),
      strand_(asio::make_strand(executor)),
      tls_(tls),
      url_(std::move(url)),
      index_(index),
      options_(options),
      outbox_(outbox),
      metrics_(metrics),
      poll_timer_(strand_) {}

void Dispatcher::start() {
    asio::post(strand_, [self = shared_from_this()] { self->poll(); });
}

void Dispatcher::stop() {
    asio::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        self->poll_timer_.cancel();
        for (auto& [name, channel] : self->channels_)
            if (channel.retry) channel.retry->cancel();
    });
}

void Dispatcher::poll() {
    if (stopped_) return;
    // Read more while half the buffer is free; an endpoint that is down holds at most `buffer`
    // events in memory, the rest wait on disk (or in Redis).
    if (!fetching_ && buffered_ <= options_.buffer / 2) {
        fetching_ = true;
        auto asked = options_.buffer - buffered_;
        outbox_.fetch(index_, asked, [self = shared_from_this(), asked](auto events) {
            asio::post(self->strand_, [self, asked, events = std::move(events)]() mutable {
                self->on_fetched(std::move(events), asked);
            });
        });
        return;
    }
    poll_timer_.expires_after(options_.poll);
    poll_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->poll();
    });
}

void Dispatcher::on_fetched(std::vector<storage::OutboxEvent> events, std::size_t asked) {
    fetching_ = false;
    if (stopped_) return;
    bool full = events.size() >= asked;
    buffered_ += events.size();
    for (auto& event : events) {
        auto name = event.channel;
        auto& channel = channels_[name];
        channel.events.push_back(std::move(event));
        make_ready(name, channel);
    }
    pump();
    if (full && buffered_ <= options_.buffer / 2) {
        poll();
        return;
    }
    poll_timer_.expires_after(options_.poll);
    poll_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->poll();
    });
}

void Dispatcher::make_ready(const std::string& name, Channel& channel) {
    if (channel.busy || channel.queued || channel.events.empty()) return;
    channel.queued = true;
    ready_.push_back(name);
}

void Dispatcher::pump() {
    while (!stopped_ && in_flight_ < options_.max_in_flight && !ready_.empty()) {
        auto name = std::move(ready_.front());
        ready_.pop_front();
        auto& channel = channels_[name];
        channel.queued = false;
        send(name);
    }
}

bool Dispatcher::too_old(const storage::OutboxEvent& event) const {
    return model::now_millis() - event.created_ms > options_.max_age.count();
}

void Dispatcher::send(const std::string& name) {
    auto& channel = channels_[name];
    const auto& event = channel.events.front();
    if (too_old(event)) {
        metrics_.count_webhook(Result::dropped);
        spdlog::warn("webhooks: {} seq {} dropped for {}: older than --webhook-max-age",
                     event.channel, event.seq, url_.text);
        outbox_.ack(index_, event);
        return done_with_front(name, channel);
    }
    channel.busy = true;
    ++in_flight_;
    Headers headers{
        {"X-Parley-Signature", signature(options_.secret, event.body)},
        {"X-Parley-Event", event.type},
        // The same for every attempt at one event: what a receiver dedupes on.
        {"X-Parley-Delivery",
         event.channel + ":" + std::to_string(event.seq) + ":" + std::to_string(event.created_ms)},
    };
    post(executor_, tls_, url_, std::move(headers), event.body, options_.timeout,
         [self = shared_from_this(), name](Expected<int> answer) {
             asio::post(self->strand_, [self, name, answer = std::move(answer)] {
                 self->on_answer(name, answer);
             });
         });
}

void Dispatcher::on_answer(const std::string& name, const Expected<int>& answer) {
    --in_flight_;
    auto& channel = channels_[name];
    if (answer && *answer >= 200 && *answer < 300) {
        metrics_.count_webhook(Result::ok);
        if (failing_) spdlog::info("webhooks: {} answers again", url_.text);
        failing_ = false;
        outbox_.ack(index_, channel.events.front());
        channel.busy = false;
        return done_with_front(name, channel);
    }
    metrics_.count_webhook(Result::failed);
    auto why = answer ? "answered " + std::to_string(*answer) : answer.error().message;
    if (!failing_) spdlog::warn("webhooks: {} failed ({}); retrying with backoff", url_.text, why);
    failing_ = true;
    if (stopped_) return;
    auto wait = backoff(++channel.attempts);
    if (!channel.retry) channel.retry = std::make_unique<asio::steady_timer>(strand_);
    channel.retry->expires_after(wait);
    channel.retry->async_wait([self = shared_from_this(), name](boost::system::error_code ec) {
        if (ec) return;
        auto& channel = self->channels_[name];
        channel.busy = false;
        self->make_ready(name, channel);
        self->pump();
    });
    pump();
}

void Dispatcher::done_with_front(const std::string& name, Channel& channel) {
    channel.events.pop_front();
    channel.attempts = 0;
    --buffered_;
    if (channel.events.empty())
        channels_.erase(name);
    else
        make_ready(name, channel);
    pump();
}

std::chrono::milliseconds Dispatcher::backoff(int attempts) {
    auto wait = options_.first_retry;
    for (int i = 1; i < attempts && wait < options_.max_retry; ++i) wait *= 2;
    wait = std::min(wait, options_.max_retry);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    return std::chrono::milliseconds(static_cast<std::int64_t>(wait.count() * jitter(random_)));
}

}  // namespace parley::webhook
