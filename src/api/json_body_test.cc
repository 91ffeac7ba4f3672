#include "api/json_body.h"

#include <gtest/gtest.h>

namespace cc::api {
namespace {

HttpRequest Post(std::string body, std::string content_type = "application/json") {
  HttpRequest r;
  r.method = "POST";
  r.body = std::move(body);
  if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
  return r;
}

TEST(JsonBodyTest, EmptyBodyIsAnEmptyObjectWhateverTheContentType) {
  nlohmann::json j;
  EXPECT_FALSE(ParseJsonBody(Post("", ""), j));
  EXPECT_EQ(j, nlohmann::json::object());
  EXPECT_FALSE(ParseJsonBody(Post("", "application/x-www-form-urlencoded"), j));
}

TEST(JsonBodyTest, FormAndMultipartBodiesAre415NamingJson) {
  nlohmann::json j;
  for (const char* type :
       {"application/x-www-form-urlencoded", "Multipart/form-data; boundary=x"}) {
    auto r = ParseJsonBody(Post("a=b", type), j);
    ASSERT_TRUE(r) << type;
    EXPECT_EQ(r->status, 415);
    EXPECT_NE(r->body.find("application/json"), std::string::npos) << r->body;
  }
}

TEST(JsonBodyTest, NonObjectsAre400) {
  nlohmann::json j;
  for (const char* body : {"[1]", "{", "\"x\"", "nul"}) {
    auto r = ParseJsonBody(Post(body), j);
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->status, 400);
  }
  EXPECT_FALSE(ParseJsonBody(Post("{\"a\":1}", ""), j));  // no content type: still JSON
}

}  // namespace
}  // namespace cc::api
