#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace parley::net {

// How many connections may be open, counted when the kernel hands them over, before any byte is
// read: per client address (every TCP connection, upgraded or not), in all (so the process keeps
// descriptors for its database, Redis, logs and health checks), and WebSocket sessions.
//
// Counts are held by slots: a connection's slot is released when the object holding it goes,
// which is when its socket closes, so a count can never drift from the descriptors in use.
// Thread-safe.
class ConnectionLimits {
  public:
    struct Limits {
        std::size_t sessions;  // WebSocket sessions (--max-connections)
        std::size_t per_ip;    // open connections per address (--max-connections-per-ip)
        std::size_t open;      // open connections in all, of any kind
        std::size_t health;    // of those, kept for health checks at the top
    };
    explicit ConnectionLimits(Limits limits) : limits_(limits) {}

    class Slot;
    using Entry = std::pair<const std::string, std::size_t>;  // an address and its connections
    enum class Accept {
        accepted,
        health_only,  // in the reserve at the top: only /healthz is answered
        over_per_ip,
        over_total,
    };
    // A new TCP connection from `ip`. Over a limit nothing is counted and the slot is empty.
    Slot accept(const std::string& ip, Accept& verdict);
    // A WebSocket session for a connection already accepted; empty over --max-connections.
    Slot admit_session();

    std::size_t open() const;
    std::size_t sessions() const;

  private:
    void release(Entry* entry);  // null: a session

    Limits limits_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> per_ip_;
    std::size_t open_ = 0;
    std::size_t sessions_ = 0;
};

// One counted connection (or session); the count goes when the slot does. Two pointers: every
// idle connection carries one. The ConnectionLimits must outlive every slot.
class ConnectionLimits::Slot {
  public:
    Slot() = default;
    Slot(ConnectionLimits* owner, Entry* entry) : owner_(owner), entry_(entry) {}
    Slot(Slot&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), entry_(other.entry_) {}
    Slot& operator=(Slot&& other) noexcept {
        if (this != &other) {
            reset();
            owner_ = std::exchange(other.owner_, nullptr);
            entry_ = other.entry_;
        }
        return *this;
    }
    ~Slot() { reset(); }

    explicit operator bool() const { return owner_ != nullptr; }
    // The client's address, while a connection's slot is held.
    const std::string& address() const { return entry_->first; }
    void reset() {
        if (owner_) std::exchange(owner_, nullptr)->release(entry_);
    }

  private:
    ConnectionLimits* owner_ = nullptr;
    Entry* entry_ = nullptr;
};

}  // namespace parley::net
