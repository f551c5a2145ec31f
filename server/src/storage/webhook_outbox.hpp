#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace parley::storage {

// A stored channel event waiting to be POSTed to a webhook endpoint.
struct OutboxEvent {
    std::string id;  // the outbox's own id (a row id, a stream entry id), for ack
    std::string channel;
    std::int64_t seq = 0;
    std::string type;  // message, edited, deleted, reaction
    std::string body;  // the event's JSON, the very bytes members were sent
    std::int64_t created_ms = 0;
};

// The webhooks' outbox: every event for the webhooks is put in it by the storage write that
// stores the event (the same SQLite transaction, the same Redis script), once per endpoint, and
// stays until that endpoint has it (ack). Endpoints are numbered in the order they were given.
// Calls never block: the work runs on the outbox's own thread (SQLite) or asynchronously
// (Redis), and callbacks may run on any thread.
class WebhookOutbox {
  public:
    virtual ~WebhookOutbox() = default;

    // The endpoint's next pending events, oldest first, at most `max`, none that an earlier
    // fetch gave since start(): an empty list when there are none, or when the events are
    // another node's to deliver (cluster mode).
    virtual void fetch(std::size_t endpoint, std::size_t max,
                       std::function<void(std::vector<OutboxEvent>)> done) = 0;
    // The event is no longer pending for the endpoint: delivered, or given up.
    virtual void ack(std::size_t endpoint, const OutboxEvent& event) = 0;
    virtual void start() = 0;
    virtual void stop() = 0;
};

}  // namespace parley::storage
