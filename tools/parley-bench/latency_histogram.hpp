#pragma once

#include <cstdint>
#include <vector>

namespace bench {

// Log-linear histogram of nanosecond values (128 linear steps per power of two, so any reported
// percentile is within 1% of the true value). Recording is one index computation and an
// increment: cheap enough for every delivery. Each worker owns one; the report merges them.
class LatencyHistogram {
  public:
    LatencyHistogram();

    void record(std::int64_t value_ns);
    void merge(const LatencyHistogram& other);

    std::uint64_t count() const { return count_; }
    std::int64_t max() const { return max_; }
    // The value below which `fraction` (0..1) of the recorded values fall; 0 when empty.
    std::int64_t percentile(double fraction) const;

  private:
    std::vector<std::uint64_t> buckets_;
    std::uint64_t count_ = 0;
    std::int64_t max_ = 0;
};

}  // namespace bench
