// What the HTTP layer needs from the rest of the product. Status and health
// are computed from the same state that gates signing.
#pragma once

#include <nlohmann/json.hpp>

#include "seal/seal_state.h"

namespace cc::api {

class ChamberView {
 public:
  virtual ~ChamberView() = default;
  virtual seal::SealState State() const = 0;
  // The whole `GET /api/v1/chamber/status` document: {"seal": …, "state_backend": …}.
  virtual nlohmann::json Status() const = 0;
};

}  // namespace cc::api
