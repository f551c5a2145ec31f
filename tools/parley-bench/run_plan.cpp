#include "run_plan.hpp"

namespace bench {

RunPlan make_run_plan(const Options& options) {
    RunPlan plan;
    plan.options = options;
    for (const auto& url : options.urls) plan.targets.push_back(parse_ws_url(url));
    const std::uint32_t channels = options.channels;
    plan.members_per_channel.assign(channels, 0);
    plan.senders_per_channel.assign(channels, 0);
    const bool sends = options.scenario == Scenario::fanout || options.scenario == Scenario::rooms;
    for (std::uint32_t c = 0; c < options.clients; ++c) {
        ++plan.members_per_channel[c % channels];
        if (sends && c < options.senders) ++plan.senders_per_channel[c % channels];
    }
    for (std::uint32_t k = 0; k < channels; ++k)
        plan.channel_names.push_back(channels == 1 ? options.channel_prefix
                                                   : options.channel_prefix + std::to_string(k));
    return plan;
}

}  // namespace bench
