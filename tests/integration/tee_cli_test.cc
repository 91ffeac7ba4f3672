// `containment-chamber tee verify` as a real process on the real AWS-signed
// documents in tests/data/nitro (README there gives sources and timestamps),
// plus a test-CA document for --root and hex input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "support/harness.h"
#include "tee/testing/real_documents.h"
#include "tee/testing/test_attestor.h"

namespace cc::testing {
namespace {

namespace tt = ::cc::tee::testing;
const std::string kDoc2024 = tt::TestDataPath("doc-2024-09-07.b64");
const std::string kDoc2022 = tt::TestDataPath("doc-2022-10-13.cbor");
const std::string kDebug = tt::TestDataPath("doc-2024-09-07-debug.b64");
const std::string kPcr0_2024 = "e72a46ca";  // prefix; the full value is read from the JSON output

TEST(TeeCliTest, RealDocumentsVerifyAtTheirTimestamps) {
  auto r = RunCli({"tee", "verify", "--document", kDoc2024, "--at", "2024-09-07T14:37:39.545Z"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("valid: module i-0a22e5c5f24d22174-enc0191cceb4289903f"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("PCR0 " + kPcr0_2024), std::string::npos) << r.out;

  auto raw = RunCli({"tee", "verify", "--document", kDoc2022, "--at", "1665651482136", "--json"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err << raw.out;
  auto j = nlohmann::json::parse(raw.out);
  EXPECT_EQ(j["valid"], true);
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_EQ(j["timestamp_ms"], 1665651482136);
  EXPECT_EQ(j["digest"], "SHA384");
  EXPECT_EQ(j["pcrs"]["0"].get<std::string>().substr(0, 8), "f4d48b81");
  EXPECT_TRUE(j["public_key"].is_null());
  EXPECT_EQ(j["nonce"].get<std::string>().size(), 512u);  // 256 bytes as hex
  EXPECT_EQ(j["debug_mode"], false);
}

TEST(TeeCliTest, HoursLaterTheLeafHasExpired) {
  auto r = RunCli(
      {"tee", "verify", "--document", kDoc2024, "--at", "2024-09-07T20:00:00+02:00", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["error"].get<std::string>().rfind("certificate_expired:", 0), 0u) << j["error"];
  EXPECT_EQ(j["module_id"], "i-0a22e5c5f24d22174-enc0191cceb4289903f");  // still shown
  auto now = RunCli({"tee", "verify", "--document", kDoc2024});
  EXPECT_EQ(now.exit_code, 1);
  EXPECT_NE(now.err.find("certificate_expired"), std::string::npos) << now.err;
}

TEST(TeeCliTest, DebugDocumentNeedsAllowDebug) {
  auto refused = RunCli({"tee", "verify", "--document", kDebug, "--at", "1725719886508"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("debug_mode"), std::string::npos) << refused.err;
  auto allowed = RunCli(
      {"tee", "verify", "--document", kDebug, "--at", "1725719886508", "--allow-debug", "--json"});
  ASSERT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_EQ(nlohmann::json::parse(allowed.out)["debug_mode"], true);
}

TEST(TeeCliTest, WrongRootIsRefusedAndTestRootAcceptsTestDocumentsInHex) {
  TempDir dir;
  tt::TestPki pki(1'750'000'000'000);
  tt::TestAttestor attestor(pki, tt::SamplePcrs());
  dir.Write("root.pem", pki.RootPem());
  auto wrong = RunCli({"tee", "verify", "--document", kDoc2024, "--at", "1725719859545", "--root",
                       dir.File("root.pem")});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("wrong_root"), std::string::npos) << wrong.err;
  dir.Write("doc.hex", HexEncode(attestor.Make(attestor.Fields())) + "\n");
  auto ok = RunCli({"tee", "verify", "--document", dir.File("doc.hex"), "--at", "1750000000000",
                    "--root", dir.File("root.pem")});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(TeeCliTest, ExpectPcrsMatchAndMismatch) {
  auto shown = RunCli({"tee", "verify", "--document", kDoc2024, "--at", "1725719859545", "--json"});
  auto pcrs = nlohmann::json::parse(shown.out)["pcrs"];
  TempDir dir;
  // nitro-cli describe-eif's shape.
  dir.Write("eif.json", nlohmann::json{{"Measurements",
                                        {{"HashAlgorithm", "Sha384 { ... }"},
                                         {"PCR0", pcrs["0"]},
                                         {"PCR1", pcrs["1"]},
                                         {"PCR2", pcrs["2"]}}}}
                            .dump());
  auto match = RunCli({"tee", "verify", "--document", kDoc2024, "--at", "1725719859545",
                       "--expect-pcrs", dir.File("eif.json")});
  EXPECT_EQ(match.exit_code, 0) << match.err;
  EXPECT_NE(match.out.find("expected PCRs: all 3 match"), std::string::npos) << match.out;
  std::string other(96, 'a');
  dir.Write("plain.json", nlohmann::json{{"0", pcrs["0"]}, {"2", other}}.dump());
  auto mismatch = RunCli({"tee", "verify", "--document", kDoc2024, "--at", "1725719859545",
                          "--expect-pcrs", dir.File("plain.json"), "--json"});
  EXPECT_EQ(mismatch.exit_code, 1);
  auto j = nlohmann::json::parse(mismatch.out);
  EXPECT_EQ(j["valid"], false);
  ASSERT_EQ(j["pcr_mismatches"].size(), 1u);
  EXPECT_EQ(j["pcr_mismatches"][0]["index"], 2);
  EXPECT_EQ(j["pcr_mismatches"][0]["expected"], other);
  EXPECT_EQ(j["pcr_mismatches"][0]["actual"], pcrs["2"]);
}

TEST(TeeCliTest, MalformedInputAndBadArgumentsFailClearly) {
  TempDir dir;
  dir.Write("junk.txt", "this is not an attestation document!");
  auto junk = RunCli({"tee", "verify", "--document", dir.File("junk.txt")});
  EXPECT_NE(junk.exit_code, 0);
  EXPECT_NE(junk.err.find("error:"), std::string::npos) << junk.err;
  dir.Write("bad.cbor", std::string("\x84\x40\xa0\x40", 4));
  auto bad = RunCli({"tee", "verify", "--document", dir.File("bad.cbor"), "--json"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(bad.out)["error"].get<std::string>().rfind("malformed:", 0), 0u);
  auto when = RunCli({"tee", "verify", "--document", kDoc2024, "--at", "yesterday"});
  EXPECT_EQ(when.exit_code, 2);
  EXPECT_NE(when.err.find("--at"), std::string::npos);
  auto offset =
      RunCli({"tee", "verify", "--document", kDoc2024, "--at", "2024-09-07T14:37:39+ab:cd"});
  EXPECT_EQ(offset.exit_code, 2) << offset.err;
  auto missing = RunCli({"tee", "verify", "--document", dir.File("nope")});
  EXPECT_EQ(missing.exit_code, 2);
}

}  // namespace
}  // namespace cc::testing
