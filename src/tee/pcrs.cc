#include "tee/pcrs.h"

#include <nlohmann/json.hpp>

#include "common/encoding.h"

namespace cc::tee {

std::vector<PcrMismatch> ComparePcrs(const Pcrs& expected, const Pcrs& actual) {
  std::vector<PcrMismatch> out;
  for (const auto& [index, want] : expected) {
    auto it = actual.find(index);
    if (it == actual.end() || it->second != want)
      out.push_back({index, HexEncode(want), it == actual.end() ? "" : HexEncode(it->second)});
  }
  return out;
}

std::string DescribeMismatches(const std::vector<PcrMismatch>& mismatches) {
  std::string out;
  for (const auto& m : mismatches) {
    if (!out.empty()) out += "; ";
    out += "PCR" + std::to_string(m.index) + " expected " + m.expected_hex + " actual " +
           (m.actual_hex.empty() ? "(absent)" : m.actual_hex);
  }
  return out;
}

namespace {

Status AddPcr(Pcrs& out, std::string_view name, uint64_t index, const nlohmann::json& value) {
  if (index > 31) return Status::InvalidArgument("PCR index " + std::string(name) + " is not 0-31");
  if (!value.is_string())
    return Status::InvalidArgument("PCR " + std::string(name) + " must be a hex string");
  auto bytes = HexDecode(value.get<std::string>());
  if (!bytes || (bytes->size() != 32 && bytes->size() != 48 && bytes->size() != 64))
    return Status::InvalidArgument("PCR " + std::string(name) +
                                   " must be 64, 96 or 128 hex digits (32/48/64 bytes)");
  out[static_cast<uint32_t>(index)] = *bytes;
  return Status::Ok();
}

// "12" → 12; anything else (signs, spaces, empty, too long) → nullopt.
std::optional<uint64_t> SmallIndex(std::string_view s) {
  if (s.empty() || s.size() > 2) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

Result<Pcrs> ParseExpectedPcrs(std::string_view json_text) {
  auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::InvalidArgument("expected PCRs: not a JSON object");
  Pcrs out;
  if (j.contains("Measurements")) {
    const auto& m = j["Measurements"];
    if (!m.is_object())
      return Status::InvalidArgument("expected PCRs: Measurements is not an object");
    for (const auto& [key, value] : m.items()) {
      if (key == "HashAlgorithm") continue;
      auto index =
          key.rfind("PCR", 0) == 0 ? SmallIndex(std::string_view(key).substr(3)) : std::nullopt;
      if (!index)
        return Status::InvalidArgument("expected PCRs: unknown measurement '" + key + "'");
      CC_RETURN_IF_ERROR(AddPcr(out, key, *index, value).WithContext("expected PCRs"));
    }
  } else {
    for (const auto& [key, value] : j.items()) {
      auto index = SmallIndex(key);
      if (!index) return Status::InvalidArgument("expected PCRs: key '" + key + "' is not 0-31");
      CC_RETURN_IF_ERROR(AddPcr(out, key, *index, value).WithContext("expected PCRs"));
    }
  }
  if (out.empty()) return Status::InvalidArgument("expected PCRs: the file names no PCR");
  return out;
}

}  // namespace cc::tee
