#include "common/process.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace cc {

Status HardenProcess() {
  struct rlimit no_core {
    0, 0
  };
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) {
    return Status::Internal(std::string("setrlimit(RLIMIT_CORE) failed: ") + strerror(errno));
  }
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Status::Internal(std::string("prctl(PR_SET_DUMPABLE) failed: ") + strerror(errno));
  }
  return Status::Ok();
}

}  // namespace cc
