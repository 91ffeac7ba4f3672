// TEE auto-unseal at start inside an enclave: the recipient flow against the
// KMS double, and every way it falls back to the configured mode.
#include <chrono>
#include <iostream>

#include "seal/tee_test_fixture.h"
#include "tee/blob_seal.h"

namespace cc::seal::testing {
namespace {

using std::chrono::milliseconds;

TEST_F(TeeTest, KmsOnlyRestartUnsealsFromTheBlobWithoutPlainDecrypt) {
  auto a = InEnclave('a');
  InitKmsOnly(*a);
  a->Poll();
  ASSERT_TRUE(StoredBlob().has_value());
  const int decrypts = Decrypts(), recipient = Stat("recipient_decrypts");
  const auto started = std::chrono::steady_clock::now();
  auto b = InEnclave('a');  // a restart: its first pass
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
  EXPECT_EQ(Stat("recipient_decrypts") - recipient, 3);
  EXPECT_EQ(Decrypts() - decrypts, 3);  // every Decrypt carried a Recipient
  StatusReport s = (*b)->Status();
  EXPECT_EQ(s.tee.last_result, "unsealed");
  EXPECT_TRUE(s.tee.pcr_mismatches.empty());
  EXPECT_EQ(b->Metric("containment_tee_auto_unseal_total", {{"result", "unsealed"}}), 1);
  EXPECT_NE(b->Render().find("containment_tee_attestation_verify_seconds_count 1"),
            std::string::npos)
      << b->Render();
  EXPECT_EQ(LinesWith("unsealed through TEE auto-unseal"), 1);
  std::cout << "[ figure ] TEE auto-unseal, first pass from start (3 keys, KMS double): " << ms
            << " ms\n";
}

TEST_F(TeeTest, QuorumRestartUnsealsFromTheBlobWithoutOperators) {
  auto a = InEnclave('a');
  InitQuorum(*a);
  OperatorsUnseal(*a);
  a->Poll();
  ASSERT_TRUE(StoredBlob().has_value());
  auto b = InEnclave('a');
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
  EXPECT_EQ((*b)->Status().tee.last_result, "unsealed");
  // It holds the outer key too, so it keeps verifying and can commit.
  clock_.Advance(milliseconds(10'000));
  b->Poll();
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
  EXPECT_TRUE((*b)->Status().seal.integrity_error.empty());
}

TEST_F(TeeTest, ANewBuildReportsEachDifferingPcrAndFallsBackToKmsOnly) {
  auto a = InEnclave('a');
  InitKmsOnly(*a);
  a->Poll();
  const int recipient = Stat("recipient_decrypts");
  auto b = InEnclave('x');
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);  // through the KMS keys
  EXPECT_EQ(Stat("recipient_decrypts"), recipient);
  StatusReport s = (*b)->Status();
  EXPECT_EQ(s.tee.last_result, "pcr_mismatch");
  ASSERT_EQ(s.tee.pcr_mismatches.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(s.tee.pcr_mismatches[i].index, i);
    EXPECT_EQ(s.tee.pcr_mismatches[i].expected_hex, HexEncode(Pcrs('a').at(i)));
    EXPECT_EQ(s.tee.pcr_mismatches[i].actual_hex, HexEncode(Pcrs('x').at(i)));
  }
  EXPECT_EQ(LinesWith("measurements differ from the blob's"), 1);
  EXPECT_NE(LoggedValue("mismatches").find("PCR0"), std::string::npos);
  EXPECT_EQ(b->Metric("containment_tee_auto_unseal_total", {{"result", "pcr_mismatch"}}), 1);
  // Unsealed, the new build refreshes the blob for its own measurements...
  b->Poll();
  EXPECT_EQ(StoredBlob()->pcrs.at(0), Pcrs('x').at(0));
  // ...so its next restart auto-unseals.
  auto c = InEnclave('x');
  EXPECT_EQ((*c)->Status().tee.last_result, "unsealed");
}

TEST_F(TeeTest, ANewBuildInQuorumModeWaitsForOperatorsAndSaysWhy) {
  auto a = InEnclave('a');
  InitQuorum(*a);
  OperatorsUnseal(*a);
  a->Poll();
  auto b = InEnclave('b');
  b->Poll();
  EXPECT_EQ((*b)->State(), SealState::kKmsUnsealed);
  StatusReport s = (*b)->Status();
  EXPECT_EQ(s.tee.last_result, "pcr_mismatch");
  EXPECT_NE(s.seal.hint.find("TEE auto-unseal did not apply (pcr_mismatch"), std::string::npos)
      << s.seal.hint;
  b->Poll();  // drift is final for this blob: not tried again
  EXPECT_EQ(b->Metric("containment_tee_auto_unseal_total", {{"result", "pcr_mismatch"}}), 1);
  OperatorsUnseal(*b);
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
  b->Poll();
  EXPECT_EQ(StoredBlob()->pcrs.at(1), Pcrs('b').at(1));
}

TEST_F(TeeTest, AKeyPolicyRefusingTheEnclaveFallsBackAndIsRetried) {
  auto a = InEnclave('a');
  InitQuorum(*a);
  OperatorsUnseal(*a);
  a->Poll();
  // The key policy pins another image (kms:RecipientAttestation:ImageSha384).
  kms_.Control({{"recipient_policy", {{"ImageSha384", HexEncode(Pcrs('z').at(0))}}}});
  auto b = InEnclave('a');
  b->Poll();
  EXPECT_EQ((*b)->State(), SealState::kKmsUnsealed);
  StatusReport s = (*b)->Status();
  EXPECT_EQ(s.tee.last_result, "kms_denied");
  EXPECT_NE(s.tee.last_error.find("kms:RecipientAttestation:ImageSha384"), std::string::npos)
      << s.tee.last_error;
  for (const auto& k : s.seal.kms_keys) EXPECT_EQ(k.healthy, true) << k.key;  // the keys work
  // Once the policy is fixed, the next try (with backoff) unseals.
  kms_.Control({{"recipient_policy", nullptr}});
  b->Poll();
  EXPECT_EQ((*b)->State(), SealState::kKmsUnsealed);  // still backing off
  clock_.Advance(milliseconds(2000));
  b->Poll();
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
}

TEST_F(TeeTest, KmsOnlyFallsBackToThePlainKeysWhenTheRecipientIsRefused) {
  auto a = InEnclave('a');
  InitKmsOnly(*a);
  a->Poll();
  kms_.Control({{"recipient_policy", {{"PCR8", HexEncode(std::string(48, '\x01'))}}}});
  auto b = InEnclave('a');
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
  EXPECT_EQ((*b)->Status().tee.last_result, "kms_denied");
  EXPECT_EQ(LinesWith("unsealed with the KMS keys"), 1);  // b, after the refusal
}

TEST_F(TeeTest, OutsideAnEnclaveTheBlobIsIgnoredWithOneLogLine) {
  auto a = InEnclave('a');
  InitKmsOnly(*a);
  a->Poll();
  const int recipient = Stat("recipient_decrypts");
  auto b = OutsideEnclave();
  b->Poll();
  b->Poll();
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
  EXPECT_EQ(Stat("recipient_decrypts"), recipient);
  EXPECT_EQ(LinesWith("this replica is not inside a Nitro Enclave; it ignores the blob"), 1);
  EXPECT_EQ((*b)->Status().tee.last_result, "");
  EXPECT_TRUE((*b)->Status().tee.blob_present);
}

TEST_F(TeeTest, AnOperatorSealIsNotUndoneByTheBlob) {
  auto a = InEnclave('a');
  InitKmsOnly(*a);
  a->Poll();
  ASSERT_TRUE(StoredBlob().has_value());
  // This replica's own seal, which the backend never recorded (outage).
  a->store().fail_commits = true;
  EXPECT_FALSE((*a)->Seal({"incident"}).ok());
  a->store().fail_commits = false;
  const int recipient = Stat("recipient_decrypts");
  a->Poll();
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  // A recorded seal: a restarted enclave replica stays sealed too.
  ASSERT_TRUE((*a)->Seal({"incident"}).ok());
  auto b = InEnclave('a');
  b->Poll();
  EXPECT_EQ((*b)->State(), SealState::kSealed);
  EXPECT_EQ(Stat("recipient_decrypts"), recipient);
  EXPECT_EQ((*b)->Status().tee.last_result, "");
  EXPECT_TRUE(StoredBlob().has_value());  // kept: usable again once the seal is lifted
}

TEST_F(TeeTest, ATamperedBlobRecordIsAnIntegrityFailure) {
  auto a = InEnclave('a');
  InitKmsOnly(*a);
  a->Poll();
  // Someone with write access to the table points the blob at other PCRs.
  state::Snapshot snap = table_->Contents();
  records::TeeBlob blob = *StoredBlob();
  blob.pcrs[0] = Pcrs('x').at(0);
  snap.records[kTeeBlobRecord].body = records::Encode(blob);
  snap.head.revision++;
  table_->Restore(snap);
  a->Poll();
  EXPECT_EQ((*a)->State(), SealState::kSealed);
  EXPECT_NE((*a)->Status().seal.integrity_error.find("do not match the manifest"),
            std::string::npos);
  // A restarting enclave replica reports the drift the record claims, then
  // the manifest check of the configured path refuses the state.
  auto b = InEnclave('a');
  EXPECT_EQ((*b)->State(), SealState::kSealed);
  EXPECT_FALSE((*b)->Status().seal.integrity_error.empty());
  EXPECT_EQ((*b)->Status().tee.last_result, "pcr_mismatch");
}

TEST_F(TeeTest, AForgedBlobIsRefusedBeforeAnyKmsCall) {
  auto a = InEnclave('a');
  InitKmsOnly(*a);
  a->Poll();
  // The outer layer's key comes from public values: anyone with write access
  // can make one that opens. 300 "shares" must not become 300 KMS calls.
  records::TeeBlob blob = *StoredBlob();
  std::vector<records::KmsShare> shares;
  for (int i = 0; i < 300; ++i) shares.push_back({1 + i % 255, kAwsKeys[0], "x"});
  blob.sealed = tee::SealToPcrs(table_->Contents().head.chamber_id, *BlobPcrs(blob),
                                crypto::SecretBytes::CopyFrom(records::EncodeTeeBlobShares(shares)))
                    .value();
  state::Snapshot snap = table_->Contents();
  snap.records[kTeeBlobRecord].body = records::Encode(blob);
  snap.head.revision++;
  table_->Restore(snap);
  const int decrypts = Decrypts();
  auto b = InEnclave('a');
  StatusReport s = (*b)->Status();
  EXPECT_EQ(s.tee.last_result, "error");
  EXPECT_NE(s.tee.last_error.find("300 shares for 3 keys"), std::string::npos) << s.tee.last_error;
  EXPECT_EQ(Stat("recipient_decrypts"), 0);
  EXPECT_EQ(Decrypts() - decrypts, 3);  // the KMS layer only, which then refuses the state
  EXPECT_EQ((*b)->State(), SealState::kSealed);
  EXPECT_FALSE(s.seal.integrity_error.empty());
}

}  // namespace
}  // namespace cc::seal::testing
