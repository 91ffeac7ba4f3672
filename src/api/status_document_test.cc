#include "api/status_document.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cc::api {
namespace {

using nlohmann::json;

seal::StatusReport QuorumReport() {
  seal::StatusReport r;
  seal::SealReport& s = r.seal;
  s.status = seal::SealState::kSealed;
  s.initialized = true;
  s.mode = records::UnsealMode::kQuorum;
  s.t = 2;
  s.n = 3;
  s.seal_epoch = 7;
  s.operators = {{"alice", true, true}, {"bob", true, false}, {"carol", false, false}};
  s.registered = 2;
  s.progress = 1;
  s.kms_threshold = 1;
  s.kms_keys = {
      {"local:a", true, "", 0}, {"local:b", false, "AccessDenied", 1700000000}, {"c", {}, "", 0}};
  s.bad_shares = {3};
  s.last_error = "bytes \xFF from a KMS \"error\"\n";
  s.hint = "submit 1 more operator";
  seal::BackendReport& b = r.backend;
  b.backend = "dynamodb";
  b.location = "chamber-state";
  b.region = "eu-west-1";
  b.chamber_id = "abc";
  b.revision = 41;
  b.last_refresh_age_seconds = 0.25;
  b.refresh_errors = 2;
  b.rollback_refused_revision = 40;
  return r;
}

TEST(StatusDocument, CarriesEveryFieldOfTheReport) {
  auth::AuthSummary a{true, 1, 2, 3, 9, true};
  json j = json::parse(StatusDocument(QuorumReport(), a));
  json seal = j["seal"];
  EXPECT_EQ(seal["status"], "sealed");
  EXPECT_EQ(seal["initialized"], true);
  EXPECT_EQ(seal["sealed"], true);
  EXPECT_EQ(seal["type"], "quorum");
  EXPECT_EQ(seal["t"], 2);
  EXPECT_EQ(seal["n"], 3);
  EXPECT_EQ(seal["seal_epoch"], 7);
  EXPECT_EQ(seal["sealed_by_operator"], false);
  EXPECT_EQ(seal["operators"][1],
            (json{{"name", "bob"}, {"registered", true}, {"submitted", false}}));
  EXPECT_EQ(seal["registered"], 2);
  EXPECT_EQ(seal["progress"], 1);
  EXPECT_EQ(seal["kms"]["threshold"], 1);
  EXPECT_EQ(seal["kms"]["keys"][0], (json{{"key", "local:a"}, {"healthy", true}}));
  EXPECT_EQ(seal["kms"]["keys"][1], (json{{"key", "local:b"},
                                          {"healthy", false},
                                          {"last_error", "AccessDenied"},
                                          {"unhealthy_since", 1700000000}}));
  EXPECT_EQ(seal["kms"]["keys"][2], (json{{"key", "c"}}));  // not used yet: no verdict
  EXPECT_EQ(seal["kms"]["bad_shares"], json::array({3}));
  EXPECT_EQ(seal["last_error"], "bytes \xEF\xBF\xBD from a KMS \"error\"\n");
  EXPECT_EQ(seal["hint"], "submit 1 more operator");
  EXPECT_FALSE(seal.contains("integrity_error"));
  EXPECT_FALSE(seal.contains("insecure_test_kdf"));
  json b = j["state_backend"];
  EXPECT_EQ(b, (json{{"backend", "dynamodb"},
                     {"table", "chamber-state"},
                     {"region", "eu-west-1"},
                     {"chamber_id", "abc"},
                     {"revision", 41},
                     {"last_refresh_age_seconds", 0.25},
                     {"refresh_errors", 2},
                     {"rollback_refused_revision", 40}}));
  EXPECT_EQ(j["auth"], (json{{"enforced", true},
                             {"static_policies", 1},
                             {"runtime_policies", 2},
                             {"tokens", 3},
                             {"revision", 9},
                             {"runtime_tokens_checkable", true}}));
}

TEST(StatusDocument, SqliteNamesItsPathAndAnUninitializedChamberHasNoModeFields) {
  seal::StatusReport r;
  r.backend.backend = "sqlite";
  r.backend.location = "/var/lib/cc/state.db";
  r.seal.hint = "initialize";
  json j = json::parse(StatusDocument(r, {}));
  EXPECT_EQ(j["state_backend"]["path"], "/var/lib/cc/state.db");
  EXPECT_FALSE(j["state_backend"].contains("table"));
  EXPECT_FALSE(j["state_backend"].contains("region"));
  for (const char* absent : {"type", "t", "n", "operators", "kms", "progress"})
    EXPECT_FALSE(j["seal"].contains(absent)) << absent;
  EXPECT_EQ(j["seal"]["status"], "uninitialized");
}

TEST(SealStatusDocument, HasVaultsFieldsAndNothingAboutKeysTablesOrEndpoints) {
  json j = json::parse(SealStatusDocument(QuorumReport().seal));
  EXPECT_EQ(j, (json{{"initialized", true},
                     {"status", "sealed"},
                     {"sealed", true},
                     {"t", 2},
                     {"n", 3},
                     {"progress", 1},
                     {"nonce", ""},
                     {"type", "quorum"}}));
  json fresh = json::parse(SealStatusDocument(seal::SealReport{}));
  EXPECT_EQ(fresh["type"], "");
  EXPECT_EQ(fresh["t"], 0);
  EXPECT_EQ(fresh["sealed"], true);
}

}  // namespace
}  // namespace cc::api
