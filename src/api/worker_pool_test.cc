#include "api/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace cc::api {
namespace {

TEST(WorkerPoolTest, RefusesPastTheQueueLimitAndRunsEverythingAccepted) {
  WorkerPool pool(1, 2);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.set_value();
    gate.wait();
    ran++;
  }));
  started.get_future().wait();  // the one thread is now busy
  EXPECT_TRUE(pool.TrySubmit([&] { ran++; }));
  EXPECT_TRUE(pool.TrySubmit([&] { ran++; }));
  EXPECT_FALSE(pool.TrySubmit([&] { ran++; }));  // queue full: refused, not grown
  EXPECT_EQ(pool.queued(), 2u);
  release.set_value();
  pool.Stop();
  EXPECT_EQ(ran, 3);
  EXPECT_FALSE(pool.TrySubmit([] {}));  // stopped
}

}  // namespace
}  // namespace cc::api
