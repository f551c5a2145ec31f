#include "metrics/metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace parley::metrics {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

const char* reason_name(RefusedReason reason) {
    switch (reason) {
        case RefusedReason::origin:
            return "origin";
        case RefusedReason::max_connections:
            return "max_connections";
        case RefusedReason::unauthorized:
            return "unauthorized";
        case RefusedReason::count_:
            break;
    }
    return "other";
}

void header(std::string& out, const std::string& name, const char* type, const std::string& help) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

template <class T>
void single(std::string& out, const std::string& name, const char* type, const std::string& help,
            const std::atomic<T>& value) {
    header(out, name, type, help);
    out += name + " " + std::to_string(value.load(relaxed)) + "\n";
}

std::string format_double(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

}  // namespace

void Histogram::observe(double seconds) {
    auto bucket = std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin();
    buckets_[static_cast<std::size_t>(bucket)].fetch_add(1, relaxed);
    count_.fetch_add(1, relaxed);
    sum_micros_.fetch_add(static_cast<std::uint64_t>(std::max(0.0, seconds) * 1e6), relaxed);
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
    header(out, name, "histogram", help);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        cumulative += buckets_[i].load(relaxed);
        out += name + "_bucket{le=\"" + format_double(bounds[i]) + "\"} " +
               std::to_string(cumulative) + "\n";
    }
    cumulative += buckets_[bounds.size()].load(relaxed);
    out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
    out +=
        name + "_sum " + format_double(static_cast<double>(sum_micros_.load(relaxed)) / 1e6) + "\n";
    out += name + "_count " + std::to_string(count_.load(relaxed)) + "\n";
}

void Metrics::count_error(protocol::ErrorCode code) {
    errors_total[static_cast<std::size_t>(code)].fetch_add(1, relaxed);
}

void Metrics::count_close(std::uint16_t code) {
    auto it = std::find(counted_close_codes.begin(), counted_close_codes.end(), code);
    closes_total[static_cast<std::size_t>(it - counted_close_codes.begin())].fetch_add(1, relaxed);
}

void Metrics::count_refused_connection(ConnectionRefusal reason) {
    refused_connections_total[static_cast<std::size_t>(reason)].fetch_add(1, relaxed);
}

void Metrics::count_refused(RefusedReason reason) {
    refused_total[static_cast<std::size_t>(reason)].fetch_add(1, relaxed);
}

