// Init (SPEC 4): generates MK, splits it over the KMS keys (KMS-only) or
// over the operators with an outer key split over the KMS keys (quorum),
// and writes the chamber's first commit. Only onto an empty table.
#include <regex>
#include <set>

#include "common/encoding.h"
#include "common/log.h"
#include "common/test_hooks.h"
#include "crypto/hmac.h"
#include "crypto/integrity.h"
#include "crypto/shamir.h"
#include "seal/ceremony.h"
#include "seal/management_token.h"

namespace cc::seal {
namespace {

using records::kMasterKey;
using records::kOperatorCredential;
using state::Mutation;

Status Validate(CeremonyContext& ctx, const InitRequest& req) {
  const auto& keys = req.kms_keys;
  if (keys.empty() || keys.size() > 255)
    return Status::InvalidArgument("'kms_keys' needs 1 to 255 keys");
  if (std::set<std::string>(keys.begin(), keys.end()).size() != keys.size())
    return Status::InvalidArgument("'kms_keys' lists a key twice");
  if (req.kms_threshold < 1 || req.kms_threshold > static_cast<int>(keys.size())) {
    return Status::InvalidArgument(
        "'kms_threshold' must be between 1 and the number of kms_keys (" +
        std::to_string(keys.size()) + ")");
  }
  for (const auto& k : keys) CC_RETURN_IF_ERROR(ctx.kms.router().CheckKeyUri(k));
  if (req.mode != UnsealMode::kQuorum) return Status::Ok();
  const auto& ops = req.operators;
  static const std::regex kName("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  if (ops.empty() || static_cast<int>(ops.size()) > kMaxOperators) {
    return Status::InvalidArgument("'operators' needs 1 to " + std::to_string(kMaxOperators) +
                                   " names");
  }
  for (const auto& o : ops) {
    if (!std::regex_match(o, kName))
      return Status::InvalidArgument("operator name '" + o + "' must be 1-64 of [A-Za-z0-9_.-]");
  }
  if (std::set<std::string>(ops.begin(), ops.end()).size() != ops.size())
    return Status::InvalidArgument("'operators' lists a name twice");
  if (req.operator_threshold < 1 || req.operator_threshold > static_cast<int>(ops.size())) {
    return Status::InvalidArgument(
        "'operator_threshold' must be between 1 and the number of operators");
  }
  return Status::Ok();
}

// Every KMS key wraps its share now: a key that cannot is a mistake to
// report at init, not at the next restart.
Result<records::MasterKeyMetadata> WrapKmsShares(CeremonyContext& ctx, const std::string& chamber,
                                                 const InitRequest& req,
                                                 const crypto::SecretBytes& layer,
                                                 const crypto::SecretBytes& mk) {
  CC_ASSIGN_OR_RETURN(std::vector<crypto::Share> shares,
                      crypto::ShamirSplit(layer, static_cast<int>(req.kms_keys.size()),
                                          req.kms_threshold));
  records::MasterKeyMetadata meta;
  meta.generation = 1;
  meta.mode = req.mode;
  meta.kms_threshold = req.kms_threshold;
  meta.kms_secret_check = crypto::KeyCheckValue(layer, chamber, kKmsLayerLabel);
  meta.mk_check = crypto::KeyCheckValue(mk, chamber, kMasterKeyLabel);
  meta.created_at = ctx.clock.NowUnixSeconds();
  const state::RecordKey meta_key{kMasterKey, records::GenerationId(meta.generation)};
  std::string failed;
  for (size_t i = 0; i < shares.size(); ++i) {
    test_hooks::ObserveSecret("kms_share", shares[i].y.view());
    auto ct = ctx.kms.router().Encrypt(
        req.kms_keys[i], shares[i].y,
        KmsContext(chamber, meta_key, "share/" + std::to_string(shares[i].x)));
    if (!ct.ok()) {
      failed += (failed.empty() ? "" : "; ") + ct.status().message();
      continue;
    }
    meta.kms_shares.push_back({shares[i].x, req.kms_keys[i], *ct});
  }
  if (!failed.empty()) return Status::Unavailable("init failed, nothing was stored: " + failed);
  return meta;
}

// Quorum: one pending credential per operator (its share wrapped by the
// outer key only) and a one-time registration token each.
Status AddOperators(const std::string& chamber, const InitRequest& req, const LayerKeys& keys,
                    const crypto::SecretBytes& mk, records::QuorumConfig& cfg,
                    std::vector<Mutation>& mutations, InitResult& out) {
  CC_ASSIGN_OR_RETURN(std::vector<crypto::Share> shares,
                      crypto::ShamirSplit(mk, static_cast<int>(req.operators.size()),
                                          req.operator_threshold));
  for (size_t i = 0; i < req.operators.size(); ++i) {
    const std::string& name = req.operators[i];
    test_hooks::ObserveSecret("operator_share", shares[i].y.view());
    std::string token = "cc-reg-" + Base64UrlEncode(RandomBytes(24));
    cfg.operators.push_back(
        {name, shares[i].x, false, crypto::HmacSha256(keys.registration.view(), token)});
    out.registration_tokens[name] = std::move(token);
    const state::RecordKey key{kOperatorCredential, records::CredentialId(cfg.mk_generation, name)};
    records::OperatorCredential cred;
    cred.operator_name = name;
    cred.generation = cfg.mk_generation;
    cred.share_index = shares[i].x;
    cred.method = records::CredentialMethod::kPending;
    cred.yubikey_challenge = RandomBytes(32);
    CC_ASSIGN_OR_RETURN(cred.wrapped_share,
                        crypto::AeadSeal(keys.credential_wrap, shares[i].y.view(),
                                         BindingFor(chamber, key, "pending_share")));
    mutations.push_back(Mutation::Put(key, records::Encode(cred)));
  }
  return Status::Ok();
}

// An init whose commit outcome is unknown (the reply was lost): did our
// first commit land? Our master-key record is unique to this attempt.
bool LandedAnyway(CeremonyContext& ctx, const std::string& meta_body) {
  auto after = ctx.writer.Fresh();
  const state::Record* r =
      after->snapshot().Find({kMasterKey, records::GenerationId(1)});
  return r && r->body == meta_body;
}

}  // namespace

Result<InitResult> RunInit(CeremonyContext& ctx, ViewPtr view, const InitRequest& req) {
  if (view->shape() != SnapshotView::Shape::kEmpty)
    return Status::Conflict("the chamber is already initialized");
  CC_RETURN_IF_ERROR(Validate(ctx, req));
  const std::string chamber = view->chamber_id();
  const bool quorum = req.mode == UnsealMode::kQuorum;
  crypto::SecretBytes mk = crypto::SecretBytes::Random(32);
  // The KMS layer protects MK itself (KMS-only) or the outer key (quorum).
  crypto::SecretBytes layer = quorum ? crypto::SecretBytes::Random(32) : mk.Clone();
  test_hooks::ObserveSecret("master_key", mk.view());
  test_hooks::ObserveSecret("kms_layer_secret", layer.view());
  CC_ASSIGN_OR_RETURN(records::MasterKeyMetadata meta, WrapKmsShares(ctx, chamber, req, layer, mk));

  const int64_t now = ctx.clock.NowUnixSeconds();
  records::QuorumConfig cfg;
  cfg.mode = req.mode;
  cfg.kms_keys = req.kms_keys;
  cfg.kms_threshold = req.kms_threshold;
  cfg.operator_threshold = quorum ? req.operator_threshold : 0;
  cfg.created_at = now;
  InitResult out{chamber, req.mode, "", 0, {}};
  LayerKeys keys = LayerKeys::From(layer);
  std::vector<Mutation> mutations;
  if (quorum) CC_RETURN_IF_ERROR(AddOperators(chamber, req, keys, mk, cfg, mutations, out));
  IssuedToken mgmt = NewManagementToken(TokenHashKey(mk), now);
  const std::string meta_body = records::Encode(meta);
  mutations.push_back(Mutation::Put({kMasterKey, records::GenerationId(1)}, meta_body));
  mutations.push_back(Mutation::Put({records::kQuorumConfig, "current"}, records::Encode(cfg)));
  mutations.push_back(Mutation::Put({records::kSealEpoch, "current"},
                                    records::Encode(records::SealEpoch{0, false, now, "init"})));
  mutations.push_back(
      Mutation::Put({records::kAuthToken, mgmt.record.id}, records::Encode(mgmt.record)));
  auto rev = ctx.writer.CommitFirst(*view, keys, std::move(mutations));
  if (!rev.ok() && rev.status().retryable() && LandedAnyway(ctx, meta_body)) {
    rev = view->revision() + 1;
    log::Warn("seal", "the init commit's reply was lost, but the commit landed");
  }
  if (!rev.ok()) {
    crypto::Wipe(mgmt.token);
    if (rev.status().code() == ErrorCode::kAborted || rev.status().code() == ErrorCode::kConflict)
      return Status::Conflict("another replica initialized the chamber first");
    return rev.status();
  }
  if (quorum) {
    ctx.keys.HoldLayer(std::move(layer));  // MK goes only to the operators
  } else {
    ctx.keys.HoldMasterKey(std::move(mk), 0, /*mk_is_layer=*/true, now);
  }
  log::Info("seal", "chamber initialized",
            {{"mode", std::string(records::Name(req.mode))},
             {"kms_keys", std::to_string(req.kms_keys.size())},
             {"kms_threshold", std::to_string(req.kms_threshold)},
             {"operators", std::to_string(req.operators.size())}});
  ctx.Inc("containment_chamber_init_total");
  out.management_token = std::move(mgmt.token);
  out.revision = *rev;
  return out;
}

}  // namespace cc::seal
