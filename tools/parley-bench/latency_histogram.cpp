#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace bench {
namespace {

constexpr int sub_bucket_bits = 7;
constexpr std::uint64_t sub_buckets = 1u << sub_bucket_bits;
constexpr std::size_t bucket_count = (64 - sub_bucket_bits + 1) * sub_buckets;

std::size_t index_of(std::uint64_t value) {
    if (value < sub_buckets) return static_cast<std::size_t>(value);
    const int top_bit = 63 - std::countl_zero(value);
    const int shift = top_bit - sub_bucket_bits;
    const std::uint64_t low = (value >> shift) & (sub_buckets - 1);
    return static_cast<std::size_t>((static_cast<std::uint64_t>(shift) + 1) * sub_buckets + low);
}

// The middle of the bucket: the best single guess for every value that landed in it.
std::int64_t value_of(std::size_t index) {
    if (index < sub_buckets) return static_cast<std::int64_t>(index);
    const std::uint64_t shift = index / sub_buckets - 1;
    const std::uint64_t low = index % sub_buckets;
    const std::uint64_t lowest = (sub_buckets + low) << shift;
    return static_cast<std::int64_t>(lowest + ((std::uint64_t{1} << shift) >> 1));
}

}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(bucket_count, 0) {}

void LatencyHistogram::record(std::int64_t value_ns) {
    const std::uint64_t value = value_ns < 0 ? 0 : static_cast<std::uint64_t>(value_ns);
    ++buckets_[index_of(value)];
    ++count_;
    max_ = std::max(max_, static_cast<std::int64_t>(value));
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
}

std::int64_t LatencyHistogram::percentile(double fraction) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(
        std::ceil(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count_)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        seen += buckets_[i];
        if (seen >= std::max<std::uint64_t>(rank, 1)) return std::min(value_of(i), max_);
    }
    return max_;
}

}  // namespace bench
