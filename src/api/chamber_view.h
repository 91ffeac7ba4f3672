// The HTTP layer's view of the chamber, in the API's own terms: JSON
// requests in, JSON documents out (SPEC 7). ChamberJson implements it over
// seal::ChamberService: every body is parsed and type-checked here (a wrong
// type is a 400 naming the field, never a 500), and every result rendered
// here; seal/ never sees JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "seal/seal_state.h"
#include "seal/service.h"

namespace cc::api {

class ChamberView {
 public:
  virtual ~ChamberView() = default;
  virtual seal::SealState State() const = 0;
  // What `GET /api/v1/chamber/status` reports, typed: the routes render it
  // without a JSON tree (api/status_document.h), since status is polled.
  virtual seal::StatusReport Status() const = 0;

  // POST /api/v1/chamber/init, authorized by this replica's setup token.
  virtual Result<nlohmann::json> Init(const std::string& setup_token,
                                      const nlohmann::json& request) = 0;
  // POST /api/v1/chamber/register, authorized by the operator's registration token.
  virtual Result<nlohmann::json> Register(const std::string& registration_token,
                                          const nlohmann::json& request,
                                          const std::string& source = "") = 0;
  // GET /api/v1/chamber/unseal/challenge?operator=NAME
  virtual Result<nlohmann::json> Challenge(const std::string& operator_name) = 0;
  // POST /api/v1/chamber/unseal with an operator secret (quorum mode).
  virtual Result<nlohmann::json> Unseal(const nlohmann::json& request,
                                        const std::string& source = "") = 0;
  // POST /api/v1/chamber/unseal {"resume": true} (KMS-only mode, lifts an
  // operator seal). `authorized` means the caller presented a chamber_seal
  // token; otherwise the request must carry the logged one-time token.
  virtual Result<nlohmann::json> Resume(bool authorized, const nlohmann::json& request,
                                        const std::string& source = "") = 0;
  // POST /api/v1/chamber/seal (chamber_seal scope).
  virtual Result<nlohmann::json> Seal(const nlohmann::json& request) = 0;
  // POST /api/v1/chamber/root-token (operator quorum or a logged one-time token).
  virtual Result<nlohmann::json> RootToken(const nlohmann::json& request,
                                           const std::string& source = "") = 0;

  // POST /api/v1/chamber/tee/blob (chamber_seal scope): writes the TEE
  // auto-unseal blob from this replica (unsealed, inside a Nitro Enclave).
  virtual Result<nlohmann::json> CreateTeeBlob(const nlohmann::json& request) = 0;
};

}  // namespace cc::api
