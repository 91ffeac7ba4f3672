// The chamber: this replica's seal state, computed from the state backend
// plus what is in memory, and the status document built from the same state.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>

#include "api/chamber_view.h"
#include "seal/seal_state.h"

namespace cc::seal {

class Chamber : public api::ChamberView {
 public:
  // `backend_status` supplies the "state_backend" part of the status document.
  explicit Chamber(std::function<nlohmann::json()> backend_status);

  SealState State() const override;
  nlohmann::json Status() const override;

 private:
  std::function<nlohmann::json()> backend_status_;
  mutable std::mutex mu_;
  SealState state_ = SealState::kUninitialized;
};

}  // namespace cc::seal
