// TEE auto-unseal end to end: a real server process (the test build
// containment-chamber-testhooks, whose "Nitro Secure Module" is a TEST
// attestor from $CONTAINMENT_TEST_ATTESTOR_DIR) in quorum mode over AWS KMS
// keys of the KMS double. Operators unseal once; the replica writes the blob;
// restarts unseal without them; a new build (other PCRs) is reported and
// waits for the operators; state doctor compares the blob with a build.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "common/clock.h"
#include "common/encoding.h"
#include "support/cluster.h"
#include "support/test_servers.h"
#include "tee/testing/test_attestor.h"

namespace cc::testing {
namespace {

namespace tt = ::cc::tee::testing;
using nlohmann::json;
using std::chrono::milliseconds;

const std::vector<std::string> kArns = {"arn:aws:kms:us-east-1:111122223333:key/enclave-1",
                                        "arn:aws:kms:us-east-1:111122223333:key/enclave-2",
                                        "arn:aws:kms:eu-west-1:111122223333:key/enclave-3"};

std::string PcrJson(char seed) {
  json j = json::object();
  for (const auto& [index, value] : tt::SamplePcrs(seed))
    j[std::to_string(index)] = HexEncode(value);
  return j.dump();
}

// Polls the status document until `pred` holds.
bool WaitForStatus(const Replica& r, const std::function<bool(const json&)>& pred,
                   milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    if (pred(r.Status())) return true;
    std::this_thread::sleep_for(milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

class TeeAutoUnsealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki_.Save(attestor_dir_.path()).ok());
    attestor_dir_.Write("pcrs.json", PcrJson('a'));
    kms_.Control({{"attestation_root", pki_.RootPem()}});
    std::map<std::string, std::string> env = kms_.ServerEnv();
    env["CONTAINMENT_INSECURE_TEST_KDF"] = "1";
    env["CONTAINMENT_TEST_ATTESTOR_DIR"] = attestor_dir_.path();
    cluster_ = std::make_unique<Cluster>(
        Backend::kSqlite, 1, env,
        "kms: { aws: { endpoint_url: \"" + kms_.endpoint() + "\" } }\ntee: { platform: nitro }\n");
    (*cluster_)[0].set_binary(CC_TESTHOOKS_BINARY);
    cluster_->StartAll();
  }
  Replica& r() { return (*cluster_)[0]; }
  CommandResult Cli(std::vector<std::string> args) {
    return RunCli(std::move(args), {{"PA", "alice passphrase 123"}, {"PB", "bob passphrase 4567"}});
  }
  void OperatorsUnseal() {
    for (const auto& [name, secret] : {std::pair{"alice", "env:PA"}, std::pair{"bob", "env:PB"}}) {
      auto u = Cli({"operator", "unseal", "--signer-url", r().Url(), "--operator", name,
                    "--passphrase", secret});
      ASSERT_EQ(u.exit_code, 0) << u.err;
    }
  }
  // The blob written for `seed`'s PCR0, and the operators' progress spent
  // (a restart must not count it).
  bool BlobFor(char seed) {
    const std::string pcr0 = HexEncode(tt::SamplePcrs(seed).at(0));
    return WaitForStatus(
        r(),
        [&](const json& s) {
          return s.contains("tee") && s["tee"]["blob"].value("present", false) &&
                 s["tee"]["blob"]["pcrs"].value("0", "") == pcr0 &&
                 s["seal"].value("progress", -1) == 0;
        },
        milliseconds(10000));
  }

