// The production build: secrets are never exposed (see test_hooks.h).
#include "common/test_hooks.h"

namespace cc::test_hooks {

void ObserveSecret(std::string_view, std::string_view) {}

}  // namespace cc::test_hooks
