// `state doctor`'s integrity check: the same KMS layer and manifest check a
// replica runs on every snapshot (seal::KmsLayer, seal::VerifyManifest), so
// a tampered table fails here as it fails on the signers. It never creates
// anything: a local KMS key file that is not there is a reason to skip.
#include <sys/stat.h>

#include "aws/credentials.h"
#include "cli/doctor.h"
#include "common/clock.h"
#include "kms/kms_factory.h"
#include "kms/local_kms.h"
#include "seal/keys.h"
#include "seal/kms_layer.h"
#include "seal/snapshot_view.h"
#include "seal/state_writer.h"

namespace cc::cli {
namespace {

constexpr char kCheck[] = "integrity";

void Add(std::vector<Finding>& out, Finding::Level l, const char* check, std::string msg) {
  out.push_back({l, check, std::move(msg)});
}

// Why doctor will not call the KMS at all, if it will not.
std::optional<std::string> KmsOff(const config::KmsConfig& kms, const DoctorOptions& options,
                                  const seal::SnapshotView& view) {
  if (options.no_kms) return "--no-kms was given";
  for (const auto& share : view.meta()->kms_shares) {
    if (share.key_uri.rfind("local:", 0) != 0) continue;
    struct stat st {};
    if (kms.local_key_file.empty() || stat(kms.local_key_file.c_str(), &st) != 0) {
      return "the chamber uses local KMS keys, and the local key file " +
             (kms.local_key_file.empty() ? std::string("(kms.local.key_file)")
                                         : kms.local_key_file) +
             " is not here (run doctor on a replica's host with its configuration)";
    }
  }
  return std::nullopt;
}

std::string Failures(const seal::KmsLayer& layer) {
  std::string s;
  for (const auto& f : layer.failures()) s += "; " + f.key_uri + ": " + f.error;
  return s;
}

void ReportKeys(const seal::KmsLayer& layer, const seal::SnapshotView& view,
                std::vector<Finding>& out) {
  for (const auto& f : layer.failures())
    Add(out, Finding::kWarn, "kms keys", f.key_uri + " failed: " + f.error);
  for (uint8_t x : layer.bad_shares()) {
    Add(out, Finding::kFail, "kms keys",
        "KMS share " + std::to_string(x) +
            " does not match the others: the master-key record was altered or mixed with "
            "another chamber's (docs/operations.md#integrity-error)");
  }
  const size_t answered = view.meta()->kms_shares.size() - layer.failures().size();
  Add(out, Finding::kOk, "kms keys",
      std::to_string(answered) + " of " + std::to_string(view.meta()->kms_shares.size()) +
          " KMS keys opened their share; " + std::to_string(view.meta()->kms_threshold) +
          " are needed");
}

}  // namespace

void CheckIntegrity(const config::Config& config, const DoctorOptions& options,
                    const std::optional<state::Snapshot>& snap, std::vector<Finding>& out) {
  if (!snap) return;
  auto view = seal::SnapshotView::Of(std::make_shared<const state::Snapshot>(*snap));
  if (view->shape() == seal::SnapshotView::Shape::kEmpty) return;
  if (view->shape() == seal::SnapshotView::Shape::kBroken) {
    Add(out, Finding::kFail, kCheck,
        view->error() +
            ". Signers stay sealed on this table (fail closed); restore it from a backup "
            "(docs/operations.md#integrity-error)");
    return;
  }
  const config::KmsConfig& kms_config = options.kms ? *options.kms : config.kms;
  if (auto off = KmsOff(kms_config, options, *view)) {
    Add(out, Finding::kSkip, kCheck, "manifest not verified: " + *off);
    return;
  }
  Clock& clock = *SystemClock::Get();
  auto credentials =
      std::make_shared<aws::DefaultCredentialChain>(config::ProcessEnvironment(), clock);
  std::unique_ptr<kms::KmsRouter> router = kms::MakeKms(kms_config, clock, credentials);
  seal::KmsLayer layer(*router);
  auto secret = layer.Open(*view);
  if (!secret.ok()) {
    if (layer.failures().empty()) {  // every key answered, yet no verified secret
      Add(out, Finding::kFail, kCheck,
          "every KMS key answered but the shares do not rebuild the chamber's key (" +
              secret.status().message() +
              "): the master-key record was altered (docs/operations.md#integrity-error)");
      return;
    }
    std::string why = "cannot open the KMS layer: " + secret.status().message() + Failures(layer);
    if (!options.kms_secrets_error.empty())
      why += " (the configuration's secrets did not load: " + options.kms_secrets_error + ")";
    Add(out, Finding::kSkip, kCheck, "manifest not verified: " + why);
    return;
  }
  ReportKeys(layer, *view, out);
  seal::LayerKeys keys = seal::LayerKeys::From(*secret);
  Status st = seal::VerifyManifest(*snap, keys.manifest_mac);
  if (!st.ok()) {
    Add(out, Finding::kFail, kCheck,
        st.message() +
            ". Signers seal (fail closed) on this state; restore the table from a backup and find "
            "who changed it (docs/operations.md#integrity-error)");
    return;
  }
  Add(out, Finding::kOk, kCheck,
      "the manifest verifies: all " + std::to_string(snap->records.size()) +
          " records at revision " + std::to_string(snap->head.revision) +
          " are as the chamber wrote them");
}

}  // namespace cc::cli
