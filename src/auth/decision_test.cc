// Decisions over runtime policies and tokens: deny wins, no matching allow
// is 403, missing/unknown/expired tokens are 401, and a field a rule leaves
// out matches anything. Index built from records, as the chamber does.
#include <gtest/gtest.h>

#include "auth/authorizer.h"
#include "common/encoding.h"

namespace cc::auth {
namespace {

using records::RuleEffect;
using V = std::vector<std::string>;

const std::string kKeyA = "0x" + std::string(96, 'a');
const std::string kKeyB = "0x" + std::string(96, 'b');

class DecisionTest : public ::testing::Test {
 protected:
  void AddPolicy(const std::string& name, std::vector<records::PolicyRule> rules) {
    records::AuthPolicy p{name, "", std::move(rules), 1, 1};
    ASSERT_TRUE(ValidatePolicy(p).ok());
    snap_.records[{records::kAuthPolicy, name}] = {
        {records::kAuthPolicy, name}, 1, records::Encode(p)};
  }
  // A client token bound to `policies`; returns its secret.
  std::string AddToken(const std::string& id, V policies, std::optional<int64_t> expires = {},
                       const std::string& kind = "client") {
    std::string secret = "cc_token_" + id + "-secret";
    records::AuthToken t{id, kind, AuthIndex::Hash(*key_, secret), std::move(policies), expires,
                         1,  ""};
    snap_.records[{records::kAuthToken, id}] = {{records::kAuthToken, id}, 1, records::Encode(t)};
    return secret;
  }
  Authorizer& Load() {
    snap_.head.revision = ++revision_;
    authorizer_.Install(AuthIndex::Build(snap_, key_, authorizer_.index().get()));
    return authorizer_;
  }
  Decision Ask(const std::string& secret, std::string_view scope, std::string_view key = "",
               std::string_view op = "") {
    return authorizer_.Decide(secret.empty() ? "" : "Bearer " + secret,
                              AccessRequest{scope, key, op});
  }

