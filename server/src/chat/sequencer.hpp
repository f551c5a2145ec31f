#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "model/message.hpp"

namespace parley::chat {

// Hands a channel's messages on in `seq` order, each exactly once, whatever order and however
// often they arrive. A single node's storage already calls back in order; across a cluster
// messages come from Redis pub/sub, which a reconnect can interrupt, so a gap is possible and
// must be filled from the channel's stored history before anything after it is delivered.
class Sequencer {
  public:
    struct Step {
        std::vector<model::ChatMessage> deliver;     // in seq order
        std::optional<std::int64_t> catch_up_after;  // read the messages after this seq, then
                                                     // pass them to caught_up()
        bool seqs_restarted = false;  // the store lost its data and counts from 1 again
    };

    // Messages held while the position is unknown or a gap is being filled, at most.
    static constexpr std::size_t max_held = 10'000;

    bool known() const { return delivered_.has_value(); }
    std::int64_t delivered() const { return delivered_.value_or(0); }

    // The channel's head seq as a read saw it: everything up to it is history, not live.
    Step start(std::int64_t head);
    // A live message.
    Step offer(model::ChatMessage message);
    // What a catch-up read found: the messages after the asked seq (ascending) and the head seq
    // when it ran. A seq up to `head` that the read did not return is gone for good (trimmed,
    // or over the read's cap): delivery steps over it instead of waiting for it forever. A head
    // below what was delivered means the store lost its data (Redis restarted without it):
    // delivery starts over from its seqs.
    Step caught_up(std::vector<model::ChatMessage> messages, std::int64_t head);
    // The catch-up read failed (Redis down): wait for the next message or resync().
    void catch_up_failed() { catching_up_ = false; }
    // After a reconnect: messages may have been missed without any gap showing yet.
    Step resync();

  private:
    void hold(model::ChatMessage message);
    // Delivers what is contiguous; on a gap, asks for a catch-up read when `may_catch_up`.
    Step release(bool may_catch_up = true);

    std::optional<std::int64_t> delivered_;
    bool catching_up_ = false;
    bool overflowed_ = false;  // held messages were dropped: only a read can recover them
    std::map<std::int64_t, model::ChatMessage> held_;
};

}  // namespace parley::chat
