// Test build only (containment-chamber-testhooks): with
// $CONTAINMENT_TEST_ATTESTOR_DIR set, the server's "Nitro Secure Module" is a
// TEST attestor: documents signed by the test PKI saved in that directory
// (tee::testing::TestPki::Save), reporting the PCRs of its pcrs.json
// ({"0": hex, ...}). A test changes pcrs.json and restarts the server to
// play a new enclave build. Never linked into the shipped binary.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/test_hooks.h"
#include "tee/pcrs.h"
#include "tee/testing/test_attestor.h"

namespace cc::test_hooks {
namespace {

class OwningTestAttestor final : public tee::Attestor {
 public:
  OwningTestAttestor(std::unique_ptr<tee::testing::TestPki> pki, tee::Pcrs pcrs)
      : pki_(std::move(pki)), attestor_(*pki_, std::move(pcrs)) {}
  Result<std::string> Attest(std::string_view public_key_der, std::string_view nonce,
                             std::string_view user_data) override {
    return attestor_.Attest(public_key_der, nonce, user_data);
  }

 private:
  std::unique_ptr<tee::testing::TestPki> pki_;
  tee::testing::TestAttestor attestor_;
};

}  // namespace

std::optional<TestTee> TestTeeFromEnvironment() {
  const char* dir = std::getenv("CONTAINMENT_TEST_ATTESTOR_DIR");
  if (!dir || !*dir) return std::nullopt;
  auto pki = tee::testing::TestPki::Load(dir);
  std::ifstream in(std::string(dir) + "/pcrs.json");
  std::stringstream text;
  text << in.rdbuf();
  auto pcrs = tee::ParseExpectedPcrs(text.str());
  if (!pki.ok() || !pcrs.ok()) return std::nullopt;
  std::string root = (*pki)->RootPem();
  return TestTee{std::make_shared<OwningTestAttestor>(std::move(*pki), std::move(*pcrs)), root};
}

}  // namespace cc::test_hooks
