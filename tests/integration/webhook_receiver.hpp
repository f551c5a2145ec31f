#pragma once
// A real HTTP server standing in for a webhook receiver: records every POST and answers it as
// the test says (a status, or never).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace parley::test {

struct WebhookRequest {
    std::string target, body, content_type, event, delivery, signature;
    json event_json;
};

class WebhookReceiver {
  public:
    // Listens on 127.0.0.1:`port` (0: any free port) at once, unless `listen` is false: then
    // the port is only chosen, and connections to it are refused until start().
    explicit WebhookReceiver(std::uint16_t port = 0, bool listen = true);
    ~WebhookReceiver();

    std::uint16_t port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
    void start();
    void stop();

    // The status each request gets (200 unless set); 0: the request is read and never answered.
    void answer_with(std::function<int(const WebhookRequest&)> policy);
    std::vector<WebhookRequest> received() const;
    // Waits until `count` requests were answered 2xx.
    bool wait_for_accepted(std::size_t count, std::chrono::milliseconds timeout);
    std::size_t accepted() const;

  private:
    void serve(int fd);

    std::uint16_t port_ = 0;
    int listener_ = -1;
    std::thread acceptor_;
    std::vector<std::thread> connections_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::function<int(const WebhookRequest&)> policy_;
    std::vector<WebhookRequest> received_;
    std::size_t accepted_ = 0;
};

// sha256=<hex HMAC-SHA256(secret, body)>, computed here as a receiver would.
std::string hmac_sha256_header(const std::string& secret, const std::string& body);

}  // namespace parley::test