std::string Metrics::render_prometheus() const {
    std::string out;
    out.reserve(8192);
    single(out, "parley_connections_open", "gauge", "WebSocket connections open now",
           connections_open);
    single(out, "parley_connections_total", "counter", "WebSocket connections accepted",
           connections_total);
    single(out, "parley_http_requests_total", "counter", "HTTP requests served",
           http_requests_total);
    single(out, "parley_messages_in_total", "counter", "WebSocket frames received from clients",
           messages_in_total);
    single(out, "parley_frames_out_total", "counter", "WebSocket frames queued to clients",
           frames_out_total);
    single(out, "parley_bytes_out_total", "counter", "bytes written to client sockets",
           bytes_out_total);
    single(out, "parley_socket_writes_total", "counter",
           "socket writes; frames_out/socket_writes is the write coalescing factor",
           socket_writes_total);
    single(out, "parley_fanout_deliveries_total", "counter",
           "channel messages queued to channel members", deliveries_total);
    single(out, "parley_messages_stored_total", "counter", "channel messages committed",
           messages_stored_total);
    header(out, "parley_message_changes_total", "counter",
           "edits, deletions and reactions committed, by type");
    static constexpr const char* change_types[] = {"edited", "deleted", "reaction"};
    for (std::size_t i = 0; i < message_changes_total.size(); ++i)
        out += std::string("parley_message_changes_total{type=\"") + change_types[i] + "\"} " +
               std::to_string(message_changes_total[i].load(relaxed)) + "\n";
    header(out, "parley_api_publishes_total", "counter",
           "POST /api/channels/{name}/messages by result: created, repeated (an idempotency key "
           "seen), refused");
    static constexpr const char* publish_results[] = {"created", "repeated", "refused"};
    for (std::size_t i = 0; i < api_publishes_total.size(); ++i)
        out += std::string("parley_api_publishes_total{result=\"") + publish_results[i] + "\"} " +
               std::to_string(api_publishes_total[i].load(relaxed)) + "\n";
    single(out, "parley_dms_total", "counter", "direct messages committed", dms_total);
    single(out, "parley_slow_consumers_total", "counter", "connections closed 1013 for not reading",
           slow_consumers_total);
    single(out, "parley_failed_logins_total", "counter",
           "logins refused for a wrong nick or password (WebSocket and HTTP)", failed_logins_total);
    single(out, "parley_logins_limited_total", "counter",
           "logins refused unchecked: too many failures from the address or for the account",
           logins_limited_total);
    single(out, "parley_queue_bytes", "gauge", "bytes queued but not yet written, all sessions",
           queue_bytes);
    single(out, "parley_channels", "gauge", "channels with members", channels);
    single(out, "parley_storage_queue_depth", "gauge", "operations waiting for the storage writer",
           storage_queue_depth);
    single(out, "parley_storage_read_queue_depth", "gauge", "history reads waiting",
           storage_read_queue_depth);

    header(out, "parley_errors_total", "counter", "error frames sent, by code");
    for (auto code : protocol::all_error_codes)
        out += "parley_errors_total{code=\"" + std::string(protocol::to_string(code)) + "\"} " +
               std::to_string(errors_total[static_cast<std::size_t>(code)].load(relaxed)) + "\n";

    header(out, "parley_closes_total", "counter", "WebSocket closes, by close code");
    for (std::size_t i = 0; i <= counted_close_codes.size(); ++i) {
        auto label = i < counted_close_codes.size() ? std::to_string(counted_close_codes[i])
                                                    : std::string("other");
        out += "parley_closes_total{code=\"" + label + "\"} " +
               std::to_string(closes_total[i].load(relaxed)) + "\n";
    }

    header(out, "parley_refused_upgrades_total", "counter",
           "WebSocket upgrades refused, by reason");
    for (std::size_t i = 0; i < refused_total.size(); ++i)
        out += std::string("parley_refused_upgrades_total{reason=\"") +
               reason_name(static_cast<RefusedReason>(i)) + "\"} " +
               std::to_string(refused_total[i].load(relaxed)) + "\n";

    header(out, "parley_refused_connections_total", "counter",
           "TCP connections turned away: closed when accepted, or (health_reserve) answered 503");
    const char* limits[] = {"per_ip", "open_limit", "health_reserve"};
    for (std::size_t i = 0; i < refused_connections_total.size(); ++i)
        out += std::string("parley_refused_connections_total{limit=\"") + limits[i] + "\"} " +
               std::to_string(refused_connections_total[i].load(relaxed)) + "\n";
    single(out, "parley_tcp_connections_open", "gauge",
           "TCP connections open, upgraded or not (set when scraped)", tcp_connections_open);

    storage_commit_seconds.render(out, "parley_storage_commit_seconds",
                                  "time to commit one group of messages");
    say_to_ok_seconds.render(out, "parley_say_to_ok_seconds",
                             "time from a say arriving to its message being durable");

    single(out, "parley_redis_connections_up", "gauge",
           "Redis connections established (3 per node on one Redis: commands, the bus, sharded "
           "pub/sub; on a Redis Cluster, one per master, one for the slot map, the bus, and "
           "one per master carrying subscriptions)",
           redis_connections_up);
    single(out, "parley_redis_reconnects_total", "counter",
           "times a lost Redis connection was established again", redis_reconnects_total);
    header(out, "parley_redis_redirects_total", "counter",
           "Redis Cluster redirections followed: moved (the slot has a new master) or ask "
           "(the slot is migrating)");
    static constexpr const char* redirects[] = {"moved", "ask"};
    for (std::size_t i = 0; i < redis_redirects_total.size(); ++i)
        out += std::string("parley_redis_redirects_total{kind=\"") + redirects[i] + "\"} " +
               std::to_string(redis_redirects_total[i].load(relaxed)) + "\n";
    single(out, "parley_redis_slot_map_refreshes_total", "counter",
           "Redis Cluster slot maps read with CLUSTER SLOTS", redis_slot_map_refreshes_total);
    single(out, "parley_cluster_events_in_total", "counter",
           "messages, presence and dms relayed to this node through Redis",
           cluster_events_in_total);
    single(out, "parley_cluster_catch_ups_total", "counter",
           "gaps in a channel's seq filled by reading its Redis stream", cluster_catch_ups_total);
    redis_round_trip_seconds.render(out, "parley_redis_round_trip_seconds",
                                    "time from sending a Redis command to its reply");

    header(out, "parley_webhook_deliveries_total", "counter",
           "webhook POSTs by result: ok (2xx), failed (retried later), dropped (too old)");
    static constexpr const char* webhook_results[] = {"ok", "failed", "dropped"};
    for (std::size_t i = 0; i < webhook_deliveries_total.size(); ++i)
        out += std::string("parley_webhook_deliveries_total{result=\"") + webhook_results[i] +
               "\"} " + std::to_string(webhook_deliveries_total[i].load(relaxed)) + "\n";
    single(out, "parley_webhook_pending", "gauge",
           "events waiting for a webhook endpoint, summed over endpoints", webhook_pending);
    single(out, "parley_webhook_dropped_total", "counter",
           "webhook events given up: older than --webhook-max-age or beyond --webhook-max-pending",
           webhook_dropped_total);
    return out;
}

}  // namespace parley::metrics
