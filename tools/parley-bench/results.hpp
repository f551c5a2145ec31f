#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "latency_histogram.hpp"
#include "options.hpp"
#include "process_stats.hpp"

namespace bench {

// Everything a run measured, gathered by the scenario and printed by the report.
struct Results {
    // Setup: opening the clients (all scenarios but connect).
    std::uint64_t clients_ready = 0;
    std::uint64_t clients_failed = 0;
    double setup_seconds = 0;
    LatencyHistogram handshake_latency;  // setup, or the connect scenario's cycles
    std::uint32_t source_addresses = 1;

    // The measured interval.
    double measured_seconds = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::uint64_t errors = 0;
    std::uint64_t handshakes = 0;
    std::uint64_t handshake_failures = 0;
    LatencyHistogram delivery_latency;
    LatencyHistogram ack_latency;  // say to ok (Parley only)

    // Whole run, after the drain: did every message reach every member?
    std::uint64_t expected_total = 0;
    std::uint64_t delivered_total = 0;
    std::uint64_t gaps = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t lost_clients = 0;
    double drain_seconds = 0;

    // Process figures. "before" is before any client connected; "connected" once all were
    // ready (idle: at the end of the hold); start/end bound the measured interval.
    std::optional<ProcessSample> server_before, server_connected, server_start, server_end;
    ProcessSample tool_before, tool_connected, tool_start, tool_end;

    std::map<std::string, std::uint64_t> failure_reasons;
    std::map<std::string, std::uint64_t> error_codes;
};

void print_report(const Options& options, const Results& results);
void print_json(const Options& options, const Results& results);

// A latency in nanoseconds as the reports print it: "1.23 ms".
std::string milliseconds(std::int64_t ns);

}  // namespace bench
