#include "api/response_wire.h"

#include <gtest/gtest.h>

namespace cc::api {
namespace {

TEST(ResponseWireTest, WritesStatusHeadersAndBody) {
  HttpResponse r = HttpResponse::Text(200, "OK");
  r.headers.emplace_back("Retry-After", "1");
  std::string out;
  SerializeResponse(r, 11, true, out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nRetry-After: 1\r\n"
            "Content-Length: 2\r\n\r\nOK");
}

TEST(ResponseWireTest, ConnectionHeaderFollowsTheVersion) {
  HttpResponse r = HttpResponse::Text(404, "");
  std::string out;
  SerializeResponse(r, 11, false, out);
  EXPECT_NE(out.find("\r\nConnection: close\r\n"), std::string::npos) << out;
  SerializeResponse(r, 10, true, out);
  EXPECT_EQ(out.rfind("HTTP/1.0 404 Not Found\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << out;
  SerializeResponse(r, 10, false, out);
  EXPECT_NE(out.find("\r\nConnection: close\r\n"), std::string::npos) << out;
}

TEST(ResponseWireTest, HeadersWithLineBreaksAreDropped) {
  HttpResponse r = HttpResponse::Text(200, "");
  r.headers.emplace_back("X-Ok", "fine");
  r.headers.emplace_back("X-Bad", "a\r\nSet-Cookie: stolen=1");
  r.content_type = "text/plain\r\nX-Injected: 1";
  std::string out;
  SerializeResponse(r, 11, true, out);
  EXPECT_NE(out.find("X-Ok: fine"), std::string::npos);
  EXPECT_EQ(out.find("Set-Cookie"), std::string::npos) << out;
  EXPECT_EQ(out.find("X-Injected"), std::string::npos) << out;
}

}  // namespace
}  // namespace cc::api
