#include "cli/prompt.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "crypto/secret.h"

namespace cc::cli {
namespace {

Result<std::string> ReadOnce(int fd, const std::string& prompt) {
  // Echo goes off before the prompt appears, so nothing typed after seeing
  // the prompt can be echoed.
  termios old{};
  bool have_termios = tcgetattr(fd, &old) == 0;
  if (have_termios) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!write(fd, prompt.data(), prompt.size());
  std::string line;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (have_termios) tcsetattr(fd, TCSAFLUSH, &old);
  (void)!write(fd, "\n", 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

Result<std::string> PromptSecret(const std::string& prompt, bool confirm) {
  int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return Status::InvalidArgument(
        "no secret given and no terminal to prompt on; pass it as env:NAME");
  }
  auto first = ReadOnce(fd, prompt);
  if (first.ok() && confirm) {
    auto second = ReadOnce(fd, "Repeat to confirm: ");
    if (!second.ok() || *second != *first) {
      close(fd);
      crypto::Wipe(*first);
      return Status::InvalidArgument("the two entries do not match");
    }
  }
  close(fd);
  return first;
}

}  // namespace cc::cli
