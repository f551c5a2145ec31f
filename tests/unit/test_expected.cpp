// The one shape of a recoverable error: a value or the reason there is none.
#include <gtest/gtest.h>

#include <memory>

#include "model/expected.hpp"

namespace parley {
namespace {

Expected<int> half(int n) {
    if (n % 2 != 0) return Failure{std::to_string(n) + " is odd"};
    return n / 2;
}

TEST(Expected, HoldsTheValueOrTheReason) {
    auto even = half(8);
    ASSERT_TRUE(even);
    EXPECT_EQ(*even, 4);
    auto odd = half(7);
    ASSERT_FALSE(odd);
    EXPECT_EQ(odd.error().message, "7 is odd");
}

TEST(Expected, MovesOutValuesThatCannotBeCopied) {
    Expected<std::unique_ptr<int>> made = std::make_unique<int>(3);
    auto owned = std::move(made).value();
    EXPECT_EQ(*owned, 3);
}

TEST(Expected, VoidSaysOnlyWhetherAndWhy) {
    Expected<void> done;
    EXPECT_TRUE(done);
    Expected<void> refused = Failure{"busy"};
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "busy");
}

}  // namespace
}  // namespace parley