  KmsDouble kms_{kArns};
  tt::TestPki pki_{SystemClock::Get()->NowUnixMillis()};
  TempDir attestor_dir_;
  std::unique_ptr<Cluster> cluster_;
};

TEST_F(TeeAutoUnsealTest, RestartsUnsealWithoutOperatorsUntilANewBuild) {
  auto init =
      Cli({"operator", "init", "--signer-url", r().Url(), "--setup-token", cluster_->SetupToken(0),
           "--kms-key-arns", kArns[0] + "," + kArns[1] + "," + kArns[2], "--kms-threshold", "2",
           "--operators", "alice,bob", "--operator-threshold", "2", "--json"});
  ASSERT_EQ(init.exit_code, 0) << init.err << r().Log();
  json reg = json::parse(init.out)["registration_tokens"];
  for (const auto& [name, secret] : {std::pair{"alice", "env:PA"}, std::pair{"bob", "env:PB"}}) {
    ASSERT_EQ(Cli({"operator", "register", "--signer-url", r().Url(), "--operator", name,
                   "--registration-token", reg[name], "--passphrase", secret})
                  .exit_code,
              0);
  }
  OperatorsUnseal();
  ASSERT_TRUE(r().WaitForState("unsealed", milliseconds(5000)));
  ASSERT_TRUE(BlobFor('a')) << r().Status().dump() << r().Log();

  // A restart (kill -9): unsealed through the blob, no operator involved.
  r().Kill();
  const int recipient = kms_.Stats().value("recipient_decrypts", 0);
  const auto started = std::chrono::steady_clock::now();
  r().Start();
  ASSERT_TRUE(r().WaitForState("unsealed", milliseconds(15000))) << r().Log();
  const auto ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started).count();
  std::cout << "[ figure ] process start to unsealed through TEE auto-unseal: " << ms << " ms\n";
  json tee = r().Status()["tee"];
  EXPECT_EQ(tee["last_auto_unseal"]["result"], "unsealed") << tee.dump();
  EXPECT_GE(kms_.Stats().value("recipient_decrypts", 0) - recipient, 2);
  std::string page = Get(r().MetricsUrl()).body;
  EXPECT_NE(page.find("containment_tee_auto_unseal_total{result=\"unsealed\"} 1"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("containment_tee_attestation_verify_seconds_count 1"), std::string::npos);
  cluster_->dir().Write("page.txt", page);
  EXPECT_EQ(std::system(("promtool check metrics < " + cluster_->dir().File("page.txt") +
                         " >/dev/null 2>&1")
                            .c_str()),
            0);

  // state doctor: the blob against a build's measurements.
  attestor_dir_.Write("same.json", PcrJson('a'));
  attestor_dir_.Write("next.json", PcrJson('b'));
  auto same = Cli({"state", "doctor", "-c", cluster_->state_config(), "--pcrs",
                   attestor_dir_.File("same.json")});
  EXPECT_EQ(same.exit_code, 0) << same.out;
  EXPECT_NE(same.out.find("[ok] tee auto-unseal: the blob's PCRs match"), std::string::npos)
      << same.out;
  EXPECT_NE(same.out.find("kms:RecipientAttestation:ImageSha384\":\"" +
                          HexEncode(tt::SamplePcrs('a').at(0))),
            std::string::npos)
      << same.out;
  auto next = Cli({"state", "doctor", "-c", cluster_->state_config(), "--pcrs",
                   attestor_dir_.File("next.json"), "--json"});
  EXPECT_EQ(next.exit_code, 1) << next.out;
  EXPECT_NE(next.out.find("PCR0 expected " + HexEncode(tt::SamplePcrs('a').at(0)) + " actual " +
                          HexEncode(tt::SamplePcrs('b').at(0))),
            std::string::npos)
      << next.out;

  // A new build: its PCRs differ, so it reports them and waits for operators.
  attestor_dir_.Write("pcrs.json", PcrJson('b'));
  r().Kill();
  r().Start();
  ASSERT_TRUE(r().WaitForState("kms_unsealed", milliseconds(15000))) << r().Log();
  ASSERT_TRUE(WaitForStatus(
      r(), [](const json& s) { return s["tee"].contains("last_auto_unseal"); },
      milliseconds(5000)));
  tee = r().Status()["tee"];
  EXPECT_EQ(tee["last_auto_unseal"]["result"], "pcr_mismatch") << tee.dump();
  ASSERT_EQ(tee["last_auto_unseal"]["pcr_mismatches"].size(), 3u) << tee.dump();
  EXPECT_EQ(tee["last_auto_unseal"]["pcr_mismatches"][0]["index"], 0);
  EXPECT_EQ(tee["last_auto_unseal"]["pcr_mismatches"][0]["actual"],
            HexEncode(tt::SamplePcrs('b').at(0)));
  EXPECT_NE(r().Log().find("measurements differ from the blob's"), std::string::npos);
  // Once the operators unseal it, the new build writes its own blob.
  OperatorsUnseal();
  ASSERT_TRUE(r().WaitForState("unsealed", milliseconds(5000)));
  EXPECT_TRUE(BlobFor('b')) << r().Status().dump();
}

}  // namespace
}  // namespace cc::testing
