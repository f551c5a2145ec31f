#include "results.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace bench {

std::string milliseconds(std::int64_t ns) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f ms", static_cast<double>(ns) / 1e6);
    return text;
}

namespace {

double per_second(std::uint64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

// CPU milliseconds spent per 1000 events; the figure issue #7 compares servers by.
double cpu_ms_per_thousand(double cpu_seconds, std::uint64_t events) {
    return events > 0 ? cpu_seconds * 1e6 / static_cast<double>(events) : 0;
}

double rss_kb_per_connection(const std::optional<ProcessSample>& before,
                             const std::optional<ProcessSample>& after, std::uint64_t clients) {
    if (!before || !after || clients == 0) return 0;
    return (static_cast<double>(after->rss_kb) - static_cast<double>(before->rss_kb)) /
           static_cast<double>(clients);
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
    std::string joined;
    for (const auto& part : parts) joined += (joined.empty() ? "" : separator) + part;
    return joined;
}

bool sends(const Options& options) {
    return options.scenario == Scenario::fanout || options.scenario == Scenario::rooms;
}

void print_setup(const Options& options, const Results& r) {
    if (options.scenario == Scenario::connect) return;
    std::printf(
        "setup       : %llu clients ready in %.2f s (%.0f handshakes/s, p50 %s, p99 %s), "
        "%llu failed, %u source address%s\n",
        static_cast<unsigned long long>(r.clients_ready), r.setup_seconds,
        per_second(r.clients_ready, r.setup_seconds),
        milliseconds(r.handshake_latency.percentile(0.5)).c_str(),
        milliseconds(r.handshake_latency.percentile(0.99)).c_str(),
        static_cast<unsigned long long>(r.clients_failed), r.source_addresses,
        r.source_addresses == 1 ? "" : "es");
}

void print_traffic(const Options& options, const Results& r) {
    const double seconds = r.measured_seconds;
    std::printf("deliveries/s: %.0f  (%llu in %.2f s)\n", per_second(r.deliveries, seconds),
                static_cast<unsigned long long>(r.deliveries), seconds);
    std::printf("messages/s  : %.0f sent, %.0f acked%s\n", per_second(r.sent, seconds),
                per_second(r.acked, seconds), options.raw ? " (raw: no acks)" : "");
    const auto& latency = r.delivery_latency;
    std::printf("latency     : p50 %s  p99 %s  max %s  (send to delivery, %llu samples)\n",
                milliseconds(latency.percentile(0.5)).c_str(),
                milliseconds(latency.percentile(0.99)).c_str(), milliseconds(latency.max()).c_str(),
                static_cast<unsigned long long>(latency.count()));
    if (!options.raw)
        std::printf("ack latency : p50 %s  p99 %s  max %s  (say to ok, %llu samples)\n",
                    milliseconds(r.ack_latency.percentile(0.5)).c_str(),
                    milliseconds(r.ack_latency.percentile(0.99)).c_str(),
                    milliseconds(r.ack_latency.max()).c_str(),
                    static_cast<unsigned long long>(r.ack_latency.count()));
    const long long missing =
        static_cast<long long>(r.expected_total) - static_cast<long long>(r.delivered_total);
    std::printf(
        "losses      : %lld of %llu expected deliveries missing after %.2f s drain; "
        "%llu seq gaps, %llu duplicate/out-of-order; %llu errors\n",
        missing, static_cast<unsigned long long>(r.expected_total), r.drain_seconds,
        static_cast<unsigned long long>(r.gaps), static_cast<unsigned long long>(r.duplicates),
        static_cast<unsigned long long>(r.errors));
    for (const auto& [code, count] : r.error_codes)
        std::printf("  error %-20s x%llu\n", code.c_str(), static_cast<unsigned long long>(count));
}

void print_cpu_line(const char* who, const ProcessSample& start, const ProcessSample& end,
                    double seconds, std::uint64_t events, const char* per) {
    const double cpu = end.cpu_seconds - start.cpu_seconds;
    std::printf("%-12s: CPU %.2f s over %.2f s (%.0f%% of one core)", who, cpu, seconds,
                seconds > 0 ? 100 * cpu / seconds : 0);
    if (per) std::printf(", %.3f ms per 1000 %s", cpu_ms_per_thousand(cpu, events), per);
    std::printf("\n");
}

}  // namespace

void print_report(const Options& options, const Results& r) {
    std::printf("parley-bench %s%s: %s", scenario_name(options.scenario),
                options.raw ? " --raw" : "", join(options.urls, " + ").c_str());
    if (options.scenario == Scenario::connect) {
        std::printf(", %u at a time", options.concurrency);
    } else {
        std::printf(", %u clients", options.clients);
        if (options.scenario == Scenario::rooms) std::printf(" in %u channels", options.channels);
    }
    if (sends(options)) {
        std::printf(", %u senders, ", options.senders);
        if (options.rate > 0)
            std::printf("open loop %.0f msg/s", options.rate);
        else
            std::printf("closed loop window %u", options.window);
        std::printf(", text %u B", options.text_size);
    }
    std::printf(", %u thread%s\n", options.threads, options.threads == 1 ? "" : "s");

    print_setup(options, r);
    if (sends(options)) print_traffic(options, r);
    if (options.scenario == Scenario::idle)
        std::printf("held        : %llu connections for %.2f s, %llu lost\n",
                    static_cast<unsigned long long>(r.clients_ready - r.lost_clients),
                    r.measured_seconds, static_cast<unsigned long long>(r.lost_clients));
    if (options.scenario == Scenario::connect) {
        std::printf("handshakes/s: %.0f  (%llu open+%s+close in %.2f s, %llu failed)\n",
                    per_second(r.handshakes, r.measured_seconds),
                    static_cast<unsigned long long>(r.handshakes),
                    options.raw ? "upgrade" : "hello", r.measured_seconds,
                    static_cast<unsigned long long>(r.handshake_failures));
        std::printf("latency     : p50 %s  p99 %s  max %s  (connect to %s)\n",
                    milliseconds(r.handshake_latency.percentile(0.5)).c_str(),
                    milliseconds(r.handshake_latency.percentile(0.99)).c_str(),
                    milliseconds(r.handshake_latency.max()).c_str(),
                    options.raw ? "101" : "welcome");
    }
    if (r.lost_clients > 0 && options.scenario != Scenario::idle)
        std::printf("lost        : %llu clients dropped after joining\n",
                    static_cast<unsigned long long>(r.lost_clients));

    const std::uint64_t events =
        options.scenario == Scenario::connect ? r.handshakes : r.deliveries;
    const char* per = options.scenario == Scenario::connect ? "handshakes"
                      : options.scenario == Scenario::idle  ? nullptr
                                                            : "deliveries";
    if (!options.server_pids.empty()) {
        std::vector<std::string> pids;
        for (const int pid : options.server_pids) pids.push_back(std::to_string(pid));
        const std::string who = "server " + join(pids, "+");
        if (r.server_start && r.server_end)
            print_cpu_line(who.c_str(), *r.server_start, *r.server_end, r.measured_seconds, events,
                           per);
        // A pid taken from `$!` after `cd dir && server &` is the subshell, not the server.
        if (r.server_start && r.server_end && events > 0 &&
            r.server_end->cpu_seconds == r.server_start->cpu_seconds)
            std::printf("%-12s: used no CPU while serving: is that pid the server itself?\n",
                        who.c_str());
        if (r.server_before && r.server_connected && options.scenario != Scenario::connect)
            std::printf(
                "%-12s: RSS %.1f MB before connecting, %.1f MB with %llu clients: "
                "%.2f KB per connection\n",
                who.c_str(), static_cast<double>(r.server_before->rss_kb) / 1024,
                static_cast<double>(r.server_connected->rss_kb) / 1024,
                static_cast<unsigned long long>(r.clients_ready),
                rss_kb_per_connection(r.server_before, r.server_connected, r.clients_ready));
        if (!r.server_end) std::printf("%-12s: could not be read at the end\n", who.c_str());
    }
    print_cpu_line("tool", r.tool_start, r.tool_end, r.measured_seconds, events, per);
    if (options.scenario != Scenario::connect)
        std::printf("tool        : RSS %.1f MB with %llu clients (%.2f KB per connection)\n",
                    static_cast<double>(r.tool_connected.rss_kb) / 1024,
                    static_cast<unsigned long long>(r.clients_ready),
                    rss_kb_per_connection(r.tool_before, r.tool_connected, r.clients_ready));
    for (const auto& [reason, count] : r.failure_reasons)
        std::printf("  failure: %s x%llu\n", reason.c_str(),
                    static_cast<unsigned long long>(count));
    std::fflush(stdout);
}

void print_json(const Options& options, const Results& r) {
    const double seconds = r.measured_seconds;
    const std::uint64_t events =
        options.scenario == Scenario::connect ? r.handshakes : r.deliveries;
    const auto cpu = [&](const std::optional<ProcessSample>& start,
                         const std::optional<ProcessSample>& end) {
        return start && end ? end->cpu_seconds - start->cpu_seconds : 0.0;
    };
    const double server_cpu = cpu(r.server_start, r.server_end);
    const double tool_cpu = r.tool_end.cpu_seconds - r.tool_start.cpu_seconds;
    std::printf(
        "{\"scenario\":\"%s\",\"raw\":%s,\"clients\":%llu,\"channels\":%u,\"senders\":%u,"
        "\"window\":%u,\"rate\":%.0f,\"text_size\":%u,\"threads\":%u,\"measured_s\":%.3f,"
        "\"deliveries_per_s\":%.1f,\"sent_per_s\":%.1f,\"acked_per_s\":%.1f,"
        "\"latency_p50_ms\":%.3f,\"latency_p99_ms\":%.3f,\"latency_max_ms\":%.3f,"
        "\"expected\":%llu,\"delivered\":%llu,\"gaps\":%llu,\"duplicates\":%llu,\"errors\":%llu,"
        "\"lost_clients\":%llu,\"failed_clients\":%llu,\"handshakes_per_s\":%.1f,"
        "\"handshake_p50_ms\":%.3f,\"handshake_p99_ms\":%.3f,"
        "\"ack_p50_ms\":%.3f,\"ack_p99_ms\":%.3f,"
        "\"server_cpu_ms_per_1000\":%.4f,\"server_rss_kb_per_connection\":%.3f,"
        "\"tool_cpu_ms_per_1000\":%.4f,\"tool_rss_kb_per_connection\":%.3f,"
        "\"server_cpu_s\":%.3f,\"tool_cpu_s\":%.3f}\n",
        scenario_name(options.scenario), options.raw ? "true" : "false",
        static_cast<unsigned long long>(r.clients_ready), options.channels,
        sends(options) ? options.senders : 0, sends(options) ? options.window : 0, options.rate,
        options.text_size, options.threads, seconds, per_second(r.deliveries, seconds),
        per_second(r.sent, seconds), per_second(r.acked, seconds),
        r.delivery_latency.percentile(0.5) / 1e6, r.delivery_latency.percentile(0.99) / 1e6,
        r.delivery_latency.max() / 1e6, static_cast<unsigned long long>(r.expected_total),
        static_cast<unsigned long long>(r.delivered_total), static_cast<unsigned long long>(r.gaps),
        static_cast<unsigned long long>(r.duplicates), static_cast<unsigned long long>(r.errors),
        static_cast<unsigned long long>(r.lost_clients),
        static_cast<unsigned long long>(r.clients_failed), per_second(r.handshakes, seconds),
        r.handshake_latency.percentile(0.5) / 1e6, r.handshake_latency.percentile(0.99) / 1e6,
        r.ack_latency.percentile(0.5) / 1e6, r.ack_latency.percentile(0.99) / 1e6,
        cpu_ms_per_thousand(server_cpu, events),
        rss_kb_per_connection(r.server_before, r.server_connected, r.clients_ready),
        cpu_ms_per_thousand(tool_cpu, events),
        rss_kb_per_connection(r.tool_before, r.tool_connected, r.clients_ready), server_cpu,
        tool_cpu);
    std::fflush(stdout);
}

}  // namespace bench
