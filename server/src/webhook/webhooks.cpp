#include "webhook/webhooks.hpp"

#include "webhook/http_post.hpp"

namespace parley::webhook {

Webhooks::Webhooks(boost::asio::any_io_executor executor, std::vector<Url> endpoints,
                   DeliveryOptions options, std::unique_ptr<storage::WebhookOutbox> outbox,
                   metrics::Metrics& metrics)
    : options_(std::move(options)), tls_(make_client_tls()), outbox_(std::move(outbox)) {
    for (std::size_t i = 0; i < endpoints.size(); ++i)
        dispatchers_.push_back(std::make_shared<Dispatcher>(executor, tls_, std::move(endpoints[i]),
                                                            i, options_, *outbox_, metrics));
}

Webhooks::~Webhooks() {
    stop();
}

void Webhooks::start() {
    outbox_->start();
    for (auto& dispatcher : dispatchers_) dispatcher->start();
}

void Webhooks::stop() {
    for (auto& dispatcher : dispatchers_) dispatcher->stop();
    outbox_->stop();
}

}  // namespace parley::webhook
