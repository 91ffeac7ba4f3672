// state doctor's "TEE auto-unseal never works" check on hand-made snapshots.
#include "cli/doctor_tee.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "records/records.h"
#include "seal/tee_blob.h"
#include "support/harness.h"

namespace cc::cli {
namespace {

const std::string kA = "arn:aws:kms:us-east-1:1:key/a", kB = "arn:aws:kms:us-east-1:1:key/b";

state::Snapshot Chamber(std::vector<std::string> keys, int threshold,
                        std::optional<records::TeeBlob> blob) {
  state::Snapshot s;
  records::QuorumConfig cfg;
  cfg.kms_keys = std::move(keys);
  cfg.kms_threshold = threshold;
  s.records[{records::kQuorumConfig, "current"}].body = records::Encode(cfg);
  if (blob) s.records[seal::kTeeBlobRecord].body = records::Encode(*blob);
  return s;
}

records::TeeBlob Blob(char pcr0) {
  return {{{0, std::string(48, pcr0)}, {8, std::string(48, '\0')}}, 1, 2, {kA, kB}, "x", 1};
}

std::vector<Finding> Doctor(const state::Snapshot& s, const std::string& platform,
                            const std::string& pcrs_file = "") {
  config::Config cfg;
  cfg.tee_platform = platform;
  DoctorOptions options;
  options.pcrs_file = pcrs_file;
  std::vector<Finding> out;
  CheckTeeAutoUnseal(cfg, options, s, out);
  return out;
}

// The level of the first finding whose message contains `text` (-1: none).
int LevelOf(const std::vector<Finding>& findings, const std::string& text) {
  for (const auto& f : findings)
    if (f.message.find(text) != std::string::npos) return f.level;
  return -1;
}

TEST(DoctorTee, NoBlobInsideAnEnclaveIsAWarningWithThePolicyHint) {
  auto f = Doctor(Chamber({kA, kB}, 2, std::nullopt), "nitro");
  EXPECT_EQ(LevelOf(f, "no TEE auto-unseal blob"), Finding::kWarn);
  EXPECT_EQ(LevelOf(f, "kms:RecipientAttestation:ImageSha384"), Finding::kInfo);
  EXPECT_EQ(LevelOf(f, "\"kms:EncryptionContext:record\":\"tee_blob/current\""), Finding::kInfo);
  EXPECT_EQ(LevelOf(f, "\"Effect\":\"Deny\""), Finding::kInfo);
}

TEST(DoctorTee, TooFewAwsKeysFailsNamingTheReason) {
  auto f = Doctor(Chamber({kA, "local:x", "pkcs11:token=t;object=o"}, 2, std::nullopt), "nitro");
  EXPECT_EQ(LevelOf(f, "1 of the chamber's keys are AWS keys and the threshold is 2"),
            Finding::kFail);
}

TEST(DoctorTee, AStaleBlobFails) {
  records::TeeBlob blob = Blob('a');
  blob.mk_generation = 7;
  auto f = Doctor(Chamber({kA, kB}, 2, blob), "nitro");
  EXPECT_EQ(LevelOf(f, "the blob is stale"), Finding::kFail);
  EXPECT_EQ(LevelOf(f, "master-key generation 7"), Finding::kInfo);
}

TEST(DoctorTee, APcrFileIsComparedRegisterByRegister) {
  ::cc::testing::TempDir dir;
  // describe-eif of an unsigned EIF: PCR0-2, no PCR8 (the blob's zero PCR8 is not a mismatch).
  dir.Write("same.json", "{\"Measurements\": {\"HashAlgorithm\": \"Sha384 { ... }\", \"PCR0\": \"" +
                             HexEncode(std::string(48, 'a')) + "\"}}");
  dir.Write("other.json", "{\"0\": \"" + HexEncode(std::string(48, 'b')) + "\"}");
  auto same = Doctor(Chamber({kA, kB}, 2, Blob('a')), "none", dir.File("same.json"));
  EXPECT_EQ(LevelOf(same, "the blob's PCRs match"), Finding::kOk);
  EXPECT_EQ(LevelOf(same, "tee.platform is none"), Finding::kWarn);
  auto other = Doctor(Chamber({kA, kB}, 2, Blob('a')), "none", dir.File("other.json"));
  EXPECT_EQ(LevelOf(other, "PCR0 expected " + HexEncode(std::string(48, 'a')) + " actual " +
                               HexEncode(std::string(48, 'b'))),
            Finding::kFail);
  // The policy hint names the build's image, from the file.
  EXPECT_EQ(LevelOf(other, "{\"kms:RecipientAttestation:ImageSha384\":\"" +
                               HexEncode(std::string(48, 'b')) + "\"}"),
            Finding::kInfo);
  EXPECT_EQ(LevelOf(other, "kms:RecipientAttestation:PCR8"), -1);  // unsigned: zero PCR8
  auto missing = Doctor(Chamber({kA, kB}, 2, Blob('a')), "none", dir.File("absent.json"));
  EXPECT_EQ(LevelOf(missing, "--pcrs: cannot read"), Finding::kFail);
}

}  // namespace
}  // namespace cc::cli
