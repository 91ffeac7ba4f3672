#include "api/connection_table.h"

#include <gtest/gtest.h>

#include <thread>

namespace cc::api {
namespace {

struct Conn {
  std::shared_ptr<ConnectionSlot> slot;
  bool evicted = false;
};

std::shared_ptr<ConnectionSlot> AdmitTo(ConnectionTable& t, const std::string& address, Conn& c) {
  c.slot = t.Admit(address, [&c] { c.evicted = true; });
  return c.slot;
}

// Activity timestamps come from the steady clock; make them strictly ordered.
void Tick() { std::this_thread::sleep_for(std::chrono::microseconds(50)); }

TEST(ConnectionTableTest, FullTableEvictsTheLongestWaitingFirst) {
  ConnectionTable t(3, 100);
  Conn a, b, c, d;
  ASSERT_TRUE(AdmitTo(t, "10.0.0.1", a));
  Tick();
  ASSERT_TRUE(AdmitTo(t, "10.0.0.2", b));
  Tick();
  ASSERT_TRUE(AdmitTo(t, "10.0.0.3", c));
  a.slot->Set(Activity::kServing);  // in progress: never evicted
  b.slot->Set(Activity::kReading);  // an unfinished head: after the waiting ones
  ASSERT_TRUE(AdmitTo(t, "10.0.0.4", d));
  EXPECT_FALSE(a.evicted);
  EXPECT_FALSE(b.evicted);
  EXPECT_TRUE(c.evicted);
  EXPECT_EQ(t.size(), 3u);
}

TEST(ConnectionTableTest, ReadingConnectionsGoWhenNoneIsWaiting) {
  ConnectionTable t(2, 100);
  Conn a, b, c;
  AdmitTo(t, "x", a);
  AdmitTo(t, "y", b);
  a.slot->Set(Activity::kReading);
  Tick();
  b.slot->Set(Activity::kReading);
  ASSERT_TRUE(AdmitTo(t, "z", c));
  EXPECT_TRUE(a.evicted);
  EXPECT_FALSE(b.evicted);
}

TEST(ConnectionTableTest, RefusesWhenEveryConnectionIsServing) {
  ConnectionTable t(2, 100);
  Conn a, b, c;
  AdmitTo(t, "x", a)->Set(Activity::kServing);
  AdmitTo(t, "y", b)->Set(Activity::kServing);
  EXPECT_EQ(AdmitTo(t, "z", c), nullptr);
  t.Release(a.slot);
  EXPECT_NE(AdmitTo(t, "z", c), nullptr);
  EXPECT_FALSE(b.evicted);
}

TEST(ConnectionTableTest, PerAddressCapEvictsOnlyThatAddress) {
  ConnectionTable t(100, 2);
  Conn other, a1, a2, a3;
  AdmitTo(t, "other", other);
  Tick();
  AdmitTo(t, "a", a1);
  Tick();
  AdmitTo(t, "a", a2);
  ASSERT_TRUE(AdmitTo(t, "a", a3));
  EXPECT_FALSE(other.evicted);  // waited longest, but another address
  EXPECT_TRUE(a1.evicted);
  EXPECT_FALSE(a2.evicted);
  EXPECT_EQ(t.size(), 3u);
}

TEST(ConnectionTableTest, ReleaseAfterEvictionIsANoOp) {
  ConnectionTable t(1, 1);
  Conn a, b;
  AdmitTo(t, "x", a);
  AdmitTo(t, "x", b);
  EXPECT_TRUE(a.evicted);
  t.Release(a.slot);
  EXPECT_EQ(t.size(), 1u);
  t.EvictAll();
  EXPECT_TRUE(b.evicted);
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace cc::api
