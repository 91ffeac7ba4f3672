// The product's HTTP routes (SPEC section 7) on top of ChamberView and the
// Authorizer: JSON is parsed and checked here, at the edge, and every
// failure is a JSON error with the right status. Liveness, readiness and
// status run inline on I/O threads; ceremonies and signing run on the worker
// pool (they may call a KMS, Argon2 or the state backend).
#pragma once

#include <functional>

#include "api/chamber_view.h"
#include "api/router.h"
#include "auth/authorizer.h"
#include "metrics/metrics.h"

namespace cc::api {

struct ChamberRouteOptions {
  // tls.mode is file and server.allow_plaintext_ceremonies is false: init,
  // register, unseal and root-token answer 403 on the plain listener.
  bool ceremonies_need_https = false;
  std::function<int()> https_port;  // the bound HTTPS port, for that message
};

void AddChamberRoutes(Router& router, ChamberView& chamber, const auth::Authorizer& authorizer,
                      metrics::Registry& metrics, ChamberRouteOptions options);

}  // namespace cc::api
