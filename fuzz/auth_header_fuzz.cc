// libFuzzer target: the Authorization header from anyone. Invariant under
// test: parsing and deciding never crash, never trip ASan/UBSan, and a
// header is only ever allowed for the one static token it carries.
// fuzz-flags: -max_len=12000
#include <cstddef>
#include <cstdint>
#include <string>

#include "auth/authorizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cc::auth::Authorizer authorizer = [] {
    cc::config::Config c;
    c.auth_policies.push_back({"ops", "ops-token-0123456789", std::nullopt, {}});
    return cc::auth::Authorizer(c);
  }();
  std::string header(reinterpret_cast<const char*>(data), size);
  auto presented = cc::auth::ParseAuthorization(header);
  auto d = authorizer.Decide(header, {"chamber_status", "", ""});
  if (d.allowed() && (!presented || presented->token != "ops-token-0123456789")) {
    __builtin_trap();  // allowed without the token: an authorization bug
  }
  return 0;
}
