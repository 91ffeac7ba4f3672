// Test build only (containment-chamber-testhooks): appends every secret the
// server reports, hex encoded, to $CONTAINMENT_TEST_SECRETS_FILE, so an
// integration test can grep the server's logs for each of them.
#include <cstdlib>
#include <fstream>
#include <mutex>

#include "common/encoding.h"
#include "common/test_hooks.h"

namespace cc::test_hooks {

void ObserveSecret(std::string_view what, std::string_view bytes) {
  static std::mutex mu;
  const char* path = std::getenv("CONTAINMENT_TEST_SECRETS_FILE");
  if (!path || bytes.empty()) return;
  std::lock_guard<std::mutex> l(mu);
  std::ofstream out(path, std::ios::app);
  out << what << ' ' << HexEncode(bytes) << '\n';
}

}  // namespace cc::test_hooks
