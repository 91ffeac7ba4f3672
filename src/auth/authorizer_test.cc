#include "auth/authorizer.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace cc::auth {
namespace {

config::Config TwoPolicies() {
  config::Config c;
  c.auth_policies.push_back({"ops",
                             "ops-token-0123456789",
                             std::vector<std::string>{"chamber_status", "chamber_seal"},
                             {}});
  c.auth_policies.push_back({"vc", "vc-token-0123456789a", std::nullopt, {"chamber_seal"}});
  return c;
}

TEST(ParseAuthorizationTest, BearerAndBasic) {
  auto b = ParseAuthorization("Bearer abc");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->token, "abc");
  EXPECT_FALSE(b->username);
  auto basic = ParseAuthorization("Basic " + Base64Encode("ops:secret-token"));
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->token, "secret-token");
  EXPECT_EQ(*basic->username, "ops");
  EXPECT_FALSE(ParseAuthorization(""));
  EXPECT_FALSE(ParseAuthorization("Digest x"));
  EXPECT_FALSE(ParseAuthorization("Basic !!!"));
  EXPECT_FALSE(ParseAuthorization("Bearer "));
}

TEST(AuthorizerTest, MissingTokenIs401UnlessScopeIsOpen) {
  Authorizer a(TwoPolicies());
  EXPECT_TRUE(a.Check("", "upcheck").ok());
  EXPECT_EQ(a.Check("", "chamber_status").code(), ErrorCode::kUnauthenticated);
}

TEST(AuthorizerTest, WrongTokenIs401) {
  Authorizer a(TwoPolicies());
  EXPECT_EQ(a.Check("Bearer not-a-real-token-000", "chamber_status").code(),
            ErrorCode::kUnauthenticated);
}

TEST(AuthorizerTest, ScopeOutsidePolicyIs403) {
  Authorizer a(TwoPolicies());
  std::string who;
  EXPECT_TRUE(a.Check("Bearer ops-token-0123456789", "chamber_status", &who).ok());
  EXPECT_EQ(who, "ops");
  EXPECT_EQ(a.Check("Bearer ops-token-0123456789", "sign").code(), ErrorCode::kPermissionDenied);
}

TEST(AuthorizerTest, DenyWinsAndEmptyAllowMeansAll) {
  Authorizer a(TwoPolicies());
  EXPECT_TRUE(a.Check("Bearer vc-token-0123456789a", "sign").ok());
  EXPECT_EQ(a.Check("Bearer vc-token-0123456789a", "chamber_seal").code(),
            ErrorCode::kPermissionDenied);
}

TEST(AuthorizerTest, BasicUsernameMustNameTheTokensPolicy) {
  Authorizer a(TwoPolicies());
  EXPECT_TRUE(a.Check("Basic " + Base64Encode("ops:ops-token-0123456789"), "chamber_status").ok());
  // Decided (docs/auth.md): a username that names no static policy is refused
  // too; only the policy's own name (or Bearer) presents a static token.
  EXPECT_EQ(a.Check("Basic " + Base64Encode("x:ops-token-0123456789"), "chamber_status").code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(a.Check("Basic " + Base64Encode("vc:ops-token-0123456789"), "chamber_status").code(),
            ErrorCode::kUnauthenticated);
}

TEST(AuthorizerTest, ErrorsNeverContainTheToken) {
  Authorizer a(TwoPolicies());
  Status st = a.Check("Bearer ops-token-0123456789", "sign");
  EXPECT_EQ(st.message().find("ops-token-0123456789"), std::string::npos);
}

// Omitting allowed_scopes keeps the original meaning (every scope); an
// explicit empty list grants none (it must not fail open).
TEST(AuthorizerTest, AnEmptyAllowedListGrantsNoScope) {
  config::Config c;
  c.auth_policies.push_back({"none", "none-token-0123456789", std::vector<std::string>{}, {}});
  c.auth_policies.push_back({"all", "all-token-01234567890", std::nullopt, {}});
  Authorizer a(c);
  for (const auto& scope : config::KnownScopes()) {
    EXPECT_EQ(a.Check("Bearer none-token-0123456789", scope).code(), ErrorCode::kPermissionDenied)
        << scope;
    EXPECT_TRUE(a.Check("Bearer all-token-01234567890", scope).ok()) << scope;
  }
}

}  // namespace
}  // namespace cc::auth
