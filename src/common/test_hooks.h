// Seams for two kinds of test only, linked into the test build
// `containment-chamber-testhooks` and never into the shipped binary (which
// links the no-ops in test_hooks_off.cc):
//  - proving that no secret the server holds ever reaches a log. The server
//    reports each secret it creates or rebuilds (master key, outer key,
//    Shamir shares) through ObserveSecret; tests/hooks/secret_recorder.cc
//    writes them to a file the test reads back and greps every log for.
//  - running TEE auto-unseal in a real server process outside an enclave:
//    tests/hooks/test_attestor_hook.cc answers TestTeeFromEnvironment with an
//    attestor signing documents with a TEST CA ($CONTAINMENT_TEST_ATTESTOR_DIR).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cc::tee {
class Attestor;
}  // namespace cc::tee

namespace cc::test_hooks {

void ObserveSecret(std::string_view what, std::string_view bytes);

// A test attestor and the PEM root its documents chain to; nullopt in the
// shipped binary (and in the test build without the environment variable).
struct TestTee {
  std::shared_ptr<tee::Attestor> attestor;
  std::string root_pem;
};
std::optional<TestTee> TestTeeFromEnvironment();

}  // namespace cc::test_hooks
