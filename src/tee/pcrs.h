// PCR comparison and the expected-measurements file. Invariant: a comparison
// reports every expected register whose actual value differs or is absent,
// in index order, so "measurements changed" names exactly the PCRs to look at.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tee/attestation.h"

namespace cc::tee {

struct PcrMismatch {
  uint32_t index = 0;
  std::string expected_hex;
  std::string actual_hex;  // "" when the register is absent
  bool operator==(const PcrMismatch&) const = default;
};

// Compares the registers named in `expected` (others in `actual` are ignored).
std::vector<PcrMismatch> ComparePcrs(const Pcrs& expected, const Pcrs& actual);

// "PCR0 expected e72a46ca… actual 00000000…; PCR2 …" (full hex values).
std::string DescribeMismatches(const std::vector<PcrMismatch>& mismatches);

// Reads expected PCRs from JSON: {"0": "hex", ...} or nitro-cli describe-eif's
// {"Measurements": {"HashAlgorithm": "...", "PCR0": "hex", ...}}.
Result<Pcrs> ParseExpectedPcrs(std::string_view json_text);

}  // namespace cc::tee
