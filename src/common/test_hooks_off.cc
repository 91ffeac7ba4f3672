// The production build: secrets are never exposed and no test attestor
// exists (see test_hooks.h).
#include "common/test_hooks.h"

namespace cc::test_hooks {

void ObserveSecret(std::string_view, std::string_view) {}

std::optional<TestTee> TestTeeFromEnvironment() { return std::nullopt; }

}  // namespace cc::test_hooks
