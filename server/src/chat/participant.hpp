#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ws/frame_writer.hpp"

namespace parley::chat {

// Who a connection is beyond its nick: an account (a password or a token proved it) or a guest,
// and whether it is one of the server's admins (--admins).
struct Standing {
    bool account = false;
    bool admin = false;
};

// What the hub remembers about one connection. Every accessor takes the state's own mutex, so
// any thread may call any of them; only the hub's parts can reach the state (through
// HubAccess), while anyone may read the nick.
class ParticipantState {
  public:
    std::string nick() const;  // empty until hello succeeds
    std::string key() const;   // the nick's case-insensitive key
    bool identified() const;
    using Standing = chat::Standing;
    Standing standing() const;

    enum class Identify { identified, already, gone };
    // Sets the nick unless the connection has one already or has disconnected.
    Identify identify(const std::string& nick, Standing standing = {});

    enum class Reserve { added, already_member, too_many };
    // Counts a channel as joined (its history may still be on its way). `ticket` numbers this
    // join, so a join overtaken by a leave (and perhaps another join) can tell it was.
    Reserve reserve_channel(const std::string& name, std::size_t at_most, std::uint64_t& ticket);
    bool release_channel(const std::string& name);  // false: was not a member
    // Whether `ticket` is still the connection's join of the channel (no leave came since).
    bool join_current(const std::string& name, std::uint64_t ticket) const;
    // Gives a failed join's channel back, unless a later join of it has taken its place.
    bool release_join(const std::string& name, std::uint64_t ticket);
    bool in_channel(const std::string& name) const;
    std::vector<std::string> channel_names() const;

    struct Departure {
        std::string key;  // empty: never said hello
        std::vector<std::pair<std::string, std::uint64_t>> channels;
    };
    // The first call marks the connection gone and hands over what it held; later calls get
    // nothing, so a disconnect is handled once.
    std::optional<Departure> depart();
    bool gone() const;

    // History requests waiting for storage, at most `at_most` at a time.
    bool begin_history_read(int at_most);
    void end_history_read();

  private:
    using Channels = std::vector<std::pair<std::string, std::uint64_t>>;  // name, join ticket
    Channels::iterator find(const std::string& name);

    // Kept small: every idle connection has one. A vector, searched in a line, is half the
    // size of a map's header, and a connection is in a hundred channels at most.
    mutable std::mutex mutex_;
    std::string nick_;
    Standing standing_;
    Channels channels_;
    std::uint64_t next_ticket_ = 0;
    std::atomic<int> history_reads_{0};
    bool gone_ = false;
};

// Anyone the hub can deliver frames to. The hub knows nothing of sockets: a WebSocket session
// implements this, and so could a test double or a bridge.
class Participant {
  public:
    virtual ~Participant() = default;

    // The io thread (of HubOptions::lanes) this participant lives on: the fan-out hands each
    // thread its members' share of a message in one go.
    std::size_t lane() const { return lane_; }

    // Thread-safe and never blocks: queues the frame, or closes a participant whose queue is full.
    virtual void deliver(const ws::Frame& frame) = 0;
    virtual std::string_view session_id() const = 0;
    // The client's address, for limits kept per address (failed logins).
    virtual std::string_view address() const = 0;
    // Closes the connection after what is queued: a policy close, such as a failed login (1008).
    // Any thread. `reason` is a string literal (the session keeps only a pointer to it).
    virtual void close(std::uint16_t code, const char* reason) = 0;

    // The nick this connection said hello as, or empty; any thread.
    std::string nick() const { return state_.nick(); }

  protected:
    explicit Participant(std::size_t lane = 0) : lane_(lane) {}

  private:
    friend struct HubAccess;
    const std::size_t lane_;
    ParticipantState state_;  // kept here, it saves a global participant map and its lock
};

using ParticipantPtr = std::shared_ptr<Participant>;

// The hub's way in to a participant's state: for the hub's parts only (chat/).
struct HubAccess {
    static ParticipantState& state(Participant& participant) { return participant.state_; }
};

}  // namespace parley::chat
