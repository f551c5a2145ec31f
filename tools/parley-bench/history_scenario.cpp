#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "history_run.hpp"
#include "process_stats.hpp"
#include "results.hpp"

namespace bench {
namespace {

double share(std::uint64_t part, std::uint64_t whole) {
    return whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0;
}

// The database's bytes on disk: the file and its write-ahead log, if any.
std::optional<std::uint64_t> database_bytes(const std::string& path, std::uint64_t* wal) {
    struct stat info {};
    if (path.empty() || ::stat(path.c_str(), &info) != 0) return std::nullopt;
    std::uint64_t total = static_cast<std::uint64_t>(info.st_size);
    *wal = 0;
    if (::stat((path + "-wal").c_str(), &info) == 0)
        *wal = static_cast<std::uint64_t>(info.st_size);
    return total + *wal;
}

std::optional<ProcessSample> sample_server(const Options& options) {
    if (options.server_pids.empty()) return std::nullopt;
    return sample_process(options.server_pids.front());
}

void print_fill(const Options& options, const FillFigures& fill) {
    std::uint64_t commands = 0, refused = 0;
    for (const auto count : fill.commands) commands += count;
    for (const auto& [code, count] : fill.error_codes) refused += count;
    std::printf("fill        : %llu events in %.2f s: %.0f events/s (%u clients, window %u)\n",
                static_cast<unsigned long long>(fill.events), fill.seconds,
                fill.seconds > 0 ? static_cast<double>(fill.events) / fill.seconds : 0,
                options.clients, options.window);
    std::printf("events      :");
    for (int k = 0; k < fill_op_count; ++k)
        std::printf(" %s %.1f%%", fill_op_name(static_cast<FillOp>(k)),
                    share(fill.events_by_op[k], fill.events));
    std::printf("; %llu commands, %llu changed nothing, %llu refused\n",
                static_cast<unsigned long long>(commands),
                static_cast<unsigned long long>(fill.no_ops),
                static_cast<unsigned long long>(refused));
    for (const auto& [code, count] : fill.error_codes)
        std::printf("  error %-20s x%llu\n", code.c_str(), static_cast<unsigned long long>(count));
    const auto& ack = fill.ack_latency;
    std::printf("ack latency : p50 %s  p99 %s  max %s  (command to ok, %llu samples)\n",
                milliseconds(ack.percentile(0.5)).c_str(),
                milliseconds(ack.percentile(0.99)).c_str(), milliseconds(ack.max()).c_str(),
                static_cast<unsigned long long>(ack.count()));
}

void print_read(const Options& options, const ReadFigures& read) {
    const double seconds = read.seconds;
    std::printf(
        "pages/s     : %.0f  (%llu pages of limit 100 in %.2f s, %u reader%s, closed "
        "loop; %.0f%% the newest page)\n",
        seconds > 0 ? static_cast<double>(read.pages) / seconds : 0,
        static_cast<unsigned long long>(read.pages), seconds, options.readers,
        options.readers == 1 ? "" : "s", share(read.newest_pages, read.pages));
    const auto& latency = read.latency;
    std::printf("latency     : p50 %s  p90 %s  p99 %s  max %s  (history to reply, %llu samples)\n",
                milliseconds(latency.percentile(0.5)).c_str(),
                milliseconds(latency.percentile(0.9)).c_str(),
                milliseconds(latency.percentile(0.99)).c_str(), milliseconds(latency.max()).c_str(),
                static_cast<unsigned long long>(latency.count()));
    const auto& newest = read.newest_latency;
    std::printf("  newest    : p50 %s  p90 %s  p99 %s  max %s  (%llu of them the newest page)\n",
                milliseconds(newest.percentile(0.5)).c_str(),
                milliseconds(newest.percentile(0.9)).c_str(),
                milliseconds(newest.percentile(0.99)).c_str(), milliseconds(newest.max()).c_str(),
                static_cast<unsigned long long>(newest.count()));
    const auto& c = read.content;
    const double pages = read.pages > 0 ? static_cast<double>(read.pages) : 1;
    std::printf(
        "pages       : %.1f messages and %.1f KB on average; of the messages %.1f%% with "
        "reactions, %.1f%% edited, %.1f%% deleted, %.1f%% replies\n",
        static_cast<double>(c.messages) / pages, static_cast<double>(read.bytes) / pages / 1024,
        share(c.with_reactions, c.messages), share(c.edited, c.messages),
        share(c.deleted, c.messages), share(c.replies, c.messages));
    for (const auto& [code, count] : read.error_codes)
        std::printf("  error %-20s x%llu\n", code.c_str(), static_cast<unsigned long long>(count));
}

}  // namespace

int run_history(const Options& options) {
    HistoryRun run{options, parse_ws_url(options.urls.front()), {}};
    for (std::uint32_t k = 0; k < options.channels; ++k)
        run.channels.push_back(options.channels == 1 ? options.channel_prefix
                                                     : options.channel_prefix + std::to_string(k));
    std::printf("parley-bench history: %s, %u channel%s", options.urls.front().c_str(),
                options.channels, options.channels == 1 ? "" : "s");
    if (!options.no_fill)
        std::printf(", fill %llu events from %u clients, text %u B",
                    static_cast<unsigned long long>(options.events), options.clients,
                    options.text_size);
    std::printf(", %u reader%s\n", options.readers, options.readers == 1 ? "" : "s");
    std::fflush(stdout);

    FillFigures fill;
    if (!options.no_fill) {
        fill = run_fill(run);
        print_fill(options, fill);
        std::fflush(stdout);
    }

    std::optional<ProcessSample> server_start, server_end;
    ProcessSample tool_start, tool_end;
    double measured = 0;
    ReadFigures read = run_readers(run, [&] {
        std::this_thread::sleep_for(std::chrono::duration<double>(options.warmup_s));
        server_start = sample_server(options);
        tool_start = sample_self();
        const auto start = std::chrono::steady_clock::now();
        run.phase.store(ReadPhase::measure);
        std::this_thread::sleep_for(std::chrono::duration<double>(options.duration_s));
        run.phase.store(ReadPhase::stop);
        measured = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        server_end = sample_server(options);
        tool_end = sample_self();
    });
    read.seconds = measured;
    print_read(options, read);

    const auto cpu_line = [&](const char* who, const ProcessSample& start,
                              const ProcessSample& end) {
        const double cpu = end.cpu_seconds - start.cpu_seconds;
        std::printf("%-12s: CPU %.2f s over %.2f s (%.0f%% of one core), %.3f ms per page\n", who,
                    cpu, measured, measured > 0 ? 100 * cpu / measured : 0,
                    read.pages > 0 ? cpu * 1e3 / static_cast<double>(read.pages) : 0);
    };
    if (server_start && server_end) {
        const std::string who = "server " + std::to_string(options.server_pids.front());
        cpu_line(who.c_str(), *server_start, *server_end);
        std::printf("%-12s: RSS %.1f MB\n", who.c_str(),
                    static_cast<double>(server_end->rss_kb) / 1024);
    }
    cpu_line("tool", tool_start, tool_end);

    std::uint64_t wal = 0;
    const auto bytes = database_bytes(options.data_file, &wal);
    if (bytes)
        std::printf(
            "database    : %.1f MB (%.1f MB of it the WAL)%s\n",
            static_cast<double>(*bytes) / 1048576, static_cast<double>(wal) / 1048576,
            fill.events > 0
                ? (", " + std::to_string(*bytes / fill.events) + " bytes per event filled").c_str()
                : "");
    else if (!options.data_file.empty())
        std::printf("database    : cannot stat %s\n", options.data_file.c_str());
    std::fflush(stdout);

    if (options.json) {
        const auto& latency = read.latency;
        std::printf(
            "{\"scenario\":\"history\",\"channels\":%u,\"events\":%llu,\"fill_s\":%.3f,"
            "\"fill_events_per_s\":%.1f,\"fill_ack_p50_ms\":%.3f,\"fill_ack_p99_ms\":%.3f,"
            "\"readers\":%u,\"measured_s\":%.3f,\"pages\":%llu,\"pages_per_s\":%.1f,"
            "\"latency_p50_ms\":%.3f,\"latency_p90_ms\":%.3f,\"latency_p99_ms\":%.3f,"
            "\"latency_max_ms\":%.3f,\"messages_per_page\":%.2f,\"read_errors\":%llu,"
            "\"database_bytes\":%llu}\n",
            options.channels, static_cast<unsigned long long>(fill.events), fill.seconds,
            fill.seconds > 0 ? static_cast<double>(fill.events) / fill.seconds : 0,
            fill.ack_latency.percentile(0.5) / 1e6, fill.ack_latency.percentile(0.99) / 1e6,
            options.readers, measured, static_cast<unsigned long long>(read.pages),
            measured > 0 ? static_cast<double>(read.pages) / measured : 0,
            latency.percentile(0.5) / 1e6, latency.percentile(0.9) / 1e6,
            latency.percentile(0.99) / 1e6, latency.max() / 1e6,
            read.pages > 0
                ? static_cast<double>(read.content.messages) / static_cast<double>(read.pages)
                : 0,
            static_cast<unsigned long long>([&] {
                std::uint64_t errors = 0;
                for (const auto& [code, count] : read.error_codes) errors += count;
                return errors;
            }()),
            static_cast<unsigned long long>(bytes.value_or(0)));
        std::fflush(stdout);
    }
    return read.error_codes.empty() ? 0 : 1;
}

}  // namespace bench
