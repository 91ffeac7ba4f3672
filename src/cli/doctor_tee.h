// `state doctor`'s TEE check (doctor_tee.cc): "TEE auto-unseal never works".
#pragma once

#include <optional>
#include <vector>

#include "cli/doctor.h"
#include "state/state_store.h"

namespace cc::cli {

void CheckTeeAutoUnseal(const config::Config& config, const DoctorOptions& options,
                        const std::optional<state::Snapshot>& snap, std::vector<Finding>& out);

}  // namespace cc::cli
