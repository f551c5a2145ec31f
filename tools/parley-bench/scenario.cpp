#include "scenario.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <thread>

#include "history.hpp"
#include "results.hpp"
#include "run_plan.hpp"
#include "system_limits.hpp"
#include "welcome.hpp"
#include "worker.hpp"

namespace bench {
namespace {

using namespace std::chrono_literals;

// The workers and their threads, plus sums over their counters.
class WorkerPool {
  public:
    WorkerPool(RunControl& control, const Options& options) {
        std::vector<std::vector<std::uint32_t>> ids(options.threads);
        if (options.scenario != Scenario::connect)
            for (std::uint32_t c = 0; c < options.clients; ++c)
                ids[c % options.threads].push_back(c);
        for (std::uint32_t t = 0; t < options.threads; ++t) {
            const std::uint32_t slots = options.concurrency / options.threads +
                                        (t < options.concurrency % options.threads ? 1 : 0);
            workers_.push_back(std::make_unique<Worker>(control, t, std::move(ids[t]), slots));
        }
        for (auto& worker : workers_)
            threads_.emplace_back([this, w = worker.get()] {
                try {
                    w->run();
                } catch (const std::exception& error) {
                    std::fprintf(stderr, "parley-bench: worker stopped: %s\n", error.what());
                    std::fflush(stderr);
                    std::terminate();
                }
            });
    }
    ~WorkerPool() { join(); }

    void join() {
        for (auto& thread : threads_)
            if (thread.joinable()) thread.join();
    }

    std::uint64_t sum(Counter WorkerCounters::*field) const {
        std::uint64_t total = 0;
        for (const auto& worker : workers_) total += (worker->counters().*field).get();
        return total;
    }

    // After join(): fold the workers' histograms and failure tallies into the results.
    void collect(Results& results) const {
        for (const auto& worker : workers_) {
            results.delivery_latency.merge(worker->delivery_latency());
            results.handshake_latency.merge(worker->handshake_latency());
            results.ack_latency.merge(worker->ack_latency());
            for (const auto& [reason, count] : worker->failure_reasons())
                results.failure_reasons[reason] += count;
            for (const auto& [code, count] : worker->error_codes())
                results.error_codes[code] += count;
        }
    }

