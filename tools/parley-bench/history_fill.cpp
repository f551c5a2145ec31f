#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "history_run.hpp"
#include "json_scan.hpp"
#include "worker.hpp"
#include "ws_connection.hpp"

namespace bench {
namespace {

using namespace std::chrono_literals;

// A command unanswered this long means the server is stuck or lost it.
constexpr int reply_timeout_ms = 60'000;

std::uint64_t to_number(std::string_view text) {
    std::uint64_t value = 0;
    for (const char c : text)
        if (c >= '0' && c <= '9') value = value * 10 + static_cast<std::uint64_t>(c - '0');
    return value;
}

// Shared by the fill clients: how many more events to ask for, and whether one of them failed.
struct FillShared {
    std::atomic<std::int64_t> tickets;
    std::atomic<std::uint32_t> joined{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::string failure;
    FillFigures total;
};

void fill_client(HistoryRun& run, FillShared& shared, std::uint32_t index) {
    const Options& options = run.options;
    const int timeout_ms = static_cast<int>(options.handshake_timeout_s * 1000);
    WsConnection connection(run.target, timeout_ms);
    connection.request(
        R"({"type":"hello","nick":")" + options.nick_prefix + "_f" + std::to_string(index) + "\"}",
        "welcome", timeout_ms);
    for (const auto& channel : run.channels)
        connection.request(R"({"type":"join","channel":")" + channel + "\"}", "joined", timeout_ms);
    // The fill rate is timed from when every client is in: wait for the others.
    shared.joined.fetch_add(1);
    while (shared.joined.load() < options.clients && !shared.failed.load())
        std::this_thread::sleep_for(1ms);

    FillMix mix(run.channels, options.text_size,
                0x9E3779B97F4A7C15ull * (index + 1) ^ static_cast<std::uint64_t>(monotonic_ns()));
    FillFigures figures;
    std::unordered_map<std::uint64_t, PendingOp> pending;
    std::uint64_t next_id = 1;
    std::string payload;
    std::int64_t last_reply_ns = monotonic_ns();
    const auto channel_index = [&](std::string_view name) {
        for (std::uint32_t k = 0; k < run.channels.size(); ++k)
            if (run.channels[k] == name) return k;
        return static_cast<std::uint32_t>(run.channels.size());
    };
    const auto take_ticket = [&] {
        if (shared.tickets.fetch_sub(1) > 0) return true;
        shared.tickets.fetch_add(1);
        return false;
    };

    const auto on_text = [&](std::string_view text) {
        std::string_view type, id, seq, channel, target, code;
        visit_json_fields(text, [&](std::string_view key, std::string_view value) {
            if (key == "type")
                type = value;
            else if (key == "id")
                id = value;
            else if (key == "seq")
                seq = value;
            else if (key == "channel")
                channel = value;
            else if (key == "target")
                target = value;
            else if (key == "code")
                code = value;
        });
        if (type == "message") {
            mix.on_message(channel_index(channel), to_number(seq));
            return;
        }
        if (type == "deleted") {
            mix.on_deleted(channel_index(channel), to_number(target));
            return;
        }
        if (type != "ok" && type != "error") return;
        const auto found = id.empty() ? pending.end() : pending.find(to_number(id));
        if (found == pending.end()) {
            if (type == "error") ++figures.error_codes[std::string(code) + " (no id)"];
            return;
        }
        const PendingOp op = found->second;
        pending.erase(found);
        const std::int64_t now = monotonic_ns();
        last_reply_ns = now;
        if (type == "ok" && !seq.empty()) {
            ++figures.events;
            ++figures.events_by_op[static_cast<int>(op.op)];
            run.events.fetch_add(1, std::memory_order_relaxed);
            figures.ack_latency.record(now - op.sent_ns);
            mix.on_ok(op, to_number(seq));
            return;
        }
        // No event came of it: someone else asks for one more.
        shared.tickets.fetch_add(1);
        if (type == "ok") {
            ++figures.no_ops;
            mix.on_ok(op, 0);
        } else {
            ++figures.error_codes[std::string(code)];
            mix.on_error(op);
        }
    };

    std::uint64_t refused = 0;
    for (;;) {
        while (pending.size() < options.window && take_ticket()) {
            PendingOp op = mix.next(payload, next_id);
            op.sent_ns = monotonic_ns();
            ++figures.commands[static_cast<int>(op.op)];
            pending.emplace(next_id++, op);
            connection.send_text(payload);
        }
        if (pending.empty() && shared.tickets.load() <= 0) break;
        if (shared.failed.load()) return;
        connection.receive(1000, on_text);
        if (monotonic_ns() - last_reply_ns > std::int64_t{reply_timeout_ms} * 1'000'000)
            throw std::runtime_error("no reply to " + std::to_string(pending.size()) +
                                     " commands for " + std::to_string(reply_timeout_ms / 1000) +
                                     " s");
        refused = 0;
        for (const auto& [code, count] : figures.error_codes) refused += count;
        const std::uint64_t sent = next_id - 1;
        if (sent > 1000 && refused * 4 > sent)
            throw std::runtime_error(
                "a quarter of the commands were refused (" + figures.error_codes.begin()->first +
                "...): start the server with the load-test flags (see docs/benchmarks.md)");
    }
    connection.close();

    std::lock_guard lock(shared.mutex);
    FillFigures& total = shared.total;
    total.events += figures.events;
    total.no_ops += figures.no_ops;
    for (int k = 0; k < fill_op_count; ++k) {
        total.commands[k] += figures.commands[k];
        total.events_by_op[k] += figures.events_by_op[k];
    }
    for (const auto& [code, count] : figures.error_codes) total.error_codes[code] += count;
    total.ack_latency.merge(figures.ack_latency);
}

}  // namespace

FillFigures run_fill(HistoryRun& run) {
    const Options& options = run.options;
    FillShared shared;
    shared.tickets = static_cast<std::int64_t>(options.events);
    std::vector<std::thread> threads;
    for (std::uint32_t i = 0; i < options.clients; ++i)
        threads.emplace_back([&, i] {
            try {
                fill_client(run, shared, i);
            } catch (const std::exception& error) {
                std::lock_guard lock(shared.mutex);
                if (shared.failure.empty())
                    shared.failure = "fill client " + std::to_string(i) + ": " + error.what();
                shared.failed = true;
            }
        });

    while (shared.joined.load() < options.clients && !shared.failed.load())
        std::this_thread::sleep_for(1ms);
    const auto start = std::chrono::steady_clock::now();
    auto next_progress = start + 5s;
    std::uint64_t last_events = 0;
    for (;;) {
        if (shared.failed.load() || shared.tickets.load() <= 0) break;
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_progress) {
            const std::uint64_t events = run.events.load();
            std::fprintf(stderr, "parley-bench: %llu of %llu events (%.0f/s)...\n",
                         static_cast<unsigned long long>(events),
                         static_cast<unsigned long long>(options.events),
                         static_cast<double>(events - last_events) / 5.0);
            last_events = events;
            next_progress = now + 5s;
        }
        std::this_thread::sleep_for(20ms);
    }
    for (auto& thread : threads) thread.join();
    if (shared.failed.load()) throw std::runtime_error(shared.failure);
    shared.total.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(shared.total);
}

}  // namespace bench
