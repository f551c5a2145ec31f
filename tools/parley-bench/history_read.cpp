#include <chrono>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "history_run.hpp"
#include "json_scan.hpp"
#include "worker.hpp"
#include "ws_connection.hpp"

namespace bench {
namespace {

using namespace std::chrono_literals;

constexpr int reply_timeout_ms = 30'000;
constexpr int page_limit = 100;  // the protocol's largest page, the one issue 13 asks about
// One page in this many is the newest (what a client reads on opening a channel); the others
// are older pages at random (scrolling back, search results, links to old messages).
constexpr std::uint32_t newest_one_in = 4;

struct ReadShared {
    std::atomic<std::uint32_t> ready{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::string failure;
    ReadFigures total;
};

std::string page_request(const std::string& channel, std::uint64_t before, std::uint64_t id) {
    std::string json =
        R"({"type":"history","channel":")" + channel + R"(","limit":)" + std::to_string(page_limit);
    if (before > 0) json += R"(,"before":)" + std::to_string(before);
    return json + R"(,"id":)" + std::to_string(id) + '}';
}

void reader(HistoryRun& run, ReadShared& shared, std::uint32_t index) {
    const Options& options = run.options;
    const int timeout_ms = static_cast<int>(options.handshake_timeout_s * 1000);
    WsConnection connection(run.target, timeout_ms);
    connection.request(
        R"({"type":"hello","nick":")" + options.nick_prefix + "_r" + std::to_string(index) + "\"}",
        "welcome", timeout_ms);
    // Pages are read without joining, as the protocol allows for public channels: a reader gets
    // no live events, only its replies. The newest page gives each channel's highest seq.
    std::vector<std::uint64_t> top;
    for (const auto& channel : run.channels) {
        PageStats newest;
        scan_history_page(connection.request(page_request(channel, 0, 0), "history", timeout_ms),
                          newest);
        if (newest.messages == 0)
            throw std::runtime_error("channel " + channel + " has no messages: fill it first");
        top.push_back(newest.highest_seq);
    }
    shared.ready.fetch_add(1);

    std::uint64_t state =
        0x9E3779B97F4A7C15ull * (index + 1) ^ static_cast<std::uint64_t>(monotonic_ns());
    const auto random = [&] {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545F4914F6CDD1Dull;
    };
    ReadFigures figures;
    std::uint64_t id = 1;
    std::string json, reply;
    while (!shared.failed.load()) {
        const ReadPhase phase = run.phase.load();
        if (phase == ReadPhase::stop) break;
        const auto channel = static_cast<std::uint32_t>(random() % run.channels.size());
        const bool newest = random() % newest_one_in == 0;
        // `before` anywhere from just above the first seq to the newest: every depth alike.
        const std::uint64_t before = newest ? 0 : 2 + random() % top[channel];
        json = page_request(run.channels[channel], before, ++id);
        const std::int64_t sent = monotonic_ns();
        connection.send_text(json);

        reply.clear();
        std::string code;
        while (reply.empty() && code.empty()) {
            if (!connection.receive(reply_timeout_ms, [&](std::string_view text) {
                    std::string_view type, reply_id, error;
                    visit_json_fields(text, [&](std::string_view key, std::string_view value) {
                        if (key == "type")
                            type = value;
                        else if (key == "id")
                            reply_id = value;
                        else if (key == "code")
                            error = value;
                    });
                    if (reply_id != std::to_string(id)) return;
                    if (type == "history")
                        reply = text;
                    else if (type == "error")
                        code = error.empty() ? "?" : error;
                }))
                throw std::runtime_error("no reply to a history request for " +
                                         std::to_string(reply_timeout_ms / 1000) + " s");
        }
        const std::int64_t took = monotonic_ns() - sent;
        if (phase != ReadPhase::measure) continue;
        if (!code.empty()) {
            ++figures.error_codes[code];
            continue;
        }
        figures.latency.record(took);
        if (newest) figures.newest_latency.record(took);
        ++figures.pages;
        figures.newest_pages += newest ? 1 : 0;
        figures.bytes += reply.size();
        scan_history_page(reply, figures.content);
    }
    connection.close();

    std::lock_guard lock(shared.mutex);
    ReadFigures& total = shared.total;
    total.pages += figures.pages;
    total.newest_pages += figures.newest_pages;
    total.bytes += figures.bytes;
    total.content.messages += figures.content.messages;
    total.content.with_reactions += figures.content.with_reactions;
    total.content.edited += figures.content.edited;
    total.content.deleted += figures.content.deleted;
    total.content.replies += figures.content.replies;
    total.latency.merge(figures.latency);
    total.newest_latency.merge(figures.newest_latency);
    for (const auto& [code, count] : figures.error_codes) total.error_codes[code] += count;
}

}  // namespace

ReadFigures run_readers(HistoryRun& run, const std::function<void()>& ready) {
    ReadShared shared;
    std::vector<std::thread> threads;
    for (std::uint32_t i = 0; i < run.options.readers; ++i)
        threads.emplace_back([&, i] {
            try {
                reader(run, shared, i);
            } catch (const std::exception& error) {
                std::lock_guard lock(shared.mutex);
                if (shared.failure.empty())
                    shared.failure = "reader " + std::to_string(i) + ": " + error.what();
                shared.failed = true;
            }
        });
    while (shared.ready.load() < run.options.readers && !shared.failed.load())
        std::this_thread::sleep_for(1ms);
    if (!shared.failed.load()) ready();
    run.phase.store(ReadPhase::stop);
    for (auto& thread : threads) thread.join();
    if (shared.failed.load()) throw std::runtime_error(shared.failure);
    return std::move(shared.total);
}

}  // namespace bench