  private:
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<std::thread> threads_;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::chrono::steady_clock::duration to_duration(double seconds) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(seconds));
}

// Sleeps until `until` (in slices, so progress can be printed), or until `done` says so.
void wait_until(std::chrono::steady_clock::time_point until, const std::function<bool()>& done) {
    while (std::chrono::steady_clock::now() < until && !(done && done()))
        std::this_thread::sleep_for(5ms);
}

std::optional<ProcessSample> sample_server(const Options& options) {
    // Several server processes (cluster nodes) count as one server: their figures are summed.
    if (options.server_pids.empty()) return std::nullopt;
    ProcessSample total;
    for (const int pid : options.server_pids) {
        const auto sample = sample_process(pid);
        if (!sample) return std::nullopt;
        total.cpu_seconds += sample->cpu_seconds;
        total.rss_kb += sample->rss_kb;
    }
    return total;
}

// Opens every client and waits for all of them to be ready (or given up on).
bool open_clients(const Options& options, WorkerPool& pool, Results& results) {
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + to_duration(options.setup_timeout_s);
    auto next_progress = start + 2s;
    for (;;) {
        const std::uint64_t ready = pool.sum(&WorkerCounters::ready);
        const std::uint64_t failed = pool.sum(&WorkerCounters::failed);
        if (ready + failed >= options.clients) break;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        if (now >= next_progress) {
            std::fprintf(stderr, "parley-bench: %llu of %u clients ready...\n",
                         static_cast<unsigned long long>(ready), options.clients);
            next_progress = now + 2s;
        }
        std::this_thread::sleep_for(5ms);
    }
    results.setup_seconds = seconds_since(start);
    results.clients_ready = pool.sum(&WorkerCounters::ready);
    results.clients_failed = options.clients - results.clients_ready;
    return results.clients_ready == options.clients;
}

void print_setup_failure(const Options& options, const Results& results) {
    std::fprintf(stderr,
                 "parley-bench: only %llu of %u clients connected and joined (gave up after "
                 "%.1f s); first reasons:\n",
                 static_cast<unsigned long long>(results.clients_ready), options.clients,
                 results.setup_seconds);
    int shown = 0;
    bool refused_by_limit = false;
    for (const auto& [reason, count] : results.failure_reasons) {
        refused_by_limit |= reason.find(" 503 ") != std::string::npos;
        if (++shown > 8) break;
        std::fprintf(stderr, "  %s x%llu\n", reason.c_str(),
                     static_cast<unsigned long long>(count));
    }
    if (refused_by_limit)
        std::fprintf(stderr,
                     "  (503: a connection limit? Parley allows 256 per client address by default: "
                     "start it with --max-connections-per-ip 20000, or spread the clients with "
                     "--per-address 250)\n");
}

int finish(const Options& options, WorkerPool& pool, RunControl& control, Results& results,
           bool complete) {
    control.phase.store(Phase::stop, std::memory_order_release);
    pool.join();
    pool.collect(results);
    results.lost_clients = pool.sum(&WorkerCounters::lost);
    results.source_addresses = control.addresses.addresses_used();
    if (!complete) {
        print_setup_failure(options, results);
        return 1;
    }
    print_report(options, results);
    if (options.json) print_json(options, results);
    return results.lost_clients == 0 ? 0 : 1;
}

// fanout and rooms: warm up, measure, drain.
int run_traffic(const Options& options, WorkerPool& pool, RunControl& control, Results& results) {
    control.phase.store(Phase::warmup, std::memory_order_release);
    std::this_thread::sleep_for(to_duration(options.warmup_s));

    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t deliveries0 = pool.sum(&WorkerCounters::deliveries);
    const std::uint64_t sent0 = pool.sum(&WorkerCounters::sent);
    const std::uint64_t acked0 = pool.sum(&WorkerCounters::acked);
    const std::uint64_t errors0 = pool.sum(&WorkerCounters::errors);
    results.server_start = sample_server(options);
    results.tool_start = sample_self();
    control.phase.store(Phase::measure, std::memory_order_release);

    std::this_thread::sleep_until(start + to_duration(options.duration_s));
    results.measured_seconds = seconds_since(start);
    results.deliveries = pool.sum(&WorkerCounters::deliveries) - deliveries0;
    results.sent = pool.sum(&WorkerCounters::sent) - sent0;
    results.acked = pool.sum(&WorkerCounters::acked) - acked0;
    results.errors = pool.sum(&WorkerCounters::errors) - errors0;
    results.server_end = sample_server(options);
    results.tool_end = sample_self();
    control.phase.store(Phase::drain, std::memory_order_release);

    // Losses are judged on the whole run once what is in flight has had time to arrive.
    const auto drain_start = std::chrono::steady_clock::now();
    wait_until(drain_start + to_duration(options.drain_s), [&] {
        return pool.sum(&WorkerCounters::deliveries) >= pool.sum(&WorkerCounters::expected);
    });
    results.drain_seconds = seconds_since(drain_start);
    results.expected_total = pool.sum(&WorkerCounters::expected);
    results.delivered_total = pool.sum(&WorkerCounters::deliveries);
    results.gaps = pool.sum(&WorkerCounters::gaps);
    results.duplicates = pool.sum(&WorkerCounters::duplicates);
    return finish(options, pool, control, results, true);
}

// idle: hold the connections, then take the server's memory.
int run_idle(const Options& options, WorkerPool& pool, RunControl& control, Results& results) {
    const auto start = std::chrono::steady_clock::now();
    results.server_start = sample_server(options);
    results.tool_start = sample_self();
    std::this_thread::sleep_for(to_duration(options.duration_s));
    results.measured_seconds = seconds_since(start);
    // What holding idle connections costs: keep-alive pings, timers, any periodic sweep.
    results.server_end = sample_server(options);
    results.tool_end = sample_self();
    // RSS after the hold, not right after joining: what a connection costs once settled.
    results.server_connected = sample_server(options);
    results.tool_connected = sample_self();
    return finish(options, pool, control, results, true);
}

int run_connect(const Options& options, WorkerPool& pool, RunControl& control, Results& results) {
    control.phase.store(Phase::warmup, std::memory_order_release);
    std::this_thread::sleep_for(to_duration(options.warmup_s));
    const auto start = std::chrono::steady_clock::now();
    results.server_start = sample_server(options);
    results.tool_start = sample_self();
    control.phase.store(Phase::measure, std::memory_order_release);
    std::this_thread::sleep_until(start + to_duration(options.duration_s));
    results.measured_seconds = seconds_since(start);
    results.handshakes = pool.sum(&WorkerCounters::handshakes);
    results.handshake_failures = pool.sum(&WorkerCounters::failed);
    results.server_end = sample_server(options);
    results.tool_end = sample_self();
    return finish(options, pool, control, results, true);
}

}  // namespace

int run_scenario(const Options& options) {
    if (options.scenario == Scenario::history) return run_history(options);
    if (options.scenario == Scenario::welcome) return run_welcome(options);
    const RunPlan plan = make_run_plan(options);
    const std::uint64_t file_limit = raise_open_file_limit();
    const std::uint64_t sockets =
        options.scenario == Scenario::connect ? options.concurrency : options.clients;
    constexpr std::uint64_t spare_files = 32;  // stdio, epoll sets, /proc reads
    if (sockets + spare_files + options.threads > file_limit)
        throw UsageError(std::to_string(sockets) + " connections need " +
                         std::to_string(sockets + spare_files + options.threads) +
                         " open files, but the limit is " + std::to_string(file_limit));
    // The kernel picks a free ephemeral port by probing; past about a third of the range in use
    // for one destination, connect() spends more time probing than connecting (measured: 19,000
    // clients from one address took 7 s, from three 1 s). Moving on early costs nothing.
    const std::uint32_t per_address =
        options.per_address > 0 ? options.per_address : ephemeral_port_count() / 3;
    RunControl control(plan, per_address);

    Results results;
    results.server_before = sample_server(options);
    if (!options.server_pids.empty() && !results.server_before)
        throw UsageError("--server-pid: cannot read /proc for every process given");
    results.tool_before = sample_self();

    WorkerPool pool(control, options);
    if (options.scenario == Scenario::connect) return run_connect(options, pool, control, results);

    const bool complete = open_clients(options, pool, results);
    results.server_connected = sample_server(options);
    results.tool_connected = sample_self();
    if (!complete) return finish(options, pool, control, results, false);
    if (options.scenario == Scenario::idle) return run_idle(options, pool, control, results);
    return run_traffic(options, pool, control, results);
}

}  // namespace bench
