#pragma once

#include <atomic>
#include <cstdint>

namespace bench {

// Hands out source addresses 127.0.0.1, 127.0.0.2, ... so that more connections than one address
// has ephemeral ports can reach one server port: each (source address, port) pair is its own
// four-tuple. Shared by all workers, hence atomics.
class SourceAddressPool {
  public:
    SourceAddressPool(std::uint32_t connections_per_address, std::uint32_t max_addresses);

    // The address for the next connection, as its last-octet offset: 0 means 127.0.0.1 (left to
    // the kernel, no bind), k means bind to 127.0.0.(1+k) before connect.
    std::uint32_t next();

    // connect() or bind() said EADDRNOTAVAIL at `offset`: its ports are used up, move past it.
    void exhausted(std::uint32_t offset);

    std::uint32_t addresses_used() const;

  private:
    const std::uint32_t per_address_;
    const std::uint32_t max_addresses_;
    std::atomic<std::uint64_t> opened_{0};
    std::atomic<std::uint32_t> floor_{0};
    std::atomic<std::uint32_t> highest_{0};
};

}  // namespace bench
