// What operators plug into their tools (deploy/): the live /metrics page passes
// Prometheus' own linter and carries the series the alert rules and dashboard
// use; --version names the build. The rules, dashboard, unit and package have
// their own script tests (tests/deploy).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/version.h"
#include "support/cluster.h"

namespace cc::testing {
namespace {

// Runs `promtool check metrics` on `page`; returns {exit code, output}.
std::pair<int, std::string> PromtoolCheckMetrics(const TempDir& dir, const std::string& page) {
  static int n = 0;
  std::string name = "page" + std::to_string(n++);
  dir.Write(name + ".txt", page);
  ChildProcess p("/bin/sh",
                 {"-c", "exec promtool check metrics < '" + dir.File(name + ".txt") + "'"}, {},
                 dir.File(name + ".log"));
  int rc = p.Wait(std::chrono::seconds(30));
  return {rc, p.Log()};
}

bool HavePromtool() { return system("command -v promtool >/dev/null 2>&1") == 0; }

TEST(MetricsPage, PassesPromtoolCheckMetricsAndCarriesTheAlertedSeries) {
  ASSERT_TRUE(HavePromtool()) << "promtool not found: run scripts/install-deps.sh (Debian "
                                 "package 'prometheus')";
  Cluster c(Backend::kSqlite, 1);
  c.StartAll();
  // KMS-only init: the replica unseals, so the KMS keys have been used.
  auto init = Post(c[0].Url("/api/v1/chamber/init"),
                   R"({"mode":"kms_only","kms_keys":["local:a","local:b","local:c"],)"
                   R"("kms_threshold":2})",
                   {{"Authorization", "Bearer " + c.SetupToken(0)}});
  ASSERT_EQ(init.status, 200) << init.body << c[0].Log();
  ASSERT_TRUE(c[0].WaitForState("unsealed", std::chrono::seconds(10)));
  // A rejected request and a few routes, so counters and histograms have series.
  EXPECT_EQ(
      Get(c[0].Url("/api/v1/chamber/status"), {{"Authorization", "Bearer not-a-valid-token-1234"}})
          .status,
      401);
  EXPECT_EQ(Get(c[0].Url("/healthcheck")).status, 200);

  std::string page = Get(c[0].MetricsUrl()).body;
  auto [rc, out] = PromtoolCheckMetrics(c.dir(), page);
  // Any lint finding is a failure; promtool prints nothing for a clean page.
  EXPECT_EQ(rc, 0) << out << "\n--- page:\n" << page;
  EXPECT_EQ(out, "") << "\n--- page:\n" << page;

  // The series deploy/prometheus/alerts.yaml and the dashboard need from this
  // build. containment_chamber_integrity_error and
  // containment_auth_decisions_total come from the seal component; while they
  // are absent the linter above simply has nothing of theirs to check.
  for (const std::string& series : {
           std::string("containment_build_info{version=\"") + kVersion + "\"} 1\n",
           std::string("containment_healthy 1\n"),
           std::string("containment_signer_state{state=\"unsealed\"} 1\n"),
           std::string("containment_kms_key_healthy{key=\"local:a\"} 1\n"),
           std::string("containment_state_rollback_refused 0\n"),
           std::string("containment_state_refresh_interval_seconds 1\n"),
           std::string("\ncontainment_state_refresh_age_seconds "),
           std::string("\ncontainment_state_revision "),
           std::string("\ncontainment_state_refresh_errors_total "),
           std::string("\ncontainment_auth_rejections_total"),
           std::string("\ncontainment_http_request_duration_seconds_bucket{"),
       }) {
    EXPECT_NE(page.find(series), std::string::npos) << series << "\n--- page:\n" << page;
  }
}

TEST(MetricsPage, PromtoolCheckMetricsRejectsABadPage) {
  // The oracle itself: a counter without _total must fail the check above.
  ASSERT_TRUE(HavePromtool()) << "promtool not found: run scripts/install-deps.sh";
  TempDir dir;
  auto [rc, out] = PromtoolCheckMetrics(
      dir,
      "# HELP containment_bad_count Bad.\n# TYPE containment_bad_count counter\n"
      "containment_bad_count 1\n");
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("containment_bad_count"), std::string::npos) << out;
}

TEST(VersionFlag, PrintsTheProductNameAndCMakeVersion) {
  auto r = RunCli({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("containment-chamber ") + kVersion + "\n");
  EXPECT_STRNE(kVersion, "");
}

}  // namespace
}  // namespace cc::testing
