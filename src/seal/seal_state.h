// The six seal states of SPEC section 3 and what each allows.
#pragma once

#include <optional>
#include <string_view>

namespace cc::seal {

enum class SealState {
  kUninitialized,
  kAwaitingRegistration,
  kSealed,
  kKmsUnsealed,
  kUnsealed,
  kAwaitingRotation,
};

inline constexpr SealState kAllSealStates[] = {
    SealState::kUninitialized, SealState::kAwaitingRegistration,
    SealState::kSealed,        SealState::kKmsUnsealed,
    SealState::kUnsealed,      SealState::kAwaitingRotation,
};

constexpr std::string_view SealStateName(SealState s) {
  switch (s) {
    case SealState::kUninitialized:
      return "uninitialized";
    case SealState::kAwaitingRegistration:
      return "awaiting_registration";
    case SealState::kSealed:
      return "sealed";
    case SealState::kKmsUnsealed:
      return "kms_unsealed";
    case SealState::kUnsealed:
      return "unsealed";
    case SealState::kAwaitingRotation:
      return "awaiting_rotation";
  }
  return "unknown";
}

// Signing (and readiness) only with the master key in memory.
constexpr bool CanSign(SealState s) {
  return s == SealState::kUnsealed || s == SealState::kAwaitingRotation;
}

}  // namespace cc::seal
