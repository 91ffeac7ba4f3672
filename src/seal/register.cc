// Registration (quorum mode): an operator turns their pending share into a
// credential only their passphrase or YubiKey opens, with the one-time
// registration token init gave them. Also the YubiKey challenge lookup.
#include "common/log.h"
#include "crypto/hmac.h"
#include "crypto/kdf.h"
#include "seal/ceremony.h"
#include "seal/operator_secret.h"

namespace cc::seal {
namespace {

using records::CredentialMethod;
using state::Mutation;

Status ValidateSecret(const OperatorSecret& s) {
  if (s.passphrase.has_value() == s.yubikey_response.has_value())
    return Status::InvalidArgument("give exactly one of 'passphrase' or 'yubikey_response'");
  if (s.passphrase && s.passphrase->size() < kMinPassphrase) {
    return Status::InvalidArgument("the passphrase must be at least " +
                                   std::to_string(kMinPassphrase) + " characters");
  }
  if (s.yubikey_response && s.yubikey_response->size() != 20) {
    return Status::InvalidArgument(
        "yubikey_response must be the 20-byte HMAC-SHA1 response, hex encoded");
  }
  return Status::Ok();
}

}  // namespace

Result<RegisterResult> RunRegister(CeremonyContext& ctx, ViewPtr view, const RegisterRequest& req) {
  if (view->shape() == SnapshotView::Shape::kEmpty)
    return Status::FailedPrecondition("the chamber is not initialized");
  if (view->config() && !view->quorum())
    return Status::FailedPrecondition("registration is for quorum mode");
  CC_RETURN_IF_ERROR(ValidateSecret(req.secret));
  if (view->config()) {
    const records::OperatorEntry* e = view->config()->Find(req.operator_name);
    if (!e) {
      return Status::NotFound("no operator '" + req.operator_name +
                              "' in the quorum configuration");
    }
    if (e->registered)
      return Status::Conflict("operator '" + req.operator_name + "' is already registered");
  }
  if (req.registration_token.empty())
    return Status::Unauthenticated("a registration token is required");
  // The token is checked before any passphrase work; verifying the state
  // may open the KMS layer, which anonymous callers may do only rarely.
  CC_ASSIGN_OR_RETURN(VerifiedSnapshot state, ctx.Verified(view, /*anonymous=*/true));
  const records::QuorumConfig& config = *state.view().config();
  const records::OperatorEntry* entry = config.Find(req.operator_name);
  const std::string token_hash =
      crypto::HmacSha256(state.keys().registration.view(), req.registration_token);
  if (!entry || entry->registration_token_hash.empty() ||
      !crypto::ConstantTimeEquals(token_hash, entry->registration_token_hash)) {
    if (entry && entry->registered)
      return Status::Conflict("operator '" + req.operator_name + "' is already registered");
    return Status::Unauthenticated("invalid registration token for operator '" +
                                   req.operator_name + "'");
  }
  const std::string& chamber = state.view().chamber_id();
  const state::RecordKey key{records::kOperatorCredential,
                             records::CredentialId(config.mk_generation, req.operator_name)};
  CC_ASSIGN_OR_RETURN(records::OperatorCredential cred,
                      state.view().Load<records::OperatorCredential>(key));
  CC_ASSIGN_OR_RETURN(crypto::SecretBytes share,
                      crypto::AeadOpen(state.keys().credential_wrap, cred.wrapped_share,
                                       BindingFor(chamber, key, "pending_share")));
  if (req.secret.passphrase) {
    crypto::Argon2Params p = crypto::NewCredentialArgon2Params();
    cred.method = CredentialMethod::kPassphrase;
    cred.kdf = {p.salt, p.opslimit, p.memlimit};
  } else {
    cred.method = CredentialMethod::kYubiKey;
  }
  CC_ASSIGN_OR_RETURN(crypto::SecretBytes op_key, OperatorKey(cred, req.secret));
  CC_ASSIGN_OR_RETURN(std::string inner, crypto::AeadSeal(op_key, share.view(),
                                                          BindingFor(chamber, key, "operator_share")));
  CC_ASSIGN_OR_RETURN(cred.wrapped_share,
                      crypto::AeadSeal(state.keys().credential_wrap, inner,
                                       BindingFor(chamber, key, "wrapped_share")));
  cred.registered_at = ctx.clock.NowUnixSeconds();
  records::QuorumConfig cfg = config;
  int registered = 0;
  for (auto& o : cfg.operators) {
    if (o.name == req.operator_name) {
      o.registered = true;
      o.registration_token_hash.clear();  // one-time
    }
    registered += o.registered;
  }
  CC_RETURN_IF_ERROR(
      ctx.writer
          .Commit(state, {Mutation::Put(key, records::Encode(cred)),
                          Mutation::Put({records::kQuorumConfig, "current"}, records::Encode(cfg))})
          .status());
  log::Info("seal", "operator registered",
            {{"operator", req.operator_name}, {"method", std::string(records::Name(cred.method))}});
  ctx.events.Committed();
  return RegisterResult{req.operator_name, cred.method, registered,
                        static_cast<int>(cfg.operators.size()), ctx.events.State()};
}

// The challenge answer has the same shape for every name: a name that is
// not an operator gets a stable made-up challenge, so the route does not
// tell which operator names exist.
Result<ChallengeResult> RunChallenge(CeremonyContext& ctx, ViewPtr view, const std::string& name) {
  if (!view->config() || !view->quorum())
    return Status::FailedPrecondition("the chamber is not in quorum mode");
  const records::OperatorEntry* entry = view->config()->Find(name);
  if (entry) {
    auto cred = CredentialOf(*view, name);
    if (cred.ok()) return ChallengeResult{name, cred->yubikey_challenge, cred->yubikey_slot, cred->method};
  }
  std::string seed = view->chamber_id();
  if (auto keys = ctx.keys.Layer()) seed = keys->registration.view();
  return ChallengeResult{name, crypto::HmacSha256(seed, "made-up-challenge|" + name), 2,
                         CredentialMethod::kYubiKey};
}

}  // namespace cc::seal
