// The operator-secret throttle on its own, with a fake clock: waits double up
// to the cap, a right secret elsewhere is never refused, and addresses that
// keep guessing cannot hold every Argon2id slot.
#include "seal/operator_throttle.h"

#include <gtest/gtest.h>

namespace cc::seal {
namespace {

using std::chrono::seconds;

class OperatorThrottleTest : public ::testing::Test {
 protected:
  void Wrong(const std::string& source) {
    ASSERT_TRUE(throttle_.Admit(source).ok());
    throttle_.Finish(source, false);
  }
  FakeClock clock_{1'700'000'000'000};
  OperatorThrottle throttle_{clock_};
};

TEST_F(OperatorThrottleTest, GuessingAddressesCannotHoldTheSlotAnOperatorNeeds) {
  Wrong("10.0.0.1");
  Wrong("10.0.0.2");
  // Both guessers come back at once: only one of them gets a slot.
  ASSERT_TRUE(throttle_.Admit("10.0.0.1").ok());
  EXPECT_EQ(throttle_.Admit("10.0.0.2").code(), ErrorCode::kTooManyRequests);
  // An operator from a clean address still gets the other one.
  ASSERT_TRUE(throttle_.Admit("192.168.1.7").ok());
  // And with both taken, everyone waits.
  EXPECT_EQ(throttle_.Admit("192.168.1.8").code(), ErrorCode::kTooManyRequests);
  throttle_.Finish("192.168.1.7", true);
  throttle_.Finish("10.0.0.1", false);
}

TEST_F(OperatorThrottleTest, WaitsDoubleUpToTheCapAndARightSecretElsewhereIsNeverRefused) {
  const std::string guesser = "10.0.0.9";
  for (int i = 0; i < 3; ++i) Wrong(guesser);  // three free, then 2 s
  EXPECT_EQ(throttle_.Admit(guesser).code(), ErrorCode::kTooManyRequests);
  for (int expected : {2, 4, 8, 16, 32, 64, 128, 256, 300, 300}) {
    clock_.Advance(seconds(expected - 1));
    EXPECT_FALSE(throttle_.Admit(guesser).ok()) << "before " << expected << " s";
    clock_.Advance(seconds(1));
    Wrong(guesser);
  }
  ASSERT_TRUE(throttle_.Admit("192.168.1.7").ok());
  throttle_.Finish("192.168.1.7", true);
}

}  // namespace
}  // namespace cc::seal
