#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <vector>

#include "metrics/metrics.hpp"
#include "storage/webhook_outbox.hpp"
#include "webhook/dispatcher.hpp"
#include "webhook/url.hpp"

namespace parley::webhook {

// Every --webhook endpoint's delivery, from one outbox: a Dispatcher per endpoint on the io
// threads, sharing one TLS client context.
class Webhooks {
  public:
    Webhooks(boost::asio::any_io_executor executor, std::vector<Url> endpoints,
             DeliveryOptions options, std::unique_ptr<storage::WebhookOutbox> outbox,
             metrics::Metrics& metrics);
    ~Webhooks();

    void start();
    // Before the io threads stop: no POST starts after it. Stops the outbox's own work too.
    void stop();

  private:
    DeliveryOptions options_;
    boost::asio::ssl::context tls_;
    std::unique_ptr<storage::WebhookOutbox> outbox_;
    std::vector<std::shared_ptr<Dispatcher>> dispatchers_;
};

}  // namespace parley::webhook
