// RFC 3339 times (UTC "Z" out; any offset in), the API's and CLI's one
// time format.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace cc {

// 2026-11-25T14:37:39Z
std::string FormatRfc3339(int64_t unix_seconds);

// "2024-09-07T14:37:39.545Z" or with an offset ("+02:00") -> Unix milliseconds.
Result<int64_t> ParseRfc3339Millis(const std::string& text);

}  // namespace cc
