// Process-level hardening applied before any secret exists.
#pragma once

#include "common/status.h"

namespace cc {

// Disables core dumps and ptrace attach by unprivileged peers
// (PR_SET_DUMPABLE=0, RLIMIT_CORE=0), so a crash never writes key material.
Status HardenProcess();

}  // namespace cc
