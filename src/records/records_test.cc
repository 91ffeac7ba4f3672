#include "records/records.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cc::records {
namespace {

TEST(Records, EveryKindRoundTrips) {
  MasterKeyMetadata mk{
      2,         UnsealMode::kQuorum,
      2,         {{1, "local:a", std::string("\x00\x01\xff", 3)}, {2, "local:b", "ct"}},
      "kcheck",  "mcheck",
      1700000000};
  auto mk2 = Decode<MasterKeyMetadata>(Encode(mk));
  ASSERT_TRUE(mk2.ok()) << mk2.status().ToString();
  EXPECT_EQ(mk2->generation, 2u);
  EXPECT_EQ(mk2->kms_shares[0].ciphertext, std::string("\x00\x01\xff", 3));
  EXPECT_EQ(mk2->mk_check, "mcheck");
  EXPECT_EQ(mk2->mode, UnsealMode::kQuorum);

  QuorumConfig qc;
  qc.mode = UnsealMode::kQuorum;
  qc.kms_keys = {"local:a", "local:b"};
  qc.kms_threshold = 2;
  qc.operator_threshold = 2;
  qc.operators = {{"alice", 1, true, ""}, {"bob", 2, false, "hash"}};
  auto qc2 = Decode<QuorumConfig>(Encode(qc));
  ASSERT_TRUE(qc2.ok());
  EXPECT_EQ(qc2->operators[1].registration_token_hash, "hash");
  EXPECT_FALSE(qc2->AllRegistered());
  EXPECT_EQ(qc2->Find("alice")->share_index, 1);

  OperatorCredential oc{"alice",   1, 1, CredentialMethod::kPassphrase, {"salt", 3, 1 << 20}, "", 2,
                        "wrapped", 5};
  auto oc2 = Decode<OperatorCredential>(Encode(oc));
  ASSERT_TRUE(oc2.ok());
  EXPECT_EQ(oc2->kdf.memlimit, 1u << 20);
  EXPECT_EQ(oc2->method, CredentialMethod::kPassphrase);

  AuthPolicy ap{"ops",
                "desc",
                {{RuleEffect::kDeny, std::vector<std::string>{"sign"},
                  std::vector<std::string>{"0xabc"}, std::vector<std::string>{"BLOCK_V2"}},
                 {RuleEffect::kAllow, std::nullopt, std::nullopt, std::nullopt}},
                9,
                10};
  EXPECT_EQ((*Decode<AuthPolicy>(Encode(ap))->rules[0].keys)[0], "0xabc");
  EXPECT_FALSE(Decode<AuthPolicy>(Encode(ap))->rules[1].keys.has_value());  // left out
  EXPECT_EQ(Decode<AuthPolicy>(Encode(ap))->updated_at, 10);
  EXPECT_EQ(Decode<AuthPolicy>(Encode(ap))->rules[0].effect, RuleEffect::kDeny);

  AuthToken at{"id1", "client", "h", {"ops"}, 123, 9, "for vc-1"};
  EXPECT_EQ(*Decode<AuthToken>(Encode(at))->expires_at, 123);
  at.expires_at.reset();
  EXPECT_FALSE(Decode<AuthToken>(Encode(at))->expires_at.has_value());

  TeeBlob tb{{{0, std::string(48, 'p')}}, 2, 1, {"arn:aws:kms:eu-west-1:1:key/a"}, "sealed", 1};
  EXPECT_EQ(Decode<TeeBlob>(Encode(tb))->pcrs.at(0).size(), 48u);
  EXPECT_EQ(Decode<TeeBlob>(Encode(tb))->mk_generation, 2u);
  EXPECT_EQ(Decode<TeeBlob>(Encode(tb))->kms_keys, tb.kms_keys);
  std::vector<KmsShare> inner = {{1, "arn:aws:kms:eu-west-1:1:key/a", std::string("\0\xff", 2)}};
  EXPECT_EQ(DecodeTeeBlobShares(EncodeTeeBlobShares(inner))->at(0).ciphertext, inner[0].ciphertext);
  EXPECT_EQ(DecodeTeeBlobShares("{\"type\":\"tee_blob\"}").status().code(), ErrorCode::kCorruption);
  EXPECT_EQ(DecodeTeeBlobShares("not json").status().code(), ErrorCode::kCorruption);

  UnsealProgress up{"bob", 1, 3, "w", 10, 20};
  EXPECT_EQ(Decode<UnsealProgress>(Encode(up))->seal_epoch, 3u);

  SealEpoch se{4, true, 11, "operator seal"};
  EXPECT_TRUE(Decode<SealEpoch>(Encode(se))->sealed);

  RootGeneration rg{"nonce", "otp", {{"alice", "s"}}, 1, 2};
  EXPECT_EQ(Decode<RootGeneration>(Encode(rg))->progress.at("alice"), "s");

  EXPECT_EQ(Decode<Manifest>(Encode(Manifest{7, "mac"}))->revision, 7u);
  EXPECT_EQ(Decode<OneTimeToken>(Encode(OneTimeToken{"unseal_resume", "h", 5}))->purpose,
            "unseal_resume");
}

TEST(Records, BodiesAreSelfDescribing) {
  auto j = nlohmann::json::parse(Encode(SealEpoch{1, false, 0, ""}));
  EXPECT_EQ(j["type"], "seal_epoch");
  EXPECT_EQ(j["v"], kRecordVersion);
}

TEST(Records, ARecordOfAnotherKindIsCorruption) {
  auto r = Decode<QuorumConfig>(Encode(SealEpoch{1, true, 0, ""}));
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(r.status().message().find("seal_epoch"), std::string::npos);
}

TEST(Records, ANewerVersionIsRefusedWithAClearMessage) {
  auto j = nlohmann::json::parse(Encode(SealEpoch{1, true, 0, ""}));
  j["v"] = kRecordVersion + 1;
  auto r = Decode<SealEpoch>(j.dump());
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(r.status().message().find("version"), std::string::npos);
}

TEST(Records, MalformedBodiesAreCorruptionNotCrashes) {
  for (const std::string body : {"", "{", "[]", R"({"type":"seal_epoch","v":1})",
                                 R"({"type":"manifest","v":1,"revision":1,"mac":"!!notbase64"})"}) {
    EXPECT_EQ(Decode<SealEpoch>(body).status().code(), ErrorCode::kCorruption) << body;
    EXPECT_EQ(Decode<Manifest>(body).status().code(), ErrorCode::kCorruption) << body;
  }
}

TEST(Records, LoadNamesTheRecord) {
  state::Snapshot snap;
  snap.records[{kSealEpoch, "current"}] = {{kSealEpoch, "current"}, 1, "junk"};
  auto r = Load<SealEpoch>(snap, {kSealEpoch, "current"});
  EXPECT_NE(r.status().message().find("seal_epoch/current"), std::string::npos);
  EXPECT_EQ(Load<SealEpoch>(snap, {kSealEpoch, "other"}).status().code(), ErrorCode::kNotFound);
}

// Each closed set has one name per value, and a stored name outside the set
// is a malformed record (never a default).
TEST(Records, EnumNamesRoundTripAndUnknownNamesAreCorruption) {
  for (auto m : {UnsealMode::kKmsOnly, UnsealMode::kQuorum})
    EXPECT_EQ(Parse<UnsealMode>(Name(m)), m);
  for (auto m :
       {CredentialMethod::kPending, CredentialMethod::kPassphrase, CredentialMethod::kYubiKey})
    EXPECT_EQ(Parse<CredentialMethod>(Name(m)), m);
  for (auto e : {RuleEffect::kAllow, RuleEffect::kDeny}) EXPECT_EQ(Parse<RuleEffect>(Name(e)), e);
  EXPECT_FALSE(Parse<UnsealMode>("tee").has_value());
  EXPECT_FALSE(Parse<RuleEffect>("Allow").has_value());
  QuorumConfig qc;
  std::string body = Encode(qc);
  body.replace(body.find("\"kms_only\""), 10, "\"kmsonly\"");
  auto bad = Decode<QuorumConfig>(body);
  EXPECT_EQ(bad.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(bad.status().message().find("mode"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace cc::records
