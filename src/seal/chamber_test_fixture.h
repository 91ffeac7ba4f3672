// Test fixture for the chamber: replicas on one in-memory table with the
// local KMS and a fake clock, so expiry, tampering and races are tested
// without processes or sleeps.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "kms/local_kms.h"
#include "seal/chamber.h"
#include "state/memory_store.h"
#include "support/harness.h"

namespace cc::seal::testing {

// The in-memory store plus hooks: run something just before the next
// commit (another replica's change lands between this replica's read and
// its write), or make commits fail.
class InterleavingStore final : public state::StateStore {
 public:
  explicit InterleavingStore(std::shared_ptr<state::MemoryTable> table) : inner_(table) {}
  std::function<void()> before_next_commit;
  // Fails every commit with Unavailable; `apply_anyway` applies it first
  // (a reply lost after the backend applied the write).
  bool fail_commits = false;
  bool apply_anyway = false;
  int commits = 0;

  state::StoreInfo Info() const override { return inner_.Info(); }
  Result<std::optional<state::HeadRecord>> CheckIdentity() override {
    return inner_.CheckIdentity();
  }
  Result<state::HeadRecord> CreateHeadIfAbsent(const state::HeadRecord& h) override {
    return inner_.CreateHeadIfAbsent(h);
  }
  Result<state::HeadRecord> ReadHead() override { return inner_.ReadHead(); }
  Result<state::Snapshot> LoadSnapshot() override { return inner_.LoadSnapshot(); }
  Result<state::Delta> LoadChangesSince(uint64_t rev) override {
    return inner_.LoadChangesSince(rev);
  }
  Result<uint64_t> Commit(const state::CommitRequest& request) override {
    ++commits;
    if (auto hook = std::exchange(before_next_commit, nullptr)) hook();
    if (fail_commits) {
      if (apply_anyway) (void)inner_.Commit(request);
      return Status::Unavailable("injected: the backend did not answer");
    }
    return inner_.Commit(request);
  }
  state::StoreStats Stats() const override { return inner_.Stats(); }

 private:
  state::MemoryStore inner_;
};

// What every test replica is: its own store client on the shared table, a
// refresher and a chamber. Subclasses add KMS providers and make the chamber.
class ReplicaBase {
 public:
  Chamber& operator*() { return *chamber_; }
  Chamber* operator->() { return chamber_.get(); }
  void Poll() {
    refresher_.RefreshOnce();
    chamber_->ReconcileNow();
  }
  InterleavingStore& store() { return store_; }

 protected:
  ReplicaBase(std::shared_ptr<state::MemoryTable> table, FakeClock& clock)
      : store_(std::move(table)), refresher_(store_, clock, state::RefreshOptions{1}) {
    EXPECT_TRUE(state::OpenOrCreate(store_, clock.NowUnixSeconds()).ok());
    EXPECT_TRUE(refresher_.Initialize().ok());
  }
  // Subclasses call this first in their destructor: the chamber points at
  // their members (authorizer, metrics).
  void DestroyChamber() { chamber_.reset(); }

  InterleavingStore store_;
  state::Refresher refresher_;
  kms::KmsRouter kms_;
  std::unique_ptr<Chamber> chamber_;
};

class Replica : public ReplicaBase {
 public:
  Replica(std::shared_ptr<state::MemoryTable> table, const std::string& key_file, FakeClock& clock)
      : ReplicaBase(std::move(table), clock), authorizer_(config::Config{}, &clock) {
    kms_.SetProvider("local", std::move(kms::LocalKms::Open(key_file).value()));
    chamber_ =
        std::make_unique<Chamber>(refresher_, kms_, clock, ChamberOptions{1, 30, store_.Info()});
    chamber_->SetAuthorizer(&authorizer_);
    chamber_->ReconcileNow();
  }
  ~Replica() { DestroyChamber(); }
  auth::Authorizer& authorizer() { return authorizer_; }
  // Whether this replica accepts `token` for chamber status right now.
  bool Accepts(const std::string& token) {
    return authorizer_.Check("Bearer " + token, "chamber_status").ok();
  }

 private:
  auth::Authorizer authorizer_;
};

inline OperatorSecret Passphrase(const std::string& p) {
  OperatorSecret s;
  s.passphrase = crypto::SecretBytes::CopyFrom(p);
  return s;
}
// The passphrase every test operator registers with.
inline std::string RightPassphrase(const std::string& name) { return name + " right passphrase"; }

inline UnsealRequest UnsealAs(const std::string& name, const std::string& passphrase,
                              const std::string& source = "198.51.100.7") {
  return UnsealRequest{name, Passphrase(passphrase), Caller{source}};
}
inline UnsealRequest RightUnseal(const std::string& name) {
  return UnsealAs(name, RightPassphrase(name));
}

class ChamberTest : public ::testing::Test {
 protected:
  std::unique_ptr<Replica> NewReplica() {
    return std::make_unique<Replica>(table_, dir_.File("dev.key"), clock_);
  }
  static InitRequest KmsOnly() {
    return InitRequest{UnsealMode::kKmsOnly, {"local:a", "local:b", "local:c"}, 2, {}, 0};
  }
  // KMS-only init with the last setup token logged; the management token.
  std::string InitKmsOnly(Replica& r) {
    auto out = r->Init(setup_tokens_.back(), KmsOnly());
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? out->management_token : "";
  }
  // Quorum init with one local KMS key; every operator registers with
  // RightPassphrase(name). The chamber is then kms_unsealed.
  void InitQuorumRegistered(Replica& r, const std::vector<std::string>& operators, int threshold) {
    auto out = r->Init(setup_tokens_.back(),
                       InitRequest{UnsealMode::kQuorum, {"local:a"}, 1, operators, threshold});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    for (const auto& name : operators) {
      auto reg = r->Register(RegisterRequest{
          out->registration_tokens.at(name), name, Passphrase(RightPassphrase(name)), {}});
      ASSERT_TRUE(reg.ok()) << reg.status().ToString();
    }
  }
  // The last value a log line carried for `field` (e.g. unseal_token).
  std::string LoggedValue(const std::string& field) const {
    std::string value;
    for (const auto& line : lines_) {
      auto p = line.find(field + "=");
      if (p != std::string::npos) {
        value = line.substr(p + field.size() + 1);
        value = value.substr(0, value.find(' '));
      }
    }
    return value;
  }

  void SetUp() override {
    setenv("CONTAINMENT_INSECURE_TEST_KDF", "1", 1);
    log::SetSinkForTesting([this](const std::string& line) {
      auto pos = line.find("setup_token=");
      if (pos != std::string::npos)
        setup_tokens_.push_back(line.substr(pos + 12, line.find(' ', pos) - pos - 12));
      lines_.push_back(line);
    });
  }
  void TearDown() override { log::SetSinkForTesting(nullptr); }

  cc::testing::TempDir dir_;
  FakeClock clock_;
  std::shared_ptr<state::MemoryTable> table_ = std::make_shared<state::MemoryTable>();
  std::vector<std::string> setup_tokens_;
  std::vector<std::string> lines_;
};

}  // namespace cc::seal::testing
