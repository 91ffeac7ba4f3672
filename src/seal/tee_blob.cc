// Create TEE blob (SPEC 4): an unsealed replica inside a Nitro Enclave splits
// MK into one share per AWS KMS key (threshold: the chamber's KMS threshold),
// wraps each share with its key, seals the wrapped shares to its own build
// measurements (tee::SealToPcrs, integrity only) and commits the record.
// Confidentiality comes from the keys' policies: they decrypt the blob's
// shares only for an attested enclave (docs/tee.md).
#include "seal/tee_blob.h"

#include "common/log.h"
#include "common/test_hooks.h"
#include "seal/ceremony.h"
#include "tee/blob_seal.h"

namespace cc::seal {

std::vector<std::string> EnclaveKeys(const records::QuorumConfig& config,
                                     std::vector<std::string>* others) {
  std::vector<std::string> aws;
  for (const auto& key : config.kms_keys) {
    auto provider = kms::ProviderOf(key);
    if (provider.ok() && *provider == "aws") {
      aws.push_back(key);
    } else if (others) {
      others->push_back(key);
    }
  }
  return aws;
}

kms::EncryptionContext TeeBlobShareContext(const std::string& chamber_id, int x) {
  return KmsContext(chamber_id, kTeeBlobRecord, "share/" + std::to_string(x));
}

std::string WhyStale(const records::TeeBlob& blob, const records::QuorumConfig& config) {
  if (blob.mk_generation != config.mk_generation) {
    return "the blob holds master-key generation " + std::to_string(blob.mk_generation) +
           "; the chamber is at generation " + std::to_string(config.mk_generation);
  }
  if (blob.kms_keys != EnclaveKeys(config) || blob.kms_threshold != config.kms_threshold)
    return "the chamber's KMS keys or threshold changed since the blob was made";
  return "";
}

Result<tee::Pcrs> BlobPcrs(const records::TeeBlob& blob) {
  tee::Pcrs out;
  for (const auto& [index, value] : blob.pcrs) {
    if (index < 0 || index > 31)
      return Status::Corruption("TEE blob: PCR index " + std::to_string(index) + " is not 0-31");
    out[static_cast<uint32_t>(index)] = value;
  }
  if (out.empty()) return Status::Corruption("TEE blob: bound to no PCR");
  return out;
}

void DescribeBlob(const SnapshotView& view, TeeReport& out) {
  if (!view.snapshot().Find(kTeeBlobRecord)) return;
  out.blob_present = true;
  auto blob = view.Load<records::TeeBlob>(kTeeBlobRecord);
  if (!blob.ok()) {
    out.blob_stale = blob.status().message();
    return;
  }
  for (const auto& [index, value] : blob->pcrs) out.blob_pcrs[static_cast<uint32_t>(index)] = value;
  out.blob_mk_generation = blob->mk_generation;
  out.blob_kms_threshold = blob->kms_threshold;
  out.blob_kms_keys = blob->kms_keys;
  out.blob_created_at = blob->created_at;
  if (view.config()) out.blob_stale = WhyStale(*blob, *view.config());
}

namespace {

TeeBlobResult ResultFor(const records::TeeBlob& blob, bool written, uint64_t revision) {
  TeeBlobResult out;
  out.written = written;
  for (const auto& [index, value] : blob.pcrs) out.pcrs[static_cast<uint32_t>(index)] = value;
  out.mk_generation = blob.mk_generation;
  out.kms_threshold = blob.kms_threshold;
  out.kms_keys = blob.kms_keys;
  out.created_at = blob.created_at;
  out.revision = revision;
  return out;
}

// Every key wraps its share now: a key that cannot is reported here, not at
// the next restart.
Result<std::vector<records::KmsShare>> WrapShares(CeremonyContext& ctx, const std::string& chamber,
                                                  const std::vector<std::string>& keys,
                                                  int threshold) {
  CC_ASSIGN_OR_RETURN(std::vector<crypto::Share> shares,
                      ctx.keys.SplitMasterKey(static_cast<int>(keys.size()), threshold));
  std::vector<records::KmsShare> out;
  std::string failed;
  for (size_t i = 0; i < shares.size(); ++i) {
    test_hooks::ObserveSecret("tee_blob_share", shares[i].y.view());
    auto ct =
        ctx.kms.router().Encrypt(keys[i], shares[i].y, TeeBlobShareContext(chamber, shares[i].x));
    if (!ct.ok()) {
      failed += (failed.empty() ? "" : "; ") + ct.status().message();
      continue;
    }
    out.push_back({shares[i].x, keys[i], std::move(*ct)});
  }
  if (!failed.empty()) return Status::Unavailable("the TEE blob was not written: " + failed);
  return out;
}

}  // namespace

Result<TeeBlobResult> RunCreateTeeBlob(CeremonyContext& ctx, ViewPtr view,
                                       const TeeBlobRequest& req) {
  if (view->shape() == SnapshotView::Shape::kEmpty)
    return Status::FailedPrecondition("the chamber is not initialized");
  if (!ctx.enclave.available()) {
    return Status::FailedPrecondition(
        "this replica is not inside a Nitro Enclave (tee.platform: nitro with the Nitro Secure "
        "Module): only an enclave can measure itself and later use the blob");
  }
  if (view->epoch().sealed || ctx.keys.sealed_locally_at())
    return Status::FailedPrecondition("an operator seal is in force");
  if (!ctx.keys.HasMasterKey()) {
    return Status::FailedPrecondition(
        "this replica is not unsealed: the blob holds shares of the master key");
  }
  CC_ASSIGN_OR_RETURN(VerifiedSnapshot state, ctx.Verified(view, /*anonymous=*/false));
  const SnapshotView& v = state.view();
  const records::QuorumConfig& cfg = *v.config();
  std::vector<std::string> others;
  std::vector<std::string> keys = EnclaveKeys(cfg, &others);
  if (static_cast<int>(keys.size()) < cfg.kms_threshold) {
    std::string named;
    for (const auto& k : others) named += (named.empty() ? "" : ", ") + k;
    return Status::Conflict(
        "TEE auto-unseal needs KMS Decrypt with a Recipient, which only AWS KMS keys have: " +
        std::to_string(keys.size()) +
        " of this chamber's keys are AWS keys and the KMS "
        "threshold is " +
        std::to_string(cfg.kms_threshold) +
        "; these keys cannot decrypt for "
        "an enclave: " +
        named);
  }
  CC_ASSIGN_OR_RETURN(tee::Pcrs pcrs, ctx.enclave.Measurements());
  if (req.only_if_stale) {
    auto stored = v.Load<records::TeeBlob>(kTeeBlobRecord);
    auto stored_pcrs = stored.ok() ? BlobPcrs(*stored) : Result<tee::Pcrs>(stored.status());
    if (stored.ok() && stored_pcrs.ok() && WhyStale(*stored, cfg).empty() && *stored_pcrs == pcrs)
      return ResultFor(*stored, /*written=*/false, v.revision());
  }

  CC_ASSIGN_OR_RETURN(std::vector<records::KmsShare> shares,
                      WrapShares(ctx, v.chamber_id(), keys, cfg.kms_threshold));
  records::TeeBlob blob;
  for (const auto& [index, value] : pcrs) blob.pcrs[static_cast<int>(index)] = value;
  blob.mk_generation = cfg.mk_generation;
  blob.kms_threshold = cfg.kms_threshold;
  blob.kms_keys = keys;
  blob.created_at = ctx.clock.NowUnixSeconds();
  CC_ASSIGN_OR_RETURN(
      blob.sealed,
      tee::SealToPcrs(v.chamber_id(), pcrs,
                      crypto::SecretBytes::CopyFrom(records::EncodeTeeBlobShares(shares))));
  CC_ASSIGN_OR_RETURN(
      uint64_t revision,
      ctx.writer.Commit(state, {state::Mutation::Put(kTeeBlobRecord, records::Encode(blob))}));
  log::Info("tee", "TEE auto-unseal blob written",
            {{"kms_keys", std::to_string(keys.size())},
             {"kms_threshold", std::to_string(cfg.kms_threshold)},
             {"pcrs", std::to_string(pcrs.size())},
             {"revision", std::to_string(revision)}});
  ctx.events.Committed();
  return ResultFor(blob, /*written=*/true, revision);
}

}  // namespace cc::seal
