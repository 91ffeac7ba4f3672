// Structured logging (logfmt on top of spdlog). Every line carries
// `level`, `component` and `msg`; extra fields are key=value pairs.
// Secrets never reach this layer: callers pass ids, never values, and
// token/key types have no string conversion to pass by mistake.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace cc::log {

enum class Level { kDebug, kInfo, kWarn, kError };

using Field = std::pair<std::string_view, std::string>;

// Configures the process logger: logfmt lines on stderr, level from
// CONTAINMENT_LOG (debug|info|warn|error, default info).
void Init();

void Write(Level level, std::string_view component, std::string_view msg,
           std::initializer_list<Field> fields = {});

inline void Debug(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, c, m, f);
}
inline void Info(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, c, m, f);
}
inline void Warn(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, c, m, f);
}
inline void Error(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, c, m, f);
}

// A WARN line written whatever CONTAINMENT_LOG says: the one-time tokens the
// operator must read from the log (setup, root, unseal resume).
void WarnAlways(std::string_view component, std::string_view msg,
                std::initializer_list<Field> fields);

// Tests: also hand every formatted line to `sink` (nullptr to stop).
void SetSinkForTesting(std::function<void(const std::string&)> sink);

// Quotes a logfmt value when it holds spaces, quotes or '='.
std::string QuoteValue(std::string_view v);

}  // namespace cc::log
