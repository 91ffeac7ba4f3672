// The Auth API (SPEC 7.1) under /api/v1/chamber/auth/: CRUD of runtime
// policies and tokens, scope chamber_auth (or a management token). Writes
// go to the seal service (one conditional commit each, on any replica);
// reads come from the Authorizer's index, i.e. what this replica has loaded.
#pragma once

#include "api/router.h"
#include "auth/authorizer.h"
#include "metrics/metrics.h"
#include "seal/service.h"

namespace cc::api {

// The one gate every authenticated route passes: decides, counts
// containment_auth_decisions_total{result} and, for a refusal,
// containment_auth_rejections_total{reason}, and writes one audit line per
// 401/403 (route, token id, policy, reason; never a secret). Empty when allowed.
std::optional<HttpResponse> Authorize(const auth::Authorizer& authorizer,
                                      metrics::Registry& metrics, const HttpRequest& req,
                                      const std::string& route, const auth::AccessRequest& access,
                                      auth::Decision* decision = nullptr);

void AddAuthRoutes(Router& router, seal::ChamberService& chamber,
                   const auth::Authorizer& authorizer, metrics::Registry& metrics);

}  // namespace cc::api
