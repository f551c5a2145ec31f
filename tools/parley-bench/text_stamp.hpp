#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bench {

// What a sender writes at the start of every message text, so any receiver can compute the
// delivery latency and spot holes without asking anyone: "t=<ns> s=<sender> n=<seq> " and then
// 'x' up to the requested text size. Times are CLOCK_MONOTONIC nanoseconds, comparable because
// senders and receivers live in the same process. Only [a-z0-9= ] appear, so the text needs no
// JSON escaping and the raw JSON string is the text itself.
struct Stamp {
    std::int64_t sent_ns = 0;
    std::uint32_t sender = 0;  // the sender's index among its channel's senders
    std::uint32_t seq = 0;     // per sender, from 1
};

// Appends the stamped text; it is longer than `text_size` only when the stamp itself is.
void append_stamped_text(std::string& out, const Stamp& stamp, std::size_t text_size);

std::optional<Stamp> parse_stamp(std::string_view text);

}  // namespace bench
