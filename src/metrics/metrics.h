// A small Prometheus registry: counters, gauges and histograms with labels,
// rendered in the text exposition format on the metrics listener.
#pragma once

#include <map>
#include <mutex>
#include <string>
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

  void Inc(const std::string& name, const Labels& labels = {}, double by = 1);
  void Set(const std::string& name, const Labels& labels, double value);
  void Set(const std::string& name, double value) { Set(name, {}, value); }
  void Observe(const std::string& name, const Labels& labels, double value);
  // Drops every series of a gauge family (for one-hot state gauges).
  void ClearGauge(const std::string& name);

  double Value(const std::string& name, const Labels& labels = {}) const;
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket, non-cumulative
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> buckets;
    std::map<std::string, double> values;  // rendered label set → value
    std::map<std::string, Histogram> histograms;
  };
  static std::string RenderLabels(const Labels& labels);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// The process-wide registry with every family of SPEC section 10 described.
Registry& Global();

}  // namespace cc::metrics
