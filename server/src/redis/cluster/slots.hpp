#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/expected.hpp"
#include "redis/connection.hpp"
#include "redis/url.hpp"

// The routing a Redis Cluster client needs, as pure functions: which slot a key is in, who
// owns each slot (from CLUSTER SLOTS), and what a MOVED or ASK redirection says. hiredis has
// no cluster support in the version Debian ships, so this is Parley's own, kept small.
namespace parley::redis::cluster {

inline constexpr int slot_count = 16384;

// CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the checksum Redis Cluster hashes
// keys with.
std::uint16_t crc16(std::string_view data);

// The part of `key` that is hashed: the text between the first '{' and the first '}' after it,
// when that text is not empty; otherwise the whole key. So every key that names `{channel}`
// lands in one slot, and a script may touch them all.
std::string_view hash_tag(std::string_view key);
int key_slot(std::string_view key);

// A redirection, from an error reply: "MOVED <slot> <host>:<port>" (the slot has moved for
// good: update the map) or "ASK <slot> <host>:<port>" (ask that node once, after ASKING).
struct Redirect {
    enum class Kind { moved, ask };
    Kind kind = Kind::moved;
    int slot = 0;
    Endpoint endpoint;
};
// nullopt when the error is not a redirection (or not a well-formed one).
std::optional<Redirect> parse_redirect(std::string_view error);

// Who serves each slot: the masters, and for each slot the index of its master.
class SlotMap {
  public:
    // From the reply to CLUSTER SLOTS: [[start, end, [host, port, id...], replicas...], ...].
    // A reply that is not one, or that leaves a slot uncovered, is refused with the reason.
    static Expected<SlotMap> from_cluster_slots(const Value& reply);

    const Endpoint& master_of(int slot) const { return masters_[owner_[slot]]; }
    const std::vector<Endpoint>& masters() const { return masters_; }
    // A MOVED: the slot is the given node's from now on.
    void move(const Redirect& redirect);

  private:
    std::size_t index_of(const Endpoint& endpoint);

    std::vector<Endpoint> masters_;
    std::array<std::uint16_t, slot_count> owner_{};  // index into masters_
};

}  // namespace parley::redis::cluster
