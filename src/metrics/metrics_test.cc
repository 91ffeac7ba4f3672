#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace cc::metrics {
namespace {

TEST(Registry, CountsEachLabelSetApartAndRendersThemEscaped) {
  Registry r;
  r.DescribeCounter("x_total", "things");
  r.Inc("x_total", {{"reason", "a"}});
  r.Inc("x_total", {{"reason", "a"}}, 2);
  r.Inc("x_total", {{"reason", "quote\"back\\slash\nline"}});
  EXPECT_EQ(r.Value("x_total", {{"reason", "a"}}), 3);
  EXPECT_EQ(r.Value("x_total", {{"reason", "b"}}), 0);
  std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE x_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_total{reason=\"a\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_total{reason=\"quote\\\"back\\\\slash\\nline\"} 1\n"), std::string::npos)
      << text;
}

TEST(Registry, ACounterNeverIncrementedStillRendersZero) {
  Registry r;
  r.DescribeCounter("idle_total", "nothing yet");
  EXPECT_NE(r.Render().find("idle_total 0\n"), std::string::npos);
}

TEST(Registry, GaugesAreSetAndClearedAsAFamily) {
  Registry r;
  r.DescribeGauge("state", "one-hot");
  r.Set("state", {{"s", "sealed"}}, 1);
  r.Set("state", {{"s", "sealed"}}, 0);
  r.Set("state", {{"s", "unsealed"}}, 1);
  EXPECT_EQ(r.Value("state", {{"s", "sealed"}}), 0);
  r.ClearGauge("state");
  EXPECT_EQ(r.Render().find("state{"), std::string::npos);
}

TEST(Registry, HistogramsAreCumulativeWithSumAndCount) {
  Registry r;
  r.DescribeHistogram("lat_seconds", "latency", {0.1, 1});
  r.Observe("lat_seconds", {{"route", "/a"}}, 0.05);
  r.Observe("lat_seconds", {{"route", "/a"}}, 0.5);
  r.Observe("lat_seconds", {{"route", "/a"}}, 5);
  std::string text = r.Render();
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/a\",le=\"0.1\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/a\",le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_sum{route=\"/a\"} 5.55\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count{route=\"/a\"} 3\n"), std::string::npos);
}

TEST(Registry, ConcurrentIncrementsFromManyThreadsAreAllCounted) {
  Registry r;
  r.DescribeCounter("n_total", "n");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) r.Inc("n_total", {{"t", std::to_string(t % 2)}});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(r.Value("n_total", {{"t", "0"}}) + r.Value("n_total", {{"t", "1"}}), 40000);
}

}  // namespace
}  // namespace cc::metrics
