// libFuzzer target: Auth API policy bodies from an authenticated but
// careless or hostile caller. Invariant under test: parsing and validation
// never crash or throw, and whatever passes validation round-trips through
// the stored record format unchanged.
// fuzz-flags: -max_len=8000
#include <cstddef>
#include <cstdint>

#include "api/auth_json.h"
#include "auth/policy_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  auto policy = cc::api::ParsePolicy(body);
  if (!policy.ok() || !cc::auth::ValidatePolicy(*policy).ok()) return 0;
  auto back = cc::records::Decode<cc::records::AuthPolicy>(cc::records::Encode(*policy));
  if (!back.ok() || back->rules.size() != policy->rules.size()) __builtin_trap();
  (void)cc::api::PolicyJson(*back).dump();
  return 0;
}
