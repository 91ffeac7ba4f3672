#include "common/time_format.h"

#include <ctime>

namespace cc {
namespace {

bool Digits(const char* p, int n) {
  for (int i = 0; i < n; ++i)
    if (p[i] < '0' || p[i] > '9') return false;
  return true;
}

}  // namespace

std::string FormatRfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  char buf[32] = "";
  if (gmtime_r(&t, &tm)) std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<int64_t> ParseRfc3339Millis(const std::string& s) {
  std::tm tm{};
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) rest = strptime(s.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  if (!rest) return Status::InvalidArgument("'" + s + "' is not an RFC 3339 time");
  int64_t ms = 0;
  if (*rest == '.') {
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, ++digits)
      if (digits < 3) ms = ms * 10 + (*rest - '0');
    for (; digits < 3; ++digits) ms *= 10;
  }
  int64_t offset_s = 0;
  if (*rest == 'Z' || *rest == 'z') {
    ++rest;
  } else if ((*rest == '+' || *rest == '-') && Digits(rest + 1, 2) && rest[3] == ':' &&
             Digits(rest + 4, 2)) {
    int sign = *rest == '-' ? -1 : 1;
    offset_s = sign * (((rest[1] - '0') * 10 + (rest[2] - '0')) * 3600 +
                       ((rest[4] - '0') * 10 + (rest[5] - '0')) * 60);
    rest += 6;
  } else {
    return Status::InvalidArgument("'" + s + "' needs a time zone (Z or +HH:MM)");
  }
  if (*rest) return Status::InvalidArgument("'" + s + "' has trailing text");
  return (static_cast<int64_t>(timegm(&tm)) - offset_s) * 1000 + ms;
}

}  // namespace cc
