#include "auth/policy_rules.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "config/config.h"

namespace cc::auth {
namespace {

constexpr size_t kMaxRules = 64;
constexpr size_t kMaxDescription = 256;

Status Bad(const std::string& field, const std::string& what) {
  return Status::InvalidArgument("'" + field + "' " + what);
}

template <typename Known>
Status CheckAll(const std::string& field, const std::vector<std::string>& values,
                const Known& known, const char* kind) {
  if (values.empty()) return Bad(field, "must not be an empty list (leave it out to match any)");
  for (const auto& v : values) {
    if (std::find(known.begin(), known.end(), v) == known.end())
      return Bad(field, "names an unknown " + std::string(kind) + " '" + v + "'");
  }
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& KnownOperations() {
  static const std::vector<std::string> ops = {
      "AGGREGATION_SLOT",
      "AGGREGATE_AND_PROOF",
      "AGGREGATE_AND_PROOF_V2",
      "ATTESTATION",
      "BLOCK",
      "BLOCK_V2",
      "DEPOSIT",
      "RANDAO_REVEAL",
      "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF",
      "SYNC_COMMITTEE_MESSAGE",
      "SYNC_COMMITTEE_SELECTION_PROOF",
      "VALIDATOR_REGISTRATION",
      "VOLUNTARY_EXIT",
  };
  return ops;
}

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

bool IsValidPubkey(std::string_view k) {
  return k.size() == 98 && k[0] == '0' && (k[1] == 'x' || k[1] == 'X') &&
         std::all_of(k.begin() + 2, k.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

Status ValidatePolicy(records::AuthPolicy& p) {
  if (!IsValidName(p.name)) return Bad("name", "must be 1-64 of [A-Za-z0-9_.-]");
  if (p.description.size() > kMaxDescription)
    return Bad("description", "must be at most " + std::to_string(kMaxDescription) + " bytes");
  if (p.rules.empty()) return Bad("rules", "must hold at least one rule");
  if (p.rules.size() > kMaxRules)
    return Bad("rules", "must hold at most " + std::to_string(kMaxRules) + " rules");
  for (size_t i = 0; i < p.rules.size(); ++i) {
    records::PolicyRule& r = p.rules[i];
    const std::string at = "rules[" + std::to_string(i) + "]";
    if (!r.scopes && !r.keys && !r.operations)
      return Bad(at, "is empty: give scopes, keys or operations");
    if (r.scopes)
      CC_RETURN_IF_ERROR(CheckAll(at + ".scopes", *r.scopes, config::KnownScopes(), "scope"));
    if (r.operations) {
      CC_RETURN_IF_ERROR(
          CheckAll(at + ".operations", *r.operations, KnownOperations(), "operation"));
    }
    if (r.keys) {
      if (r.keys->empty())
        return Bad(at + ".keys", "must not be an empty list (leave it out to match any)");
      std::set<std::string> seen;
      for (auto& k : *r.keys) {
        if (!IsValidPubkey(k))
          return Bad(at + ".keys", "holds a malformed pubkey (want 0x + 96 hex digits)");
        std::transform(k.begin(), k.end(), k.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (!seen.insert(k).second) return Bad(at + ".keys", "lists " + k + " twice");
      }
    }
  }
  return Status::Ok();
}

}  // namespace cc::auth
