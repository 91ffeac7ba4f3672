// Opening an operator's share with the secret they present: a passphrase
// (Argon2id with the parameters stored beside the credential) or a YubiKey
// HMAC-SHA1 response (salted with the stored challenge). Every check passes
// the throttle first, so no KDF work starts for a caller who must wait.
#pragma once

#include "records/records.h"
#include "seal/ceremony.h"

namespace cc::seal {

// The key an operator's secret gives for a credential (no throttle: used at
// registration, where the registration token already authorizes).
Result<crypto::SecretBytes> OperatorKey(const records::OperatorCredential& cred,
                                        const OperatorSecret& secret);

// The operator's Shamir share, or 401 for a wrong secret (counted against
// the caller's address) or 429 while that address must wait.
Result<crypto::SecretBytes> OpenOperatorShare(CeremonyContext& ctx, const VerifiedSnapshot& state,
                                              const records::OperatorCredential& cred,
                                              const OperatorSecret& secret, const Caller& caller);

// The operator's credential of the current generation.
Result<records::OperatorCredential> CredentialOf(const SnapshotView& view, const std::string& name);

}  // namespace cc::seal
