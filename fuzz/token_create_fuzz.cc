// libFuzzer target: Auth API token-create bodies. Invariant under test:
// parsing never crashes or throws, and any TTL it accepts is in range.
// fuzz-flags: -max_len=4000
#include <cstddef>
#include <cstdint>

#include "api/auth_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  auto t = cc::api::ParseTokenCreate(body);
  if (t.ok() && t->ttl_seconds && (*t->ttl_seconds < 1 || *t->ttl_seconds > 10LL * 365 * 86400))
    __builtin_trap();
  return 0;
}
