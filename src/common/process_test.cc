#include "common/process.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cc {
namespace {

// In a child, so the test process itself keeps its settings.
TEST(HardenProcess, DisablesCoreDumpsAndPtraceAttach) {
  pid_t pid = fork();
  if (pid == 0) {
    if (!HardenProcess().ok()) _exit(10);
    struct rlimit rl {};
    getrlimit(RLIMIT_CORE, &rl);
    if (rl.rlim_cur != 0 || rl.rlim_max != 0) _exit(11);
    if (prctl(PR_GET_DUMPABLE) != 0) _exit(12);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace cc
