// The enclave's side of TEE auto-unseal: MK from the blob through KMS
// Decrypt with a Recipient. Network and CPU only; no lock is held and
// nothing is committed or kept here (the chamber verifies, then holds).
#include <future>
#include <set>

#include "common/test_hooks.h"
#include "crypto/integrity.h"
#include "seal/tee_auto_unseal.h"
#include "seal/tee_blob.h"
#include "tee/blob_seal.h"
#include "tee/recipient.h"

namespace cc::seal {
namespace {

TeeAttempt Failed(TeeResult result, std::string error) {
  TeeAttempt a;
  a.result = result;
  a.error = std::move(error);
  return a;
}

// One share: KMS answers for the attested key only; the key opens the CMS.
Result<crypto::SecretBytes> OpenShare(kms::KmsRouter& kms, const tee::RecipientKey& key,
                                      const std::string& chamber, const records::KmsShare& share,
                                      const std::string& document) {
  CC_ASSIGN_OR_RETURN(std::string cms,
                      kms.DecryptForRecipient(share.key_uri, share.ciphertext,
                                              TeeBlobShareContext(chamber, share.index), document));
  auto opened = key.OpenCiphertextForRecipient(cms);
  if (!opened.ok()) return opened.status().WithContext("KMS key " + share.key_uri);
  return opened;
}

// In KMS-only mode the blob is read before the state can be verified (MK is
// the key that verifies it), and its outer key is public: bound what a
// forged blob can make this replica do (one thread and KMS call per share).
Status CheckShares(const records::TeeBlob& blob, const std::vector<records::KmsShare>& shares) {
  const size_t n = shares.size();
  if (n == 0 || n > 255 || n != blob.kms_keys.size() || blob.kms_threshold < 1 ||
      static_cast<size_t>(blob.kms_threshold) > n) {
    return Status::Corruption("TEE blob: " + std::to_string(n) + " shares for " +
                              std::to_string(blob.kms_keys.size()) + " keys, threshold " +
                              std::to_string(blob.kms_threshold));
  }
  std::set<int> seen;
  for (size_t i = 0; i < n; ++i) {
    const auto& s = shares[i];
    if (s.index < 1 || s.index > 255 || !seen.insert(s.index).second ||
        s.key_uri != blob.kms_keys[i]) {
      return Status::Corruption("TEE blob: share " + std::to_string(i) +
                                " does not match the blob's key list");
    }
  }
  return Status::Ok();
}

}  // namespace

TeeAttempt OpenTeeBlob(Enclave& enclave, kms::KmsRouter& kms, const SnapshotView& view) {
  const std::string& chamber = view.chamber_id();
  auto blob = view.Load<records::TeeBlob>(kTeeBlobRecord);
  if (!blob.ok()) return Failed(TeeResult::kError, blob.status().message());
  if (std::string stale = WhyStale(*blob, *view.config()); !stale.empty())
    return Failed(TeeResult::kStaleBlob, stale);
  auto stored_pcrs = BlobPcrs(*blob);
  if (!stored_pcrs.ok()) return Failed(TeeResult::kError, stored_pcrs.status().message());

  auto key = tee::RecipientKey::Generate();
  if (!key.ok()) return Failed(TeeResult::kError, key.status().message());
  auto attested = enclave.Attest(key->public_key_der());
  if (!attested.ok()) return Failed(TeeResult::kError, attested.status().message());
  TeeAttempt drift;
  auto inner = tee::OpenWithPcrs(chamber, *stored_pcrs, attested->parsed.pcrs, blob->sealed,
                                 &drift.mismatches);
  if (!drift.mismatches.empty()) {
    drift.result = TeeResult::kPcrMismatch;
    drift.error = inner.status().message();
    return drift;
  }
  if (!inner.ok()) return Failed(TeeResult::kError, inner.status().message());
  auto wrapped = records::DecodeTeeBlobShares(inner->view());
  if (!wrapped.ok()) return Failed(TeeResult::kError, wrapped.status().message());
  if (Status st = CheckShares(*blob, *wrapped); !st.ok())
    return Failed(TeeResult::kError, st.message());

  // Every key at once: the slowest key, not the sum, sets the time.
  std::vector<std::future<Result<crypto::SecretBytes>>> futures;
  for (const auto& s : *wrapped) {
    futures.push_back(std::async(std::launch::async, [&kms, &key, &chamber, &s, &attested] {
      return OpenShare(kms, *key, chamber, s, attested->document);
    }));
  }
  std::vector<crypto::Share> shares;
  std::string failures;
  bool denied = false;
  for (size_t i = 0; i < futures.size(); ++i) {
    auto r = futures[i].get();
    if (r.ok()) {
      test_hooks::ObserveSecret("tee_blob_share", r->view());
      shares.push_back({static_cast<uint8_t>((*wrapped)[i].index), std::move(*r)});
    } else {
      denied = denied || r.status().code() == ErrorCode::kPermissionDenied;
      failures += (failures.empty() ? "" : "; ") + r.status().message();
    }
  }
  auto mk = crypto::CombineVerified(shares, blob->kms_threshold, chamber, kMasterKeyLabel,
                                    view.meta()->mk_check);
  if (!mk.ok()) {
    std::string why = std::to_string(shares.size()) + " of " + std::to_string(wrapped->size()) +
                      " KMS keys decrypted for this enclave; " +
                      std::to_string(blob->kms_threshold) + " are needed";
    if (mk.status().code() != ErrorCode::kFailedPrecondition) why = mk.status().message();
    if (!failures.empty()) why += " (" + failures + ")";
    return Failed(denied ? TeeResult::kKmsDenied : TeeResult::kError, why);
  }
  test_hooks::ObserveSecret("master_key", mk->secret.view());
  TeeAttempt out;
  out.result = TeeResult::kUnsealed;
  out.master_key = std::move(mk->secret);
  return out;
}

}  // namespace cc::seal
