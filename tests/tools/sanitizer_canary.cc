// A child process with a deliberate sanitizer finding, always built with
// AddressSanitizer and UndefinedBehaviorSanitizer. The test suite runs it to
// prove that the harness catches findings in the processes it starts.
//   sanitizer_canary clean | leak | ub
// Prints "ready", then: `ub` overflows a signed int at once; `clean` and
// `leak` wait for SIGTERM and return from main (LeakSanitizer runs at exit,
// as in a server stopped by the harness), `leak` having lost 10 blocks.
#include <signal.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

void* volatile g_sink;

__attribute__((noinline)) void Leak() {
  for (int i = 0; i < 10; ++i) {
    g_sink = std::malloc(4096);
    std::memset(g_sink, i, 4096);
  }
  g_sink = nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "clean";
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  std::printf("ready\n");
  std::fflush(stdout);
  if (std::strcmp(mode, "ub") == 0) {
    volatile int big = INT_MAX;
    volatile int one = argc;  // not a constant the compiler can fold
    std::printf("%d\n", big + one);
    std::fflush(stdout);
  }
  if (std::strcmp(mode, "leak") == 0) Leak();
  int sig = 0;
  sigwait(&term, &sig);
  std::printf("stopped\n");
  std::fflush(stdout);
  return 0;
}
