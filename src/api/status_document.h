// The documents of GET /api/v1/chamber/status and GET /api/v1/chamber/seal-status
// (SPEC 6 and 7), rendered straight from the typed reports with JsonWriter:
// status is what load balancers and dashboards poll, so its path builds no
// JSON tree (docs/benchmarks.md, "authorized status vs /upcheck").
#pragma once

#include <string>

#include "auth/authorizer.h"
#include "seal/service.h"

namespace cc::api {

// {"seal": …, "state_backend": …, "tee": …, "auth": …}
std::string StatusDocument(const seal::StatusReport& report, const auth::AuthSummary& auth);

// Vault's sys/seal-status fields, and nothing about keys, tables or endpoints.
std::string SealStatusDocument(const seal::SealReport& seal);

}  // namespace cc::api
