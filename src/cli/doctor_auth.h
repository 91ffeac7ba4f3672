// `state doctor`'s auth check (doctor_auth.cc): "auth edits do not propagate".
#pragma once

#include <optional>
#include <vector>

#include "cli/doctor.h"
#include "state/state_store.h"

namespace cc::cli {

// Counts the policies and tokens in the table and the newest revision that
// wrote one; with --signer-url, compares them with what that signer reports
// it has loaded and says which side is behind and why.
void CheckAuthPropagation(const config::Config& config, const DoctorOptions& options,
                          const std::optional<state::Snapshot>& snap, std::vector<Finding>& out);

}  // namespace cc::cli
