// A small Prometheus registry: counters, gauges and histograms with labels,
// rendered in the text exposition format on the metrics listener.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cc::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Registry {
 public:
  // Families must be described before use so HELP/TYPE lines are emitted.
  void DescribeCounter(const std::string& name, const std::string& help);
  void DescribeGauge(const std::string& name, const std::string& help);
  void DescribeHistogram(const std::string& name, const std::string& help,
                         std::vector<double> buckets);

  void Inc(std::string_view name, const Labels& labels = {}, double by = 1);
  void Set(std::string_view name, const Labels& labels, double value);
  void Set(std::string_view name, double value) { Set(name, {}, value); }
  void Observe(std::string_view name, const Labels& labels, double value);
  // Drops every series of a gauge family (for one-hot state gauges).
  void ClearGauge(std::string_view name);

  double Value(std::string_view name, const Labels& labels = {}) const;
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket, non-cumulative
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    Type type = Type::kCounter;
    std::string help;
    std::vector<double> buckets;
    std::map<std::string, double, std::less<>> values;  // rendered label set → value
    std::map<std::string, Histogram, std::less<>> histograms;
  };
  static void RenderLabels(const Labels& labels, std::string& out);
  static std::string RenderLabels(const Labels& labels);
  template <typename Map>
  static typename Map::mapped_type& Series(Map& series, const Labels& labels);
  Family& FamilyNamed(std::string_view name);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
};

// The process-wide registry with every family of SPEC section 10 described.
Registry& Global();

}  // namespace cc::metrics
