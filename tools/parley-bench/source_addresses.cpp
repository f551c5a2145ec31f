#include "source_addresses.hpp"

#include <algorithm>

namespace bench {

SourceAddressPool::SourceAddressPool(std::uint32_t connections_per_address,
                                     std::uint32_t max_addresses)
    : per_address_(std::max<std::uint32_t>(connections_per_address, 1)),
      max_addresses_(std::max<std::uint32_t>(max_addresses, 1)) {}

std::uint32_t SourceAddressPool::next() {
    const std::uint64_t number = opened_.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t by_count = number / per_address_;
    const std::uint64_t chosen =
        std::max<std::uint64_t>(by_count, floor_.load(std::memory_order_relaxed));
    // A long connect-churn run wraps around: by then the first addresses' ports are free again.
    const auto offset = static_cast<std::uint32_t>(chosen % max_addresses_);
    std::uint32_t highest = highest_.load(std::memory_order_relaxed);
    while (offset > highest &&
           !highest_.compare_exchange_weak(highest, offset, std::memory_order_relaxed)) {
    }
    return offset;
}

void SourceAddressPool::exhausted(std::uint32_t offset) {
    std::uint32_t floor = floor_.load(std::memory_order_relaxed);
    while (floor <= offset &&
           !floor_.compare_exchange_weak(floor, offset + 1, std::memory_order_relaxed)) {
    }
}

std::uint32_t SourceAddressPool::addresses_used() const {
    return highest_.load(std::memory_order_relaxed) + 1;
}

}  // namespace bench
