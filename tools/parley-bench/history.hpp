#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "latency_histogram.hpp"
#include "options.hpp"

namespace bench {

// The history scenario (issue 13): fill channels with a realistic mix of messages and change
// events, then time `history` pages on them. See docs/benchmarks.md.
int run_history(const Options& options);

// What one fill client asks the server to do.
enum class FillOp : std::uint8_t { say, react, unreact, edit, remove };
constexpr int fill_op_count = 5;
const char* fill_op_name(FillOp op);

struct PendingOp {
    FillOp op = FillOp::say;
    std::uint32_t channel = 0;
    std::uint64_t target = 0;  // the message's seq; for a say, the reply_to (0: none)
    std::uint8_t emoji = 0;    // react / unreact
    std::int64_t sent_ns = 0;
};

// One fill client's choices. It follows the channels' recent messages (from the `message` and
// `deleted` events every member receives) and its own messages and reactions, so that its edits,
// reactions and deletions land on live, recent messages, as a chat's do: most of them succeed,
// and the newest pages end up with reactions from several users and some edits and deletions.
// The share of each command: say 58% (one in ten a reply), react 25%, edit 8%, unreact 5%,
// delete 4%; a command without a target yet (no message of this client's to edit, no reaction
// to take back) is a say.
class FillMix {
  public:
    FillMix(std::vector<std::string> channel_names, std::uint32_t text_size, std::uint64_t seed);

    // Picks the next command, writes its JSON with "id": `id` into `out` and returns what it is.
    PendingOp next(std::string& out, std::uint64_t id);

    void on_message(std::uint32_t channel, std::uint64_t seq);
    void on_deleted(std::uint32_t channel, std::uint64_t target);
    // The `ok` of one of ours; `seq` is 0 when the ok carried none (a repeated reaction).
    void on_ok(const PendingOp& op, std::uint64_t seq);
    void on_error(const PendingOp& op);

  private:
    struct Channel {
        std::deque<std::uint64_t> recent;  // live messages of anyone, oldest first
        std::deque<std::uint64_t> mine;    // live messages of this client
        std::deque<std::pair<std::uint64_t, std::uint8_t>> reacted;  // (seq, emoji) given
    };
    std::uint64_t random();
    std::uint32_t below(std::uint32_t bound) {
        return static_cast<std::uint32_t>(random() % bound);
    }
    void append_text(std::string& out, const char* prefix, std::uint64_t id) const;

    std::vector<std::string> names_;
    std::vector<Channel> channels_;
    std::uint32_t text_size_;
    std::uint32_t next_channel_ = 0;
    std::uint64_t state_;
};

// What a history page held: to show the pages timed are the ones the issue asks about.
struct PageStats {
    std::uint64_t messages = 0;
    std::uint64_t with_reactions = 0;
    std::uint64_t edited = 0;
    std::uint64_t deleted = 0;
    std::uint64_t replies = 0;
    std::uint64_t highest_seq = 0;
};
// Counts the `messages` of one `history` reply; false when it is not one.
bool scan_history_page(std::string_view reply, PageStats& stats);

// Figures of the two phases, gathered by the threads and printed by history_scenario.cpp.
struct FillFigures {
    std::uint64_t events = 0;                        // oks that carried a seq
    std::uint64_t commands[fill_op_count] = {};      // sent, per FillOp
    std::uint64_t events_by_op[fill_op_count] = {};  // oks with a seq, per FillOp
    std::uint64_t no_ops = 0;                        // oks without a seq
    std::map<std::string, std::uint64_t> error_codes;
    LatencyHistogram ack_latency;
    double seconds = 0;
};

struct ReadFigures {
    std::uint64_t pages = 0;
    std::uint64_t newest_pages = 0;
    std::uint64_t bytes = 0;
    PageStats content;
    LatencyHistogram latency;
    LatencyHistogram newest_latency;  // the newest pages alone, also counted in `latency`
    std::map<std::string, std::uint64_t> error_codes;
    double seconds = 0;
};

}  // namespace bench
