#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "metrics/metrics.hpp"
#include "model/expected.hpp"
#include "storage/webhook_outbox.hpp"
#include "webhook/url.hpp"

namespace parley::webhook {

struct DeliveryOptions {
    std::string secret;                             // --webhook-secret: signs every body
    std::chrono::milliseconds timeout{10'000};      // --webhook-timeout: one POST, whole
    std::chrono::milliseconds max_age{86'400'000};  // --webhook-max-age: then dropped
    std::chrono::milliseconds first_retry{1'000};   // --webhook-retry-min: doubles each time
    std::chrono::milliseconds max_retry{300'000};   // to this at most
    std::size_t max_in_flight = 4;                  // POSTs at once per endpoint
    std::size_t buffer = 1'000;                     // events held in memory per endpoint
    std::chrono::milliseconds poll{100};            // the outbox is read again this often
};

// Delivers one endpoint's events, all on one strand: reads them from the outbox in order,
// keeps a queue per channel, and POSTs each channel's events one at a time, the next only once
// the previous was answered 2xx (or dropped for its age), so the receiver sees every channel in
// seq order; up to max_in_flight channels at once. A failure (no 2xx answer, no connection, a
// timeout) holds the channel and retries after 1 s, doubling to 5 min, each wait stretched or
// shrunk by up to 20 % at random so that many channels do not retry in step.
class Dispatcher : public std::enable_shared_from_this<Dispatcher> {
  public:
    Dispatcher(boost::asio::any_io_executor executor, boost::asio::ssl::context& tls, Url url,
               std::size_t index, const DeliveryOptions& options, storage::WebhookOutbox& outbox,
               metrics::Metrics& metrics);

    void start();
    void stop();  // no POST starts after it; from any thread

  private:
    struct Channel {
        std::deque<storage::OutboxEvent> events;
        bool busy = false;    // a POST in flight, or waiting to retry
        bool queued = false;  // in ready_
        int attempts = 0;     // of the front event
        std::unique_ptr<boost::asio::steady_timer> retry;
    };

    void poll();
    void on_fetched(std::vector<storage::OutboxEvent> events, std::size_t asked);
    void make_ready(const std::string& name, Channel& channel);
    void pump();
    void send(const std::string& name);
    void on_answer(const std::string& name, const Expected<int>& answer);
    void done_with_front(const std::string& name, Channel& channel);
    bool too_old(const storage::OutboxEvent& event) const;
    std::chrono::milliseconds backoff(int attempts);

    boost::asio::any_io_executor executor_;
    boost::asio::strand<boost::asio::any_io_executor> strand_;
    boost::asio::ssl::context& tls_;
    Url url_;
    std::size_t index_;
    const DeliveryOptions& options_;
    storage::WebhookOutbox& outbox_;
    metrics::Metrics& metrics_;
    boost::asio::steady_timer poll_timer_;
    std::mt19937 random_{std::random_device{}()};

    std::map<std::string, Channel> channels_;
    std::deque<std::string> ready_;  // channels with events and nothing in flight, in turn
    std::size_t buffered_ = 0;
    std::size_t in_flight_ = 0;
    bool fetching_ = false;
    bool stopped_ = false;
    bool failing_ = false;  // logged once when the endpoint starts failing, once when it is back
};

}  // namespace parley::webhook
