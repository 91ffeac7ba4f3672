#include "seal/operator_secret.h"

#include "common/log.h"
#include "common/test_hooks.h"
#include "crypto/kdf.h"

namespace cc::seal {

using records::CredentialMethod;

namespace {

// The right kind of secret for the credential (before any throttling or KDF).
Status CheckSecretKind(const records::OperatorCredential& cred, const OperatorSecret& secret) {
  switch (cred.method) {
    case CredentialMethod::kPassphrase:
      if (secret.passphrase) return Status::Ok();
      return Status::InvalidArgument("operator '" + cred.operator_name +
                                     "' unseals with a passphrase");
    case CredentialMethod::kYubiKey:
      if (secret.yubikey_response) return Status::Ok();
      return Status::InvalidArgument("operator '" + cred.operator_name +
                                     "' unseals with a YubiKey");
    case CredentialMethod::kPending:
      break;
  }
  return Status::FailedPrecondition("operator '" + cred.operator_name +
                                    "' has not registered yet");
}

}  // namespace

Result<crypto::SecretBytes> OperatorKey(const records::OperatorCredential& cred,
                                        const OperatorSecret& secret) {
  CC_RETURN_IF_ERROR(CheckSecretKind(cred, secret));
  if (cred.method == CredentialMethod::kPassphrase) {
    return crypto::Argon2id(secret.passphrase->view(),
                            {cred.kdf.salt, cred.kdf.opslimit, cred.kdf.memlimit});
  }
  // The YubiKey response is the secret; the stored challenge salts it.
  return crypto::Hkdf(*secret.yubikey_response, cred.yubikey_challenge, "cc-yubikey-v1", 32);
}

Result<records::OperatorCredential> CredentialOf(const SnapshotView& view,
                                                 const std::string& name) {
  return view.Load<records::OperatorCredential>(
      {records::kOperatorCredential, records::CredentialId(view.config()->mk_generation, name)});
}

Result<crypto::SecretBytes> OpenOperatorShare(CeremonyContext& ctx, const VerifiedSnapshot& state,
                                              const records::OperatorCredential& cred,
                                              const OperatorSecret& secret, const Caller& caller) {
  CC_RETURN_IF_ERROR(CheckSecretKind(cred, secret));
  CC_RETURN_IF_ERROR(ctx.throttle.Admit(caller.address));
  OperatorThrottle::Slot slot(ctx.throttle, caller.address);
  CC_ASSIGN_OR_RETURN(crypto::SecretBytes op_key, OperatorKey(cred, secret));
  const state::RecordKey key{records::kOperatorCredential,
                             records::CredentialId(cred.generation, cred.operator_name)};
  const std::string& chamber = state.view().chamber_id();
  CC_ASSIGN_OR_RETURN(crypto::SecretBytes inner,
                      crypto::AeadOpen(state.keys().credential_wrap, cred.wrapped_share,
                                       BindingFor(chamber, key, "wrapped_share")));
  auto share = crypto::AeadOpen(op_key, inner.view(), BindingFor(chamber, key, "operator_share"));
  if (share.ok()) {
    slot.Right();
    test_hooks::ObserveSecret("operator_share", share->view());
    return share;
  }
  log::Warn("seal", "wrong operator secret",
            {{"operator", cred.operator_name}, {"source", caller.address}});
  ctx.Inc("containment_auth_rejections_total", {{"reason", "wrong_operator_secret"}});
  return Status::Unauthenticated(
      std::string("wrong ") +
      (cred.method == CredentialMethod::kPassphrase ? "passphrase" : "YubiKey response") +
      " for operator '" + cred.operator_name + "'");
}

}  // namespace cc::seal