  FakeClock clock_{1'700'000'000'000};
  std::shared_ptr<const crypto::SecretBytes> key_ =
      std::make_shared<const crypto::SecretBytes>(crypto::SecretBytes::Random(32));
  state::Snapshot snap_;
  uint64_t revision_ = 0;
  Authorizer authorizer_{config::Config{}, &clock_};
};

TEST_F(DecisionTest, DenyWinsOverAllowAndKeysCompareWithoutCase) {
  AddPolicy("vc", {{RuleEffect::kAllow, V{"sign", "public_keys"}, V{kKeyA}, std::nullopt},
                   {RuleEffect::kDeny, std::nullopt, std::nullopt, V{"VOLUNTARY_EXIT"}}});
  std::string t = AddToken("tok_1", {"vc"});
  Load();
  std::string upper = "0x" + std::string(96, 'A');
  EXPECT_TRUE(Ask(t, "sign", upper, "ATTESTATION").allowed());
  Decision exit = Ask(t, "sign", kKeyA, "VOLUNTARY_EXIT");
  EXPECT_EQ(exit.verdict, Decision::Verdict::kForbidden);
  EXPECT_EQ(exit.reason, "denied_by_rule");
  EXPECT_EQ(exit.policy, "vc");
  Decision other_key = Ask(t, "sign", kKeyB, "ATTESTATION");
  EXPECT_EQ(other_key.reason, "no_matching_allow");
  // A rule naming keys never matches a request without one.
  EXPECT_EQ(Ask(t, "public_keys").reason, "no_matching_allow");
  EXPECT_EQ(Ask(t, "chamber_status").verdict, Decision::Verdict::kForbidden);
  EXPECT_EQ(Ask(t, "sign", kKeyA, "ATTESTATION").who, "tok_1");
}

// A replica that starts sealed enforces what it finds before it can verify
// it. If those rows were tampered (a client token turned into a management
// one, its record revision left alone) and restored before the first
// verified build, nothing read from them may survive into that build.
TEST_F(DecisionTest, NothingReadFromUnverifiedStateIsReused) {
  AddPolicy("vc", {{RuleEffect::kAllow, V{"sign"}, std::nullopt, std::nullopt}});
  std::string t = AddToken("tok_1", {"vc"});
  state::Record honest = snap_.records[{records::kAuthToken, "tok_1"}];
  AddToken("tok_1", {"vc"}, std::nullopt, "management");  // same record revision
  snap_.head.revision = ++revision_;
  authorizer_.Install(AuthIndex::BuildUnverified(snap_));
  EXPECT_FALSE(authorizer_.index()->tokens_checkable());
  snap_.records[{records::kAuthToken, "tok_1"}] = honest;
  Load();  // the first build over verified state
  EXPECT_EQ(authorizer_.index()->FindById("tok_1")->kind, "client");
  EXPECT_EQ(Ask(t, "chamber_seal").verdict, Decision::Verdict::kForbidden);
  EXPECT_TRUE(Ask(t, "sign", kKeyA, "ATTESTATION").allowed());
}

TEST_F(DecisionTest, MissingUnknownExpiredAndRevokedTokensAre401) {
  AddPolicy("all", {{RuleEffect::kAllow, V{"sign"}, std::nullopt, std::nullopt}});
  std::string live = AddToken("tok_live", {"all"});
  std::string old = AddToken("tok_old", {"all"}, clock_.NowUnixSeconds() + 10);
  Load();
  EXPECT_TRUE(Ask(live, "sign", kKeyA, "BLOCK_V2").allowed());
  EXPECT_TRUE(Ask(old, "sign", kKeyA, "BLOCK_V2").allowed());
  clock_.Advance(std::chrono::seconds(11));
  EXPECT_EQ(Ask(old, "sign", kKeyA, "BLOCK_V2").reason, "expired_token");
  EXPECT_EQ(Ask("", "sign").reason, "missing_token");
  EXPECT_EQ(Ask("cc_token_unknown", "sign").reason, "invalid_token");
  snap_.records.erase({records::kAuthToken, "tok_live"});  // revoked
  Load();
  EXPECT_EQ(Ask(live, "sign", kKeyA, "BLOCK_V2").verdict, Decision::Verdict::kUnauthenticated);
}

TEST_F(DecisionTest, SigningIsOpenOnlyWhileNoPolicyExists) {
  Load();
  EXPECT_FALSE(authorizer_.Enforced());
  EXPECT_TRUE(Ask("", "sign", kKeyA, "ATTESTATION").allowed());
  EXPECT_TRUE(Ask("", "public_keys").allowed());
  EXPECT_EQ(Ask("", "chamber_status").reason, "missing_token");
  AddPolicy("p", {{RuleEffect::kAllow, V{"sign"}, std::nullopt, std::nullopt}});
  Load();
  EXPECT_TRUE(authorizer_.Enforced());
  EXPECT_EQ(Ask("", "sign", kKeyA, "ATTESTATION").reason, "missing_token");
  EXPECT_EQ(authorizer_.Summary().runtime_policies, 1u);
}

TEST_F(DecisionTest, ManagementTokensHaveEveryScopeAndNoKeyMeansNoRuntimeTokens) {
  std::string m = AddToken("tok_m", {"*"}, std::nullopt, "management");
  Load();
  for (const auto& scope : config::KnownScopes()) EXPECT_TRUE(Ask(m, scope).allowed()) << scope;
  authorizer_.Install(authorizer_.index()->WithoutTokenKey());  // sealed: no MK
  EXPECT_EQ(Ask(m, "chamber_status").reason, "invalid_token");
  EXPECT_FALSE(authorizer_.Summary().runtime_tokens_checkable);
}

TEST_F(DecisionTest, APolicyDeletedWithForceGrantsNothing) {
  AddPolicy("gone", {{RuleEffect::kAllow, V{"sign"}, std::nullopt, std::nullopt}});
  std::string t = AddToken("tok_1", {"gone"});
  Load();
  EXPECT_TRUE(Ask(t, "sign", kKeyA, "ATTESTATION").allowed());
  snap_.records.erase({records::kAuthPolicy, "gone"});
  Load();
  EXPECT_EQ(Ask(t, "sign", kKeyA, "ATTESTATION").reason, "no_matching_allow");
}

TEST_F(DecisionTest, UnchangedRecordsAreReusedAcrossRebuilds) {
  AddPolicy("p", {{RuleEffect::kAllow, V{"sign"}, std::nullopt, std::nullopt}});
  AddToken("tok_1", {"p"});
  Load();
  const records::AuthToken* before = authorizer_.index()->FindById("tok_1");
  ASSERT_NE(before, nullptr);
  AddToken("tok_2", {"p"});
  Load();
  EXPECT_EQ(authorizer_.index()->token_count(), 2u);
  EXPECT_EQ(authorizer_.index()->TokensUsing("p"), (V{"tok_1", "tok_2"}));
}

// The Authorization header is untrusted bytes.
TEST(ParseAuthorizationTest, OddHeadersAreHandledStrictly) {
  EXPECT_EQ(ParseAuthorization("bearer abc")->token, "abc");  // scheme is case-insensitive
  EXPECT_EQ(ParseAuthorization("Bearer \t abc  ")->token, "abc");
  EXPECT_EQ(ParseAuthorization("  Bearer abc")->token, "abc");
  EXPECT_FALSE(ParseAuthorization("Bearerabc"));
  EXPECT_FALSE(ParseAuthorization("Bearer abc def"));
  EXPECT_FALSE(ParseAuthorization(std::string("Bearer abc\0def", 14)));
  EXPECT_FALSE(ParseAuthorization("Bearer abc\x01"));
  EXPECT_FALSE(ParseAuthorization("Basic !!!notbase64"));
  EXPECT_FALSE(ParseAuthorization("Basic " + Base64Encode("no-colon")));
  EXPECT_FALSE(ParseAuthorization("Bearer " + std::string(10 * 1024, 'a')));
  auto basic = ParseAuthorization("BASIC " + Base64Encode("ops:tok"));
  ASSERT_TRUE(basic);
  EXPECT_EQ(*basic->username, "ops");
}

TEST(PolicyValidation, ErrorsNameTheField) {
  auto check = [](records::AuthPolicy p) { return ValidatePolicy(p).message(); };
  records::PolicyRule ok{RuleEffect::kAllow, V{"sign"}, std::nullopt, std::nullopt};
  EXPECT_NE(check({"bad name", "", {ok}, 0, 0}).find("'name'"), std::string::npos);
  EXPECT_NE(check({"p", "", {}, 0, 0}).find("'rules'"), std::string::npos);
  EXPECT_NE(check({"p", "", {{RuleEffect::kAllow, std::nullopt, std::nullopt, std::nullopt}}, 0, 0})
                .find("'rules[0]' is empty"),
            std::string::npos);
  EXPECT_NE(check({"p", "", {{RuleEffect::kAllow, V{"sing"}, std::nullopt, std::nullopt}}, 0, 0})
                .find("'rules[0].scopes' names an unknown scope 'sing'"),
            std::string::npos);
  EXPECT_NE(check({"p", "", {ok, {RuleEffect::kDeny, std::nullopt, V{"0x12"}, std::nullopt}}, 0, 0})
                .find("'rules[1].keys' holds a malformed pubkey"),
            std::string::npos);
  EXPECT_NE(check({"p", "", {{RuleEffect::kDeny, std::nullopt, std::nullopt, V{"EXIT"}}}, 0, 0})
                .find("'rules[0].operations' names an unknown operation 'EXIT'"),
            std::string::npos);
  records::AuthPolicy mixed{
      "p",
      "",
      {{RuleEffect::kAllow, std::nullopt, V{"0x" + std::string(96, 'F')}, std::nullopt}},
      0,
      0};
  ASSERT_TRUE(ValidatePolicy(mixed).ok());
  EXPECT_EQ((*mixed.rules[0].keys)[0], "0x" + std::string(96, 'f'));  // normalized
}

}  // namespace
}  // namespace cc::auth
