#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>

namespace cc::log {
namespace {

std::shared_ptr<spdlog::logger> Logger() {
  static std::once_flag once;
  static std::shared_ptr<spdlog::logger> logger;
  std::call_once(once, [] {
    logger = spdlog::stderr_logger_mt("containment");
    logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
    logger->flush_on(spdlog::level::info);
    const char* lvl = std::getenv("CONTAINMENT_LOG");
    std::string level = lvl ? lvl : "info";
    logger->set_level(spdlog::level::from_str(level));
  });
  return logger;
}

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::mutex sink_mu;
std::function<void(const std::string&)>& TestSink() {
  static std::function<void(const std::string&)> sink;
  return sink;
}

}  // namespace

void Init() { Logger(); }

void SetSinkForTesting(std::function<void(const std::string&)> sink) {
  std::lock_guard<std::mutex> l(sink_mu);
  TestSink() = std::move(sink);
}

std::string QuoteValue(std::string_view v) {
  bool needs = v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || c < 0x20) needs = true;
  }
  if (!needs) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {
void Emit(Level level, bool always, std::string_view component, std::string_view msg,
          std::initializer_list<Field> fields) {
  auto logger = Logger();
  // spdlog filters by level; "always" lines pass as critical but read as their level.
  spdlog::level::level_enum spd = always ? spdlog::level::critical : ToSpd(level);
  if (!logger->should_log(spd)) return;
  std::string line = "level=";
  line += LevelName(level);
  line += " component=";
  line += component;
  line += " msg=";
  line += QuoteValue(msg);
  for (const auto& [k, v] : fields) {
    line += ' ';
    line += k;
    line += '=';
    line += QuoteValue(v);
  }
  logger->log(spd, line);
  std::lock_guard<std::mutex> l(sink_mu);
  if (TestSink()) TestSink()(line);
}
}  // namespace

void Write(Level level, std::string_view component, std::string_view msg,
           std::initializer_list<Field> fields) {
  Emit(level, false, component, msg, fields);
}

void WarnAlways(std::string_view component, std::string_view msg,
                std::initializer_list<Field> fields) {
  Emit(Level::kWarn, true, component, msg, fields);
}

}  // namespace cc::log
