// The Auth API's writes across replicas on one table: each a conditional
// commit through the state writer, seen by every replica after its poll.
#include "seal/chamber_test_fixture.h"

namespace cc::seal::testing {
namespace {

using records::RuleEffect;
using V = std::vector<std::string>;
const std::string kKey = "0x" + std::string(96, 'c');

PolicyWrite Allow(const std::string& name, V scopes) {
  return {{name, "", {{RuleEffect::kAllow, std::move(scopes), std::nullopt, std::nullopt}}, 0, 0},
          {}};
}

bool Signs(Replica& r, const std::string& token) {
  return r.authorizer()
      .Decide("Bearer " + token, auth::AccessRequest{"sign", kKey, "ATTESTATION"})
      .allowed();
}

TEST_F(ChamberTest, PoliciesAndTokensPropagateAndRevocationHoldsEverywhere) {
  auto b = NewReplica();
  auto a = NewReplica();
  InitKmsOnly(*a);
  b->Poll();
  ASSERT_TRUE((*a)->CreatePolicy(Allow("vc", {"sign", "public_keys"})).ok());
  auto token = (*a)->CreateToken({{"vc"}, 3600, std::nullopt, "vc-1", std::nullopt});
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->token.rfind("cc_token_", 0), 0u);
  EXPECT_EQ(token->record.id.rfind("tok_", 0), 0u);
  EXPECT_EQ(token->record.expires_at, clock_.NowUnixSeconds() + 3600);
  EXPECT_TRUE(Signs(*a, token->token));  // this replica at once
  b->Poll();
  EXPECT_TRUE(Signs(*b, token->token));  // the other after its poll
  // Narrowed on b: a sees it after its poll.
  ASSERT_TRUE((*b)->ReplacePolicy(Allow("vc", {"public_keys"})).ok());
  a->Poll();
  EXPECT_FALSE(Signs(*a, token->token));
  // Deleting a policy tokens still use is refused, naming them.
  auto refused = (*a)->DeletePolicy({"vc", false});
  EXPECT_EQ(refused.code(), ErrorCode::kConflict);
  EXPECT_NE(refused.message().find(token->record.id), std::string::npos);
  ASSERT_TRUE((*a)->RevokeToken({token->record.id, {}}).ok());
  b->Poll();
  EXPECT_EQ(b->authorizer().Decide("Bearer " + token->token, {"public_keys", "", ""}).reason,
            "invalid_token");
  // The last policy of either kind (this fixture has no static ones): gone,
  // signing would be open to anyone. Refused, nothing changes.
  const uint64_t before = table_->Contents().head.revision;
  auto last = (*a)->DeletePolicy({"vc", true});
  EXPECT_EQ(last.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(last.message().find("open signing"), std::string::npos) << last.message();
  EXPECT_EQ(table_->Contents().head.revision, before);
  ASSERT_TRUE((*a)->CreatePolicy(Allow("replacement", {"public_keys"})).ok());
  EXPECT_TRUE((*a)->DeletePolicy({"vc", false}).ok());
  EXPECT_EQ((*a)->RevokeToken({token->record.id, {}}).code(), ErrorCode::kNotFound);
  // Only the keyed hash was stored.
  for (const auto& [k, r] : table_->Contents().records)
    EXPECT_EQ(r.body.find(token->token), std::string::npos) << k.ToString();
}

// Two replicas editing the same policy at once: one wins, the other gets
// 409 and nothing is lost (no blind overwrite on retry).
TEST_F(ChamberTest, ConcurrentPolicyEditsLoseNothing) {
  auto b = NewReplica();
  auto a = NewReplica();
  InitKmsOnly(*a);
  ASSERT_TRUE((*a)->CreatePolicy(Allow("p", {"sign"})).ok());
  b->Poll();
  bool b_won = false;
  a->store().before_next_commit = [&] {
    b_won = (*b)->ReplacePolicy(Allow("p", {"public_keys"})).ok();
  };
  auto a_edit = (*a)->ReplacePolicy(Allow("p", {"chamber_status"}));
  EXPECT_TRUE(b_won);
  EXPECT_EQ(a_edit.status().code(), ErrorCode::kConflict) << a_edit.status().ToString();
  a->Poll();
  const auto* kept = a->authorizer().index()->FindPolicy("p");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(*kept->record.rules[0].scopes, V{"public_keys"});
}

TEST_F(ChamberTest, AuthWritesAreValidatedAndTokensNeedTheMasterKey) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  EXPECT_EQ((*a)->CreatePolicy(Allow("bad name", {"sign"})).status().code(),
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE((*a)->CreatePolicy(Allow("p", {"sign"})).ok());
  EXPECT_EQ((*a)->CreatePolicy(Allow("p", {"sign"})).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(
      (*a)->CreateToken({{"nope"}, std::nullopt, std::nullopt, "", std::nullopt}).status().code(),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      (*a)->CreateToken({{"p", "p"}, std::nullopt, std::nullopt, "", std::nullopt}).status().code(),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ((*a)->CreateToken({{"p"}, 60, clock_.NowUnixSeconds() + 60, "", std::nullopt})
                .status()
                .code(),
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE((*a)->Seal({}).ok());
  EXPECT_EQ(
      (*a)->CreateToken({{"p"}, std::nullopt, std::nullopt, "", std::nullopt}).status().code(),
      ErrorCode::kUnavailable);
}

// Delegation limits, checked by the token ceremonies against verified state
// (not against what the request's decision saw): a client token hands out
// and takes back only what it holds, and nothing it makes outlives it.
TEST_F(ChamberTest, AClientTokenDelegatesOnlyWhatItHoldsAsVerifiedStateHasIt) {
  auto a = NewReplica();
  InitKmsOnly(*a);
  ASSERT_TRUE((*a)->CreatePolicy(Allow("ops", {"chamber_auth", "sign"})).ok());
  ASSERT_TRUE((*a)->CreatePolicy(Allow("other", {"sign"})).ok());
  const int64_t now = clock_.NowUnixSeconds();
  auto parent = (*a)->CreateToken({{"ops"}, 3600, std::nullopt, "parent", std::nullopt});
  ASSERT_TRUE(parent.ok()) << parent.status().ToString();
  const std::string by = parent->record.id;
  const uint64_t before = table_->Contents().head.revision;
  // A policy it does not hold: refused, nothing written.
  auto wider = (*a)->CreateToken({{"ops", "other"}, 60, std::nullopt, "", by});
  EXPECT_EQ(wider.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(table_->Contents().head.revision, before);
  // No expiry, or a later one, is capped at the parent's; a shorter one stays.
  auto forever = (*a)->CreateToken({{"ops"}, std::nullopt, std::nullopt, "", by});
  ASSERT_TRUE(forever.ok());
  EXPECT_EQ(forever->record.expires_at, now + 3600);
  auto later = (*a)->CreateToken({{"ops"}, std::nullopt, now + 7200, "", by});
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->record.expires_at, now + 3600);
  auto shorter = (*a)->CreateToken({{"ops"}, 60, std::nullopt, "", by});
  ASSERT_TRUE(shorter.ok());
  EXPECT_EQ(shorter->record.expires_at, now + 60);
  // Revoking a token of another policy, or a management token: refused.
  auto foreign = (*a)->CreateToken({{"other"}, std::nullopt, std::nullopt, "", std::nullopt});
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ((*a)->RevokeToken({foreign->record.id, by}).code(), ErrorCode::kPermissionDenied);
  std::string management;
  state::Snapshot contents = table_->Contents();
  for (const auto& [key, record] : contents.records) {
    if (key.kind != records::kAuthToken) continue;
    auto t = records::Load<records::AuthToken>(contents, key);
    if (t.ok() && t->kind == "management") management = t->id;
  }
  ASSERT_FALSE(management.empty());
  EXPECT_EQ((*a)->RevokeToken({management, by}).code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE((*a)->RevokeToken({shorter->record.id, by}).ok());
  // Past the parent's expiry it delegates nothing, whatever authorized the request.
  clock_.Advance(std::chrono::seconds(3601));
  EXPECT_EQ((*a)->CreateToken({{"ops"}, 60, std::nullopt, "", by}).status().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ((*a)->RevokeToken({later->record.id, by}).code(), ErrorCode::kUnauthenticated);
  // Revoked (by a management caller): the same.
  ASSERT_TRUE((*a)->RevokeToken({by, std::nullopt}).ok());
  EXPECT_EQ((*a)->CreateToken({{"ops"}, 60, std::nullopt, "", by}).status().code(),
            ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace cc::seal::testing
