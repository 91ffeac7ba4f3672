// Our SigV4 signer against botocore (Debian's python3-botocore), signing the
// same requests at the same instant.
#include "aws/sigv4.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/encoding.h"

namespace cc::aws {
namespace {

using nlohmann::json;

std::string PythonWithBotocore() {
  // Debian's interpreter has python3-botocore; a pyenv one on PATH may not.
  for (const char* p : {"/usr/bin/python3", "python3"}) {
    std::string cmd = std::string(p) + " -c 'import botocore' 2>/dev/null";
    if (std::system(cmd.c_str()) == 0) return p;
  }
  return "";
}

json Botocore(const json& input) {
  std::string python = PythonWithBotocore();
  EXPECT_FALSE(python.empty()) << "python3-botocore is required (scripts/install-deps.sh)";
  if (python.empty()) return json::object();
  // One file per process: ctest runs these cases in parallel.
  std::string in_path = ::testing::TempDir() + "/sigv4_in_" + std::to_string(getpid()) + ".json";
  FILE* f = fopen(in_path.c_str(), "w");
  std::string text = input.dump();
  fwrite(text.data(), 1, text.size(), f);
  fclose(f);
  std::string cmd = python + " " CC_SOURCE_DIR "/tests/tools/sigv4_oracle.py < " + in_path;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << out;
  std::remove(in_path.c_str());
  return json::parse(out, nullptr, false);
}

struct Case {
  std::string name, method, url, body, service, region, token;
  net::Headers headers;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class SigV4VsBotocore : public ::testing::TestWithParam<Case> {};

TEST_P(SigV4VsBotocore, SameAuthorizationHeader) {
  const Case& c = GetParam();
  const int64_t now = 1'764'072'000 + 1234;  // 2025-11-25T12:20:34Z
  Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", c.token, {}, "test"};

  net::HttpRequest req;
  req.method = c.method;
  req.url = c.url;
  req.body = c.body;
  req.headers = c.headers;
  json headers = json::array();
  for (const auto& [k, v] : c.headers) headers.push_back({k, v});

  SigningParts parts = SignV4(req, creds, c.service, c.region, now);
  json oracle = Botocore({{"method", c.method},
                          {"url", c.url},
                          {"headers", headers},
                          {"body", c.body},
                          {"access_key", creds.access_key_id},
                          {"secret_key", creds.secret_access_key},
                          {"token", c.token},
                          {"service", c.service},
                          {"region", c.region},
                          {"timestamp", now}});
  ASSERT_TRUE(oracle.is_object() && oracle.contains("authorization")) << oracle.dump();
  EXPECT_EQ(parts.authorization, oracle["authorization"].get<std::string>())
      << "canonical request:\n"
      << parts.canonical_request;
  EXPECT_EQ(AmzDate(now), oracle["amz_date"].get<std::string>());
  EXPECT_EQ(c.token, oracle["security_token"].get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(
    Requests, SigV4VsBotocore,
    ::testing::Values(
        Case{
            "DynamoDbGetItem",
            "POST",
            "https://dynamodb.us-east-1.amazonaws.com/",
            R"({"TableName":"containment-state","Key":{"pk":{"S":"chamber"},"sk":{"S":"head"}},"ConsistentRead":true})",
            "dynamodb",
            "us-east-1",
            "",
            {{"Content-Type", "application/x-amz-json-1.0"},
             {"X-Amz-Target", "DynamoDB_20120810.GetItem"}}},
        Case{"KmsEncryptWithSessionToken",
             "POST",
             "https://kms.eu-west-1.amazonaws.com/",
             R"({"KeyId":"arn:aws:kms:eu-west-1:111122223333:key/1234","Plaintext":"AAEC"})",
             "kms",
             "eu-west-1",
             "FwoGZXIvYXdzEJr//////////wEaDEXAMPLETOKEN==",
             {{"Content-Type", "application/x-amz-json-1.1"},
              {"X-Amz-Target", "TrentService.Encrypt"}}},
        Case{"LocalEndpointWithPort",
             "POST",
             "http://127.0.0.1:8123/",
             "{}",
             "dynamodb",
             "us-west-2",
             "",
             {{"Content-Type", "application/x-amz-json-1.0"},
              {"X-Amz-Target", "DynamoDB_20120810.DescribeTable"},
              {"X-Custom", "  spaced    value  "}}},
        Case{"GetWithQueryString",
             "GET",
             "https://sts.amazonaws.com/?Version=2011-06-15&Action=GetCallerIdentity",
             "",
             "sts",
             "us-east-1",
             "",
             {}},
        Case{"EmptyBodyAndPath",
             "POST",
             "https://kms.ap-southeast-2.amazonaws.com",
             "",
             "kms",
             "ap-southeast-2",
             "",
             {{"X-Amz-Target", "TrentService.ListKeys"}}}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(SigV4, KnownSigningKeyVector) {
  // AWS's documented example: the derived signing key for these inputs.
  // https://docs.aws.amazon.com/general/latest/gr/sigv4-calculate-signature.html (20150830, iam)
  net::HttpRequest req;
  req.method = "GET";
  req.url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", {}, "test"};
  SigningParts parts = SignV4(req, creds, "iam", "us-east-1", 1440938160);  // 20150830T123600Z
  EXPECT_EQ(parts.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4, UriEncodeKeepsUnreservedOnly) {
  EXPECT_EQ(UriEncode("a-b_c.d~e/f g", false), "a-b_c.d~e/f%20g");
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
}

}  // namespace
}  // namespace cc::aws
