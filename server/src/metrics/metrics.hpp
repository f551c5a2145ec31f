#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "protocol/error_code.hpp"

namespace parley::metrics {

// Why an HTTP upgrade or connection was turned away.
enum class RefusedReason { origin, max_connections, unauthorized, count_ };

// Why a TCP connection was turned away: closed as soon as accepted (per_ip, open_limit), or,
// accepted in the reserve kept for health checks, answered 503 for anything but /healthz.
// What a POST /api/channels/{name}/messages came to.
enum class Publish { created, repeated, refused, count_ };
enum class ConnectionRefusal { per_ip, open_limit, health_reserve, count_ };

// The close codes Parley sends or sees, each counted by name.
inline constexpr std::array<std::uint16_t, 10> counted_close_codes = {1000, 1001, 1002, 1003, 1006,
                                                                      1007, 1008, 1009, 1011, 1013};

// Latency histogram with fixed bucket bounds (seconds), lock-free to observe.
class Histogram {
  public:
    static constexpr std::array<double, 12> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
    void observe(double seconds);
    void render(std::string& out, const std::string& name, const std::string& help) const;

  private:
    std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets_{};
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_micros_{0};
};

// Every figure the server exposes on /metrics. Relaxed atomics: each counter is independent.
struct Metrics {
    std::atomic<std::int64_t> connections_open{0};
    std::atomic<std::uint64_t> connections_total{0};
    std::atomic<std::uint64_t> http_requests_total{0};
    std::atomic<std::uint64_t> messages_in_total{0};    // frames received from clients
    std::atomic<std::uint64_t> frames_out_total{0};     // frames queued to clients
    std::atomic<std::uint64_t> bytes_out_total{0};      // bytes written to sockets
    std::atomic<std::uint64_t> socket_writes_total{0};  // writes that carried those bytes
    std::atomic<std::uint64_t> deliveries_total{0};     // channel messages queued to members
    std::atomic<std::uint64_t> messages_stored_total{0};
    // Changes committed, by kind: edited, deleted, reaction (model::EventType minus one).
    std::array<std::atomic<std::uint64_t>, 3> message_changes_total{};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Publish::count_)>
        api_publishes_total{};
    std::atomic<std::uint64_t> dms_total{0};
    std::atomic<std::uint64_t> slow_consumers_total{0};
    std::atomic<std::uint64_t> failed_logins_total{0};   // wrong passwords (and no such account)
    std::atomic<std::uint64_t> logins_limited_total{0};  // refused unchecked: too many failures
    std::atomic<std::int64_t> queue_bytes{0};            // unsent bytes over all sessions
    std::atomic<std::int64_t> channels{0};
    std::atomic<std::int64_t> storage_queue_depth{0};       // for the writer: appends, dm reads
    std::atomic<std::int64_t> storage_read_queue_depth{0};  // history reads waiting
    std::array<std::atomic<std::uint64_t>, std::size(protocol::all_error_codes)> errors_total{};
    std::array<std::atomic<std::uint64_t>, counted_close_codes.size() + 1> closes_total{};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(RefusedReason::count_)>
        refused_total{};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(ConnectionRefusal::count_)>
        refused_connections_total{};
    std::atomic<std::int64_t> tcp_connections_open{0};  // of any kind, upgraded or not
    Histogram storage_commit_seconds;                   // one group commit
    Histogram say_to_ok_seconds;                        // a say, from decode to durable

    // Cluster mode (--redis); all zero on a single node.
    // Commands and the bus: 2 on one Redis; on a Redis Cluster one per master, one that reads
    // the slot map, and the bus.
    std::atomic<std::int64_t> redis_connections_up{0};
    std::atomic<std::uint64_t> redis_reconnects_total{0};
    // Redis Cluster: redirections followed (MOVED, ASK) and slot maps read (CLUSTER SLOTS).
    enum class RedisRedirect { moved, ask, count_ };
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(RedisRedirect::count_)>
        redis_redirects_total{};
    std::atomic<std::uint64_t> redis_slot_map_refreshes_total{0};
    void count_redirect(RedisRedirect kind) {
        redis_redirects_total[static_cast<std::size_t>(kind)].fetch_add(1,
                                                                        std::memory_order_relaxed);
    }
    std::atomic<std::uint64_t> cluster_events_in_total{0};  // bus events received from Redis
    std::atomic<std::uint64_t> cluster_catch_ups_total{0};  // gaps in seq filled from the stream
    Histogram redis_round_trip_seconds;                     // one command, sent to reply

    // Webhooks (--webhook). Deliveries by result: ok (2xx), failed (a retry follows), dropped
    // (older than --webhook-max-age); dropped_total also counts events beyond
    // --webhook-max-pending.
    enum class WebhookResult { ok, failed, dropped, count_ };
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(WebhookResult::count_)>
        webhook_deliveries_total{};
    std::atomic<std::int64_t> webhook_pending{0};  // events not yet delivered, all endpoints
    std::atomic<std::uint64_t> webhook_dropped_total{0};
    void count_webhook(WebhookResult result) {
        webhook_deliveries_total[static_cast<std::size_t>(result)].fetch_add(
            1, std::memory_order_relaxed);
        if (result == WebhookResult::dropped)
            webhook_dropped_total.fetch_add(1, std::memory_order_relaxed);
    }

    void count_error(protocol::ErrorCode code);
    void count_close(std::uint16_t code);
    void count_refused(RefusedReason reason);
    void count_refused_connection(ConnectionRefusal reason);

    std::string render_prometheus() const;
};

}  // namespace parley::metrics
