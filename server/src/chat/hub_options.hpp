#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "protocol/events.hpp"

namespace parley::chat {

struct HubOptions {
    std::string node;
    protocol::ClientLimits limits;
    std::size_t max_channels_per_session = 100;
    std::size_t presence_limit = 1000;
    std::chrono::milliseconds presence_window{200};
    int join_history = 50;
    int since_cap = 500;
    int welcome_dms = 50;
    int max_history_reads_per_session = 4;  // history requests in flight per connection
    std::set<std::string> admins;           // nick keys of the server's admins (--admins)
    bool guests = true;                     // connections without an account may chat
    bool registration = true;               // anyone may register an account
    std::string admin_setup_code;           // what registering an admin's nick needs
    // Which channels' events go to the webhooks (--webhook, --webhook-channels): none without a
    // webhook; every non-private channel without a list; else the listed ones, private or not.
    bool webhooks = false;
    std::set<std::string> webhook_channels;
    // One executor per io thread, in the order of Participant::lane(): a fan-out hands each
    // thread its share of the members. Empty: everything on the hub's executor.
    std::vector<boost::asio::any_io_executor> lanes;

    bool to_webhooks(const std::string& channel, bool is_private) const {
        if (!webhooks) return false;
        if (webhook_channels.empty()) return !is_private;
        return webhook_channels.count(channel) > 0;
    }
};

}  // namespace parley::chat
