// Runtime policies (SPEC 6, 7.1): what a valid policy looks like, and how a
// rule matches a request. A rule field left out matches anything; a field
// given must contain the request's value (so a rule naming keys never
// matches a request that has no key). Deny wins over allow.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "records/records.h"

namespace cc::auth {

// What is being asked: a scope, and for signing the validator key (from the
// path) and the Web3Signer operation `type` (from the body).
struct AccessRequest {
  std::string_view scope;
  std::string_view pubkey;     // "0x" + 96 hex, any case; empty when none
  std::string_view operation;  // e.g. ATTESTATION; empty when none
};

// The Web3Signer signing `type` values a rule may name.
const std::vector<std::string>& KnownOperations();

// Checks and normalizes a policy from the Auth API: name, description,
// rules (each with at least one field), known scopes and operations,
// well-formed pubkeys (lower-cased). Errors are 400s naming the field.
Status ValidatePolicy(records::AuthPolicy& policy);

// A policy or operator-facing name: 1-64 of [A-Za-z0-9_.-], starting alphanumeric.
bool IsValidName(std::string_view name);

// "0x" + 96 hex digits (a BLS12-381 public key), any case.
bool IsValidPubkey(std::string_view pubkey);

}  // namespace cc::auth
