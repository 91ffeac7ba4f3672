#include "api/deadline_sweeper.h"

#include <gtest/gtest.h>

namespace cc::api::detail {
namespace {

struct Conn : Deadlined {
  int expired = 0;
  void OnDeadline() override { ++expired; }
};

TEST(DeadlineSweeperTest, ClosesOnlyWhatPassedItsDeadlineAndOnlyOnce) {
  boost::asio::io_context ioc;
  DeadlineSweeper sweeper(ioc, std::chrono::milliseconds(10));
  Conn late, early, never, removed;
  late.ExpireAfter(std::chrono::hours(1));
  early.ExpireAfter(std::chrono::milliseconds(0));
  removed.ExpireAfter(std::chrono::milliseconds(0));
  for (Conn* c : {&late, &early, &never, &removed}) sweeper.Add(c);
  sweeper.Remove(&removed);
  sweeper.Remove(&removed);  // idempotent
  sweeper.Start();
  for (int i = 0; i < 500 && early.expired == 0; ++i) {
    ioc.run_for(std::chrono::milliseconds(10));
  }
  ioc.run_for(std::chrono::milliseconds(50));  // a few more sweeps
  EXPECT_EQ(early.expired, 1);
  EXPECT_EQ(late.expired, 0);
  EXPECT_EQ(never.expired, 0);
  EXPECT_EQ(removed.expired, 0);
  sweeper.Stop();
}

}  // namespace
}  // namespace cc::api::detail
