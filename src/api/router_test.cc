#include "api/router.h"

#include <gtest/gtest.h>

namespace cc::api {
namespace {

Handler Answer(int status) {
  return [status](const HttpRequest&) { return HttpResponse::Text(status, ""); };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/upcheck", Execution::kInline, Answer(200));
    router_.Add("POST", "/api/v1/eth2/sign/{pubkey}", Execution::kWorker, Answer(201));
    router_.Add("GET", "/api/v1/chamber/rotate/*", Execution::kInline, Answer(501));
    router_.Add("POST", "/api/v1/chamber/rotate/*", Execution::kInline, Answer(501));
  }
  Router router_;
};

TEST_F(RouterTest, LiteralPathsMatchExactly) {
  EXPECT_EQ(router_.Find("GET", "/upcheck").route->pattern, "/upcheck");
  EXPECT_EQ(router_.Find("GET", "/upcheck/").route, nullptr);
  EXPECT_EQ(router_.Find("GET", "/upcheckx").route, nullptr);
  EXPECT_EQ(router_.Find("GET", "upcheck").route, nullptr);
}

TEST_F(RouterTest, ParametersTakeOneNonEmptySegment) {
  auto m = router_.Find("POST", "/api/v1/eth2/sign/0xabc");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->execution, Execution::kWorker);
  EXPECT_EQ(m.params.at("pubkey"), "0xabc");
  EXPECT_EQ(router_.Find("POST", "/api/v1/eth2/sign/").route, nullptr);
  EXPECT_EQ(router_.Find("POST", "/api/v1/eth2/sign/a/b").route, nullptr);
}

TEST_F(RouterTest, StarTakesTheRestOfThePath) {
  EXPECT_NE(router_.Find("GET", "/api/v1/chamber/rotate/kms").route, nullptr);
  EXPECT_NE(router_.Find("GET", "/api/v1/chamber/rotate/kms/commit").route, nullptr);
  EXPECT_NE(router_.Find("GET", "/api/v1/chamber/rotate/").route, nullptr);
  EXPECT_EQ(router_.Find("GET", "/api/v1/chamber/rotate").route, nullptr);
}

TEST_F(RouterTest, WrongMethodListsTheAllowedOnes) {
  auto m = router_.Find("DELETE", "/api/v1/chamber/rotate/kms");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed_methods, "GET, POST");
  auto none = router_.Find("GET", "/nope");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_EQ(none.allowed_methods, "");
}

}  // namespace
}  // namespace cc::api
