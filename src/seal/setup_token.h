// The setup token (SPEC 3/6): logged once at WARN while the chamber is
// uninitialized, so only someone who can read this replica's logs can
// initialize it. Only its hash stays in memory; init consumes it.
#pragma once

#include <string>

#include "common/mutex.h"

namespace cc::seal {

class SetupToken {
 public:
  // Logs a new token unless one is pending.
  void EnsureLogged() EXCLUDES(mu_);
  bool Matches(const std::string& presented) const EXCLUDES(mu_);
  // Initialized (here or by another replica): the token is void.
  void Clear() EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  std::string hash_ GUARDED_BY(mu_);
};

}  // namespace cc::seal
