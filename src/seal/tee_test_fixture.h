// Test fixture for TEE auto-unseal: replicas on one in-memory table whose
// KMS keys live in the AWS KMS test double (the only provider with Nitro's
// Recipient), each "inside an enclave" when given a TestAttestor with chosen
// PCRs. The fake clock starts at the real time because the double checks
// SigV4 and the test CA's certificates against the real clock.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "kms/aws_kms.h"
#include "seal/chamber_test_fixture.h"
#include "seal/tee_blob.h"
#include "support/test_servers.h"
#include "tee/testing/test_attestor.h"

namespace cc::seal::testing {

namespace tt = ::cc::tee::testing;

inline const std::vector<std::string> kAwsKeys = {
    "arn:aws:kms:us-east-1:111122223333:key/tee-a",
    "arn:aws:kms:us-east-1:111122223333:key/tee-b",
    "arn:aws:kms:eu-west-1:111122223333:key/tee-c",
};

class TeeReplica : public ReplicaBase {
 public:
  // Inside an enclave when `attestor` is given (tee.platform: nitro).
  TeeReplica(std::shared_ptr<state::MemoryTable> table, FakeClock& clock,
             const ::cc::testing::KmsDouble& kms, const std::string& local_key_file,
             std::shared_ptr<tee::Attestor> attestor, const std::string& root_pem)
      : ReplicaBase(std::move(table), clock) {
    kms_.SetProvider(
        "aws", std::make_unique<kms::AwsKms>(
                   kms.Credentials(), *SystemClock::Get(), kms.endpoint(),
                   BackoffPolicy{std::chrono::milliseconds(5), std::chrono::milliseconds(50), 2}));
    kms_.SetProvider("local", std::move(kms::LocalKms::Open(local_key_file).value()));
    TeeOptions tee{attestor ? "nitro" : "none", std::move(attestor), root_pem};
    metrics_.DescribeHistogram("containment_tee_attestation_verify_seconds", "", {0.01, 1});
    chamber_ = std::make_unique<Chamber>(refresher_, kms_, clock,
                                         ChamberOptions{1, 30, store_.Info()}, &metrics_, tee);
    chamber_->ReconcileNow();
  }
  ~TeeReplica() { DestroyChamber(); }
  double Metric(const std::string& name, const metrics::Labels& labels = {}) const {
    return metrics_.Value(name, labels);
  }
  std::string Render() const { return metrics_.Render(); }

 private:
  metrics::Registry metrics_;
};

class TeeTest : public ChamberTest {
 protected:
  void SetUp() override {
    ChamberTest::SetUp();
    clock_.Advance(
        std::chrono::milliseconds(SystemClock::Get()->NowUnixMillis() - clock_.NowUnixMillis()));
    pki_ = std::make_unique<tt::TestPki>(clock_.NowUnixMillis());
    kms_.Control({{"attestation_root", pki_->RootPem()}});
  }

  // A replica inside an enclave whose build measures `seed` (tt::SamplePcrs).
  std::unique_ptr<TeeReplica> InEnclave(char seed = 'a') {
    return std::make_unique<TeeReplica>(table_, clock_, kms_, dir_.File("dev.key"),
                                        std::make_shared<tt::TestAttestor>(*pki_, Pcrs(seed)),
                                        pki_->RootPem());
  }
  std::unique_ptr<TeeReplica> OutsideEnclave() {
    return std::make_unique<TeeReplica>(table_, clock_, kms_, dir_.File("dev.key"), nullptr, "");
  }
  static tee::Pcrs Pcrs(char seed) { return tt::SamplePcrs(seed); }

  // KMS-only over the three AWS keys of the double, threshold 2.
  void InitKmsOnly(TeeReplica& r, std::vector<std::string> keys = kAwsKeys) {
    auto out = r->Init(setup_tokens_.back(), InitRequest{UnsealMode::kKmsOnly, keys, 2, {}, 0});
    ASSERT_TRUE(out.ok()) << out.status().ToString() << kms_.Log();
  }
  // Quorum: alice and bob (threshold 2), the outer key over the AWS keys;
  // both registered, then the chamber is kms_unsealed.
  void InitQuorum(TeeReplica& r) {
    auto out = r->Init(setup_tokens_.back(),
                       InitRequest{UnsealMode::kQuorum, kAwsKeys, 2, {"alice", "bob"}, 2});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    for (const std::string name : {"alice", "bob"}) {
      auto reg = r->Register(RegisterRequest{
          out->registration_tokens.at(name), name, Passphrase(RightPassphrase(name)), {}});
      ASSERT_TRUE(reg.ok()) << reg.status().ToString();
    }
  }
  // Both operators unseal `r`; their progress is then spent and deleted (a
  // replica started later must not count it).
  void OperatorsUnseal(TeeReplica& r) {
    for (const std::string name : {"alice", "bob"}) {
      auto u = r->Unseal(RightUnseal(name));
      ASSERT_TRUE(u.ok()) << u.status().ToString();
    }
    r.Poll();
    clock_.Advance(std::chrono::seconds(5));
    r.Poll();
  }

  std::optional<records::TeeBlob> StoredBlob() const {
    auto blob = records::Load<records::TeeBlob>(table_->Contents(), kTeeBlobRecord);
    if (!blob.ok()) return std::nullopt;
    return *blob;
  }
  int Stat(const std::string& name) { return kms_.Stats().value(name, 0); }
  int Decrypts() { return kms_.Stats()["by_op"].value("Decrypt", 0); }
  int LinesWith(const std::string& text) const {
    int n = 0;
    for (const auto& line : lines_) n += line.find(text) != std::string::npos;
    return n;
  }

  ::cc::testing::KmsDouble kms_{kAwsKeys};
  std::unique_ptr<tt::TestPki> pki_;
};

}  // namespace cc::seal::testing
