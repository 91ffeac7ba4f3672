// The TEE blob's lifecycle: written by the worker after an unseal inside an
// enclave, or on request; what it holds and what it refuses.
#include "seal/tee_test_fixture.h"

namespace cc::seal::testing {
namespace {

tee::Pcrs Selected(const tee::Pcrs& all) {
  tee::Pcrs out;
  for (uint32_t i : kBlobPcrs) out[i] = all.at(i);
  return out;
}

TEST_F(TeeTest, TheWorkerWritesTheBlobAfterAnUnsealInsideAnEnclave) {
  auto a = InEnclave('a');
  InitKmsOnly(*a);
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
  EXPECT_FALSE(StoredBlob().has_value());  // the request path does not write it
  a->Poll();                               // the worker's pass
  auto blob = StoredBlob();
  ASSERT_TRUE(blob.has_value());
  EXPECT_EQ(*BlobPcrs(*blob), Selected(Pcrs('a')));
  EXPECT_EQ(blob->mk_generation, 1u);
  EXPECT_EQ(blob->kms_threshold, 2);
  EXPECT_EQ(blob->kms_keys, kAwsKeys);
  // The shares are inside the PCR-bound layer, not beside it.
  EXPECT_EQ(table_->Contents().Find(kTeeBlobRecord)->body.find("ciphertext"), std::string::npos);
  StatusReport s = (*a)->Status();
  EXPECT_TRUE(s.tee.blob_present);
  EXPECT_EQ(s.tee.platform, "nitro");
  EXPECT_TRUE(s.tee.blob_stale.empty()) << s.tee.blob_stale;
  // Current for this enclave: later passes do not rewrite it.
  const uint64_t rev = table_->Contents().head.revision;
  a->Poll();
  a->Poll();
  EXPECT_EQ(table_->Contents().head.revision, rev);
}

TEST_F(TeeTest, AnotherReplicaSeesANewBlobOnItsNextRefresh) {
  auto a = InEnclave('a');
  InitKmsOnly(*a);
  auto b = OutsideEnclave();
  b->Poll();
  EXPECT_FALSE((*b)->Status().tee.blob_present);
  a->Poll();  // a writes the blob
  b->Poll();
  StatusReport s = (*b)->Status();
  EXPECT_TRUE(s.tee.blob_present);
  EXPECT_EQ(s.tee.blob_pcrs.at(0), Pcrs('a').at(0));
  EXPECT_EQ(s.tee.blob_kms_keys, kAwsKeys);
  EXPECT_TRUE(s.seal.integrity_error.empty());
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
}

TEST_F(TeeTest, OutsideAnEnclaveNoBlobIsWritten) {
  auto a = OutsideEnclave();
  InitKmsOnly(*a);
  a->Poll();
  EXPECT_FALSE(StoredBlob().has_value());
  auto r = (*a)->CreateTeeBlob({});
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("not inside a Nitro Enclave"), std::string::npos);
  EXPECT_EQ((*a)->Status().tee.platform, "none");
}

TEST_F(TeeTest, ARequestRewritesTheBlobAndSaysWhatItIsBoundTo) {
  auto a = InEnclave('a');
  InitKmsOnly(*a);
  a->Poll();
  const std::string before = table_->Contents().Find(kTeeBlobRecord)->body;
  auto r = (*a)->CreateTeeBlob({});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->written);
  EXPECT_EQ(r->revision, table_->Contents().head.revision);
  EXPECT_EQ(r->pcrs.at(0), Pcrs('a').at(0));
  EXPECT_EQ(r->kms_keys, kAwsKeys);
  EXPECT_NE(table_->Contents().Find(kTeeBlobRecord)->body, before);  // fresh shares
  // Another replica verifies the new state (the manifest covers the blob).
  auto b = OutsideEnclave();
  EXPECT_EQ((*b)->State(), SealState::kUnsealed);
}

