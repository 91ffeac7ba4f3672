#include "metrics/metrics.h"

#include <charconv>
#include <cmath>

#include "common/version.h"

namespace cc::metrics {

void Registry::RenderLabels(const Labels& labels, std::string& out) {
  out.clear();
  if (labels.empty()) return;
  out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first;
    out += "=\"";
    for (char c : labels[i].second) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
}

std::string Registry::RenderLabels(const Labels& labels) {
  std::string out;
  RenderLabels(labels, out);
  return out;
}

template <typename Map>
typename Map::mapped_type& Registry::Series(Map& series, const Labels& labels) {
  // Hot paths (every request counts): the rendered label set goes into a
  // per-thread buffer, so a series that exists costs no allocation.
  thread_local std::string key;
  RenderLabels(labels, key);
  auto it = series.find(key);
  if (it == series.end()) it = series.emplace(key, typename Map::mapped_type{}).first;
  return it->second;
}

Registry::Family& Registry::FamilyNamed(std::string_view name) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{}).first;
  return it->second;
}

void Registry::DescribeCounter(const std::string& name, const std::string& help) {
  std::lock_guard<std::mutex> l(mu_);
  families_[name] = Family{Type::kCounter, help, {}, {}, {}};
}
void Registry::DescribeGauge(const std::string& name, const std::string& help) {
  std::lock_guard<std::mutex> l(mu_);
  families_[name] = Family{Type::kGauge, help, {}, {}, {}};
}
void Registry::DescribeHistogram(const std::string& name, const std::string& help,
                                 std::vector<double> buckets) {
  std::lock_guard<std::mutex> l(mu_);
  families_[name] = Family{Type::kHistogram, help, std::move(buckets), {}, {}};
}

void Registry::Inc(std::string_view name, const Labels& labels, double by) {
  std::lock_guard<std::mutex> l(mu_);
  Series(FamilyNamed(name).values, labels) += by;
}
void Registry::Set(std::string_view name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> l(mu_);
  Series(FamilyNamed(name).values, labels) = value;
}
void Registry::ClearGauge(std::string_view name) {
  std::lock_guard<std::mutex> l(mu_);
  FamilyNamed(name).values.clear();
}

void Registry::Observe(std::string_view name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> l(mu_);
  Family& f = FamilyNamed(name);
  Histogram& h = Series(f.histograms, labels);
  if (h.counts.empty()) h.counts.assign(f.buckets.size(), 0);
  for (size_t i = 0; i < f.buckets.size(); ++i) {
    if (value <= f.buckets[i]) {
      h.counts[i]++;
      break;
    }
  }
  h.sum += value;
  h.count++;
}

double Registry::Value(std::string_view name, const Labels& labels) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  auto v = it->second.values.find(RenderLabels(labels));
  return v == it->second.values.end() ? 0 : v->second;
}

// The shortest text that reads back as `v` (le="0.1", not 0.10000000000000001).
static std::string Num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string Registry::Render() const {
  std::lock_guard<std::mutex> l(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    const char* type = f.type == Type::kCounter ? "counter"
                       : f.type == Type::kGauge ? "gauge"
                                                : "histogram";
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + type + "\n";
    if (f.type != Type::kHistogram) {
      if (f.values.empty() && f.type == Type::kCounter) out += name + " 0\n";
      for (const auto& [labels, v] : f.values) out += name + labels + " " + Num(v) + "\n";
      continue;
    }
    for (const auto& [labels, h] : f.histograms) {
      // Insert le="..." into the existing label set.
      std::string base = labels.empty() ? "{" : labels.substr(0, labels.size() - 1) + ",";
      uint64_t cumulative = 0;
      for (size_t i = 0; i < f.buckets.size(); ++i) {
        cumulative += h.counts[i];
        out += name + "_bucket" + base + "le=\"" + Num(f.buckets[i]) + "\"} " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + base + "le=\"+Inf\"} " + std::to_string(h.count) + "\n";
      out += name + "_sum" + labels + " " + Num(h.sum) + "\n";
      out += name + "_count" + labels + " " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

Registry& Global() {
  static Registry* r = [] {
    auto* reg = new Registry();
    reg->DescribeGauge("containment_signer_state", "Current seal state (1 for the active state)");
    reg->DescribeGauge("containment_healthy", "1 when the signer can sign, else 0");
    reg->DescribeCounter("containment_chamber_init_total", "Completed init ceremonies");
    reg->DescribeCounter("containment_chamber_seal_total", "Emergency seals");
    reg->DescribeCounter("containment_chamber_unseal_total", "Completed unseals");
    reg->DescribeCounter("containment_chamber_unseal_shares_total",
                         "Operator share submissions, by operator");
    reg->DescribeCounter("containment_chamber_rotation_total", "Rotations, by type");
    reg->DescribeCounter("containment_auth_rejections_total",
                         "Requests refused by auth, by reason");
    reg->DescribeCounter("containment_auth_decisions_total",
                         "Auth decisions on authenticated routes, by result (allow, deny)");
    reg->DescribeGauge("containment_state_revision", "State backend revision this replica holds");
    reg->DescribeGauge("containment_state_refresh_age_seconds",
                       "Seconds since the last successful state refresh");
    reg->DescribeCounter("containment_state_refresh_errors_total", "Failed state refreshes");
    reg->DescribeCounter("containment_state_backend_requests_total",
                         "Requests sent to the state backend, by operation");
    reg->DescribeHistogram(
        "containment_http_request_duration_seconds", "HTTP request latency, by route and status",
        {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
    // For the alert rules and dashboard in deploy/ (docs/deploy.md).
    reg->DescribeGauge("containment_state_refresh_interval_seconds",
                       "Configured refresh interval (signer_state.refresh_interval_seconds)");
    reg->DescribeGauge("containment_state_rollback_refused",
                       "1 while the backend shows a lower revision or another chamber, refused");
    reg->DescribeGauge("containment_kms_key_healthy",
                       "1 when the last call with this KMS key succeeded, by key URI");
    reg->DescribeGauge("containment_chamber_integrity_error",
                       "1 while the stored state fails authentication on this replica");
    reg->DescribeCounter("containment_tee_auto_unseal_total",
                         "TEE auto-unseal attempts inside a Nitro Enclave, by result (unsealed, "
                         "pcr_mismatch, kms_denied, stale_blob, error)");
    reg->DescribeHistogram("containment_tee_attestation_verify_seconds",
                           "Time to verify this enclave's own attestation document",
                           {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25});
    reg->DescribeGauge("containment_build_info", "Always 1; the version label is the build");
    reg->Set("containment_build_info", {{"version", kVersion}}, 1);
    return reg;
  }();
  return *r;
}

}  // namespace cc::metrics
