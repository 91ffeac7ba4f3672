#include "common/retry.h"

#include <gtest/gtest.h>

namespace cc {
namespace {

TEST(BackoffDelay, GrowsExponentiallyUpToTheCap) {
  BackoffPolicy p{std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 10};
  EXPECT_EQ(BackoffDelay(p, 1, 0.999).count(), 99);
  EXPECT_EQ(BackoffDelay(p, 2, 0.999).count(), 199);
  EXPECT_EQ(BackoffDelay(p, 3, 0.5).count(), 200);
  EXPECT_EQ(BackoffDelay(p, 8, 0.999).count(), 999);  // capped
  EXPECT_EQ(BackoffDelay(p, 40, 0.0).count(), 0);     // full jitter reaches zero
}

TEST(Retry, RetriesOnlyRetryableErrors) {
  BackoffPolicy p{std::chrono::milliseconds(1), std::chrono::milliseconds(1), 5};
  std::vector<std::chrono::milliseconds> slept;
  auto sleeper = [&](std::chrono::milliseconds d) { slept.push_back(d); };

  int calls = 0;
  Status st = RetryStatus(
      p,
      [&] {
        ++calls;
        return calls < 3 ? Status::Throttled("slow down") : Status::Ok();
      },
      sleeper);
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(slept.size(), 2u);

  calls = 0;
  st = RetryStatus(
      p,
      [&] {
        ++calls;
        return Status::Conflict("lost");
      },
      sleeper);
  EXPECT_EQ(st.code(), ErrorCode::kConflict);
  EXPECT_EQ(calls, 1);

  calls = 0;
  st = RetryStatus(
      p,
      [&] {
        ++calls;
        return Status::Unavailable("down");
      },
      sleeper);
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(calls, 5);
}

TEST(Retry, ReturnsTheValueOfTheSuccessfulAttempt) {
  BackoffPolicy p{std::chrono::milliseconds(1), std::chrono::milliseconds(1), 4};
  int calls = 0;
  Result<int> r = Retry<int>(
      p,
      [&]() -> Result<int> {
        if (++calls == 1) return Status::Unavailable("blip");
        return 42;
      },
      [](std::chrono::milliseconds) {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
}

}  // namespace
}  // namespace cc
