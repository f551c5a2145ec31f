#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "ws/frame_writer.hpp"

namespace parley::chat {

// Anyone the hub can deliver frames to. The hub knows nothing of sockets: a WebSocket session
// implements this, and so could a test double or a bridge.
class Participant {
  public:
    virtual ~Participant() = default;

    // Thread-safe and never blocks: queues the frame, or closes a participant whose queue is full.
    virtual void deliver(const ws::Frame& frame) = 0;
    virtual std::string_view session_id() const = 0;

    // What the hub remembers about this participant. Only the hub reads or writes it, under
    // `mutex`; keeping it here saves a global participant map and its lock.
    struct HubState {
        std::mutex mutex;
        std::string nick;      // empty until hello succeeds
        std::string nick_key;  // lower-case nick, the key of uniqueness
        bool gone = false;     // disconnected: late storage callbacks must not re-add it
        std::set<std::string> channels;
        std::atomic<int> history_reads{0};  // history requests waiting for storage
    };
    HubState hub_state;
};

using ParticipantPtr = std::shared_ptr<Participant>;

}  // namespace parley::chat
