#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "history.hpp"
#include "ws_url.hpp"

namespace bench {

// Where the read phase is; the main thread moves it forward, readers follow.
enum class ReadPhase : int { warmup, measure, stop };

// What the history scenario's threads share with its main thread.
struct HistoryRun {
    const Options& options;
    WsTarget target;
    std::vector<std::string> channels;
    std::atomic<std::uint64_t> events{0};  // fill: events acknowledged so far
    std::atomic<ReadPhase> phase{ReadPhase::warmup};
};

// Fills the channels with options.events events from options.clients connections, each keeping
// options.window commands in flight. Throws std::runtime_error when the fill cannot go on.
FillFigures run_fill(HistoryRun& run);

// Starts options.readers readers; they time pages while run.phase is `measure` and return once
// it is `stop`. `ready` is called (from the calling thread) once every reader has connected and
// found the channels' newest seq, before any page is timed.
ReadFigures run_readers(HistoryRun& run, const std::function<void()>& ready);

}  // namespace bench