TEST_F(TeeTest, KeysWithoutRecipientAreNamedInAConflict) {
  auto a = InEnclave('a');
  InitKmsOnly(*a, {kAwsKeys[0], "local:x", "local:y"});
  auto r = (*a)->CreateTeeBlob({});
  EXPECT_EQ(r.status().code(), ErrorCode::kConflict);
  EXPECT_NE(r.status().message().find("local:x, local:y"), std::string::npos)
      << r.status().message();
  a->Poll();  // the worker tries too, and reports why it could not
  EXPECT_FALSE(StoredBlob().has_value());
  EXPECT_NE((*a)->Status().tee.blob_error.find("local:x"), std::string::npos);
  EXPECT_EQ(LinesWith("cannot write the TEE auto-unseal blob"), 1);
  a->Poll();  // backing off: no second attempt, no second log line
  EXPECT_EQ(LinesWith("cannot write the TEE auto-unseal blob"), 1);
}

TEST_F(TeeTest, EnoughAwsKeysMakeABlobOverThoseKeysOnly) {
  auto a = InEnclave('a');
  InitKmsOnly(*a, {kAwsKeys[0], "local:x", kAwsKeys[2]});
  a->Poll();
  auto blob = StoredBlob();
  ASSERT_TRUE(blob.has_value());
  EXPECT_EQ(blob->kms_keys, (std::vector<std::string>{kAwsKeys[0], kAwsKeys[2]}));
  EXPECT_EQ(blob->kms_threshold, 2);
}

TEST_F(TeeTest, QuorumBlobIsWrittenOnceOperatorsUnseal) {
  auto a = InEnclave('a');
  InitQuorum(*a);
  a->Poll();
  EXPECT_EQ((*a)->State(), SealState::kKmsUnsealed);
  EXPECT_FALSE(StoredBlob().has_value());  // no MK, no blob
  EXPECT_EQ((*a)->CreateTeeBlob({}).status().code(), ErrorCode::kFailedPrecondition);
  OperatorsUnseal(*a);
  EXPECT_EQ((*a)->State(), SealState::kUnsealed);
  a->Poll();
  ASSERT_TRUE(StoredBlob().has_value());
  EXPECT_EQ(StoredBlob()->kms_keys, kAwsKeys);
}

TEST_F(TeeTest, NoBlobWhileAnOperatorSealIsInForce) {
  auto a = InEnclave('a');
  InitKmsOnly(*a);
  ASSERT_TRUE((*a)->Seal({"incident"}).ok());
  a->Poll();
  EXPECT_FALSE(StoredBlob().has_value());
  EXPECT_EQ((*a)->CreateTeeBlob({}).status().code(), ErrorCode::kFailedPrecondition);
}

TEST(TeeBlobStale, GenerationKeysAndThresholdMakeABlobStale) {
  records::QuorumConfig cfg;
  cfg.mk_generation = 2;
  cfg.kms_keys = {kAwsKeys[0], "pkcs11:token=t;object=o", kAwsKeys[1]};
  cfg.kms_threshold = 2;
  records::TeeBlob blob;
  blob.mk_generation = 2;
  blob.kms_keys = {kAwsKeys[0], kAwsKeys[1]};
  blob.kms_threshold = 2;
  EXPECT_EQ(WhyStale(blob, cfg), "");
  blob.mk_generation = 1;
  EXPECT_NE(WhyStale(blob, cfg).find("generation 1"), std::string::npos);
  blob.mk_generation = 2;
  blob.kms_keys = {kAwsKeys[0], kAwsKeys[2]};  // a KMS rotation
  EXPECT_NE(WhyStale(blob, cfg), "");
  blob.kms_keys = {kAwsKeys[0], kAwsKeys[1]};
  blob.kms_threshold = 1;
  EXPECT_NE(WhyStale(blob, cfg), "");
  blob.pcrs = {{-1, "x"}};
  EXPECT_EQ(BlobPcrs(blob).status().code(), ErrorCode::kCorruption);
}

}  // namespace
}  // namespace cc::seal::testing
