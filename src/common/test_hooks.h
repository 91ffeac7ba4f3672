// A seam for one kind of test only: proving that no secret the server holds
// ever reaches a log. The server reports each secret it creates or rebuilds
// (master key, outer key, Shamir shares) through ObserveSecret. The shipped
// binary links the no-op in test_hooks_off.cc; only the test build
// `containment-chamber-testhooks` links tests/hooks/secret_recorder.cc, which
// writes them to a file the test reads back and greps every log for.
#pragma once

#include <string_view>

namespace cc::test_hooks {

void ObserveSecret(std::string_view what, std::string_view bytes);

}  // namespace cc::test_hooks
