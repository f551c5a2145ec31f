#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "options.hpp"
#include "source_addresses.hpp"
#include "ws_url.hpp"

namespace bench {

// Where the run is; the main thread moves it forward, workers follow.
enum class Phase : int {
    setup,    // opening connections; nobody sends
    warmup,   // senders send, nothing is measured yet
    measure,  // senders send, deliveries and latency are counted into the report
    drain,    // no new messages; waiting for those in flight
    stop,     // close everything and return
};

// Who is where: client c sits in channel c % M at position c / M among its members, and the
// first S clients are the senders, so senders spread evenly over channels and a sender's position
// is also its index among its channel's senders (the `s=` of its stamps).
struct RunPlan {
    Options options;
    std::vector<WsTarget> targets;  // one per --url
    std::vector<std::string> channel_names;
    std::vector<std::uint32_t> members_per_channel;
    std::vector<std::uint32_t> senders_per_channel;

    std::uint32_t channel_of(std::uint32_t client) const { return client % options.channels; }
    std::uint32_t position_of(std::uint32_t client) const { return client / options.channels; }
    bool is_sender(std::uint32_t client) const { return client < options.senders; }
    const WsTarget& target_of(std::uint32_t client) const {
        return targets[client % targets.size()];
    }
};

RunPlan make_run_plan(const Options& options);

// Everything the workers share with the main thread.
struct RunControl {
    explicit RunControl(const RunPlan& plan, std::uint32_t per_address)
        : plan(plan), addresses(per_address, plan.options.max_addresses) {}
    const RunPlan& plan;
    SourceAddressPool addresses;
    std::atomic<Phase> phase{Phase::setup};
};

}  // namespace bench
