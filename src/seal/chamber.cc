#include "seal/chamber.h"

namespace cc::seal {

Chamber::Chamber(std::function<nlohmann::json()> backend_status)
    : backend_status_(std::move(backend_status)) {}

SealState Chamber::State() const {
  std::lock_guard<std::mutex> l(mu_);
  return state_;
}

nlohmann::json Chamber::Status() const {
  SealState state = State();
  nlohmann::json seal = {
      {"status", std::string(SealStateName(state))},
      {"initialized", state != SealState::kUninitialized},
      {"sealed", !CanSign(state)},
  };
  return {{"seal", seal}, {"state_backend", backend_status_ ? backend_status_() : nlohmann::json::object()}};
}

}  // namespace cc::seal
