// ChamberView over seal::ChamberService: JSON in, typed requests to the seal
// component, typed results back out as the JSON documents of SPEC 7.
#pragma once

#include "api/chamber_view.h"
#include "seal/service.h"

namespace cc::api {

class ChamberJson final : public ChamberView {
 public:
  explicit ChamberJson(seal::ChamberService& chamber) : chamber_(chamber) {}

  seal::SealState State() const override { return chamber_.State(); }
  seal::StatusReport Status() const override { return chamber_.Status(); }
  Result<nlohmann::json> Init(const std::string& setup_token,
                              const nlohmann::json& request) override;
  Result<nlohmann::json> Register(const std::string& registration_token,
                                  const nlohmann::json& request,
                                  const std::string& source = "") override;
  Result<nlohmann::json> Challenge(const std::string& operator_name) override;
  Result<nlohmann::json> Unseal(const nlohmann::json& request,
                                const std::string& source = "") override;
  Result<nlohmann::json> Resume(bool authorized, const nlohmann::json& request,
                                const std::string& source = "") override;
  Result<nlohmann::json> Seal(const nlohmann::json& request) override;
  Result<nlohmann::json> RootToken(const nlohmann::json& request,
                                   const std::string& source = "") override;
  Result<nlohmann::json> CreateTeeBlob(const nlohmann::json& request) override;

 private:
  seal::ChamberService& chamber_;
};

}  // namespace cc::api
