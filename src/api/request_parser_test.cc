#include "api/request_parser.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace cc::api {
namespace {

namespace http = boost::beast::http;

struct Outcome {
  boost::beast::error_code ec;
  int rejection = 0;
  bool done = false;
  HttpRequest request;
};

Outcome Parse(const std::string& bytes, ParseLimits limits = {}) {
  RequestParser p(limits);
  p.eager(true);
  Outcome o;
  size_t used = 0;
  while (used < bytes.size() && !o.ec && !p.is_done()) {
    size_t n = p.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), o.ec);
    if (n == 0 && !o.ec) break;  // needs more bytes than there are
    used += n;
  }
  o.rejection = p.rejection();
  o.done = p.is_done();
  o.request = p.request();
  return o;
}

TEST(RequestParserTest, FillsTheRequest) {
  auto o = Parse("POST /a/b?x=1&y=%20 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_TRUE(o.done);
  EXPECT_EQ(o.request.method, "POST");
  EXPECT_EQ(o.request.path, "/a/b");
  EXPECT_EQ(o.request.QueryParam("y"), " ");
  EXPECT_EQ(o.request.Header("content-length"), "2");
  EXPECT_EQ(o.request.body, "{}");
}

TEST(RequestParserTest, ChunkedBodiesAreJoined) {
  auto o = Parse(
      "POST / HTTP/1.1\r\nTransfer-Encoding: "
      "chunked\r\n\r\n2\r\n{\"\r\n3\r\na\":\r\n2\r\n1}\r\n0\r\n\r\n");
  ASSERT_FALSE(o.ec) << o.ec.message();
  EXPECT_EQ(o.request.body, "{\"a\":1}");
}

TEST(RequestParserTest, TooManyHeadersIs431) {
  std::string req = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) req += "X-" + std::to_string(i) + ": v\r\n";
  auto o = Parse(req + "\r\n");
  EXPECT_TRUE(o.ec);
  EXPECT_EQ(o.rejection, 431);
  ParseLimits roomy;
  roomy.max_headers = 200;
  EXPECT_FALSE(Parse(req + "\r\n", roomy).ec);
}

TEST(RequestParserTest, HeaderBytesPastTheLimitAreAHeaderLimitError) {
  ParseLimits limits;
  limits.max_header_bytes = 1024;
  auto o = Parse("GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n", limits);
  EXPECT_EQ(o.ec, http::error::header_limit);
}

TEST(RequestParserTest, LongRequestLineIs414) {
  auto o = Parse("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(o.ec);
  EXPECT_EQ(o.rejection, 414);
}

TEST(RequestParserTest, BodyPastTheLimitIsABodyLimitError) {
  ParseLimits limits;
  limits.max_body_bytes = 10;
  auto o = Parse("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n01234567890", limits);
  EXPECT_EQ(o.ec, http::error::body_limit);
}

TEST(ClassifyReadErrorTest, MapsLimitsToStatusesAndClosesToNothing) {
  EXPECT_EQ(ClassifyReadError(http::error::header_limit, 0)->status, 431);
  EXPECT_EQ(ClassifyReadError(http::error::bad_target, 414)->status, 414);
  EXPECT_EQ(ClassifyReadError(http::error::body_limit, 0)->status, 413);
  EXPECT_EQ(ClassifyReadError(http::error::bad_version, 0)->status, 400);
  EXPECT_FALSE(ClassifyReadError(http::error::end_of_stream, 0));
  EXPECT_FALSE(ClassifyReadError(http::error::partial_message, 0));
  EXPECT_FALSE(ClassifyReadError(boost::asio::error::connection_reset, 0));
  EXPECT_FALSE(ClassifyReadError(boost::asio::error::operation_aborted, 0));
}

}  // namespace
}  // namespace cc::api
