// The ceremonies: init, register, unseal (operator shares or KMS-only
// resume), seal and root-token generation. Each validates everything first,
// then makes one atomic commit; bad input changes nothing.
#include <regex>
#include <set>

#include "common/encoding.h"
#include "common/log.h"
#include "crypto/hmac.h"
#include "crypto/integrity.h"
#include "common/test_hooks.h"
#include "crypto/kdf.h"
#include "seal/chamber.h"

namespace cc::seal {

using nlohmann::json;
using records::kAuthToken;
using records::kMasterKey;
using records::kOneTimeToken;
using records::kOperatorCredential;
using records::kQuorumConfig;
using records::kRootGeneration;
using records::kSealEpoch;
using records::kUnsealProgress;
using state::Mutation;

namespace {

// Operator-facing limits. A commit holds at most 22 records; init writes
// four records plus one credential per operator.
constexpr int kMaxOperators = 16;
constexpr size_t kMinPassphrase = 12;
constexpr int64_t kOneTimeTokenSeconds = 600;
// Wrong operator secrets allowed before the lockout starts.
constexpr int kFreeSecretFailures = 3;
// Anyone may ask for a logged one-time token (only log readers can use it);
// at most one per minute, so such requests cannot flood the state table.
constexpr int64_t kRestartAfterSeconds = 60;

std::string NewToken(const char* prefix, size_t bytes = 24) {
  return prefix + Base64UrlEncode(RandomBytes(bytes));
}

Result<std::string> StringField(const json& j, const char* name, bool required = true) {
  if (!j.contains(name)) {
    if (required) return cc::Status::InvalidArgument("'" + std::string(name) + "' is required");
    return std::string();
  }
  if (!j[name].is_string())
    return cc::Status::InvalidArgument("'" + std::string(name) + "' must be a string");
  return j[name].get<std::string>();
}

Result<int> IntField(const json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_number_integer()) {
    return cc::Status::InvalidArgument("'" + std::string(name) + "' must be an integer");
  }
  return j[name].get<int>();
}

Result<std::vector<std::string>> StringList(const json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_array()) {
    return cc::Status::InvalidArgument("'" + std::string(name) + "' must be a list of strings");
  }
  std::vector<std::string> out;
  for (const auto& e : j[name]) {
    if (!e.is_string())
      return cc::Status::InvalidArgument("'" + std::string(name) + "' must be a list of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

// Key for a YubiKey HMAC-SHA1 response: the response is the secret, the
// stored challenge salts it.
Result<crypto::SecretBytes> YubiKeyKey(const std::string& response_hex,
                                       const std::string& challenge) {
  auto raw = HexDecode(response_hex);
  if (!raw || raw->size() != 20) {
    return cc::Status::InvalidArgument(
        "yubikey_response must be the 20-byte HMAC-SHA1 response, hex encoded");
  }
  crypto::SecretBytes response = crypto::SecretBytes::CopyFrom(*raw);
  crypto::Wipe(*raw);
  return crypto::Hkdf(response, challenge, "cc-yubikey-v1", 32);
}

}  // namespace

// ---------------------------------------------------------------- init

Result<json> Chamber::Init(const std::string& setup_token, const json& req) {
  refresher_.RefreshOnce();  // another replica may have initialized already
  std::lock_guard<std::mutex> c(ceremony_mu_);
  View v = Decode(refresher_.Current());
  if (v.config) return cc::Status::Conflict("the chamber is already initialized");
  {
    std::lock_guard<std::mutex> l(mu_);
    if (setup_token_hash_.empty() ||
        !crypto::ConstantTimeEquals(crypto::Sha256(setup_token), setup_token_hash_)) {
      return cc::Status::Unauthenticated(
          "invalid setup token (use the cc-setup-… token this replica logged)");
    }
  }
  if (!req.is_object())
    return cc::Status::InvalidArgument("the request body must be a JSON object");
  CC_ASSIGN_OR_RETURN(std::string mode, StringField(req, "mode"));
  if (mode != "kms_only" && mode != "quorum") {
    return cc::Status::InvalidArgument("'mode' must be kms_only or quorum");
  }
  CC_ASSIGN_OR_RETURN(std::vector<std::string> kms_keys, StringList(req, "kms_keys"));
  CC_ASSIGN_OR_RETURN(int kms_threshold, IntField(req, "kms_threshold"));
  if (kms_keys.empty() || kms_keys.size() > 255)
    return cc::Status::InvalidArgument("'kms_keys' needs 1 to 255 keys");
  if (std::set<std::string>(kms_keys.begin(), kms_keys.end()).size() != kms_keys.size()) {
    return cc::Status::InvalidArgument("'kms_keys' lists a key twice");
  }
  if (kms_threshold < 1 || kms_threshold > static_cast<int>(kms_keys.size())) {
    return cc::Status::InvalidArgument(
        "'kms_threshold' must be between 1 and the number of kms_keys (" +
        std::to_string(kms_keys.size()) + ")");
  }
  for (const auto& k : kms_keys) CC_RETURN_IF_ERROR(kms_.CheckKeyUri(k));
  std::vector<std::string> operators;
  int operator_threshold = 0;
  if (mode == "quorum") {
    CC_ASSIGN_OR_RETURN(operators, StringList(req, "operators"));
    CC_ASSIGN_OR_RETURN(operator_threshold, IntField(req, "operator_threshold"));
    static const std::regex kName("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    if (operators.empty() || static_cast<int>(operators.size()) > kMaxOperators) {
      return cc::Status::InvalidArgument("'operators' needs 1 to " + std::to_string(kMaxOperators) +
                                         " names");
    }
    for (const auto& o : operators) {
      if (!std::regex_match(o, kName)) {
        return cc::Status::InvalidArgument("operator name '" + o +
                                           "' must be 1-64 of [A-Za-z0-9_.-]");
      }
    }
    if (std::set<std::string>(operators.begin(), operators.end()).size() != operators.size()) {
      return cc::Status::InvalidArgument("'operators' lists a name twice");
    }
    if (operator_threshold < 1 || operator_threshold > static_cast<int>(operators.size())) {
      return cc::Status::InvalidArgument(
          "'operator_threshold' must be between 1 and the number of operators");
    }
  }

  const std::string chamber = v.snap->head.chamber_id;
  const int64_t now = clock_.NowUnixSeconds();
  const uint32_t gen = 1;
  const state::RecordKey meta_key{kMasterKey, records::GenerationId(gen)};
  crypto::SecretBytes mk = crypto::SecretBytes::Random(32);
  // The KMS layer protects MK itself (KMS-only) or the outer key (quorum).
  crypto::SecretBytes layer = mode == "quorum" ? crypto::SecretBytes::Random(32) : mk.Clone();
  CC_ASSIGN_OR_RETURN(std::vector<crypto::Share> kms_shares,
                      crypto::ShamirSplit(layer, static_cast<int>(kms_keys.size()), kms_threshold));
  test_hooks::ObserveSecret("master_key", mk.view());
  test_hooks::ObserveSecret("kms_layer_secret", layer.view());
  for (const auto& s : kms_shares) test_hooks::ObserveSecret("kms_share", s.y.view());
  records::MasterKeyMetadata meta;
  meta.generation = gen;
  meta.mode = mode;
  meta.kms_threshold = kms_threshold;
  meta.kms_secret_check = crypto::KeyCheckValue(layer, chamber, kKmsLayerLabel);
  meta.mk_check = crypto::KeyCheckValue(mk, chamber, kMasterKeyLabel);
  meta.created_at = now;
  // Every key must wrap its share at init: a key that cannot is a mistake to
  // report now, not at the next restart.
  std::string failed;
  for (size_t i = 0; i < kms_keys.size(); ++i) {
    auto ct =
        kms_.Encrypt(kms_keys[i], kms_shares[i].y,
                     KmsContext(chamber, meta_key, "share/" + std::to_string(kms_shares[i].x)));
    if (!ct.ok()) {
      failed += (failed.empty() ? "" : "; ") + ct.status().message();
      continue;
    }
    meta.kms_shares.push_back({kms_shares[i].x, kms_keys[i], *ct});
  }
  if (!failed.empty()) return cc::Status::Unavailable("init failed, nothing was stored: " + failed);

  records::QuorumConfig cfg;
  cfg.generation = 1;
  cfg.mk_generation = gen;
  cfg.mode = mode;
  cfg.kms_keys = kms_keys;
  cfg.kms_threshold = kms_threshold;
  cfg.operator_threshold = operator_threshold;
  cfg.created_at = now;
  std::vector<Mutation> mutations;
  json registration_tokens = json::object();
  if (mode == "quorum") {
    LayerKeys keys = LayerKeys::From(layer);
    CC_ASSIGN_OR_RETURN(
        std::vector<crypto::Share> op_shares,
        crypto::ShamirSplit(mk, static_cast<int>(operators.size()), operator_threshold));
    for (const auto& s : op_shares) test_hooks::ObserveSecret("operator_share", s.y.view());
    for (size_t i = 0; i < operators.size(); ++i) {
      std::string token = NewToken("cc-reg-");
      cfg.operators.push_back({operators[i], op_shares[i].x, false,
                               crypto::HmacSha256(keys.registration.view(), token)});
      registration_tokens[operators[i]] = token;
      const state::RecordKey key{kOperatorCredential, records::CredentialId(gen, operators[i])};
      records::OperatorCredential cred;
      cred.operator_name = operators[i];
      cred.generation = gen;
      cred.share_index = op_shares[i].x;
      cred.method = "pending";
      cred.yubikey_challenge = RandomBytes(32);
      CC_ASSIGN_OR_RETURN(cred.wrapped_share,
                          crypto::AeadSeal(keys.credential_wrap, op_shares[i].y.view(),
                                           BindingFor(chamber, key, "pending_share")));
      mutations.push_back(Mutation::Put(key, records::Encode(cred)));
    }
  }
  auto [mgmt, token_rec] = NewManagementToken(mk);
  mutations.push_back(Mutation::Put(meta_key, records::Encode(meta)));
  mutations.push_back(Mutation::Put({kQuorumConfig, "current"}, records::Encode(cfg)));
  mutations.push_back(Mutation::Put({kSealEpoch, "current"},
                                    records::Encode(records::SealEpoch{0, false, now, "init"})));
  mutations.push_back(Mutation::Put({kAuthToken, token_rec.id}, records::Encode(token_rec)));
  auto rev = CommitWithManifest(v, layer, std::move(mutations));
  if (!rev.ok()) {
    if (rev.status().code() == ErrorCode::kConflict) {
      return cc::Status::Conflict("another replica initialized the chamber first");
    }
    return rev.status();
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    setup_token_hash_.clear();
    if (mode == "quorum") {
      layer_secret_ = std::move(layer);  // MK goes only to the operators
    } else {
      master_key_ = std::move(mk);
      unsealed_epoch_ = 0;
    }
  }
  log::Info("seal", "chamber initialized",
            {{"mode", mode},
             {"kms_keys", std::to_string(kms_keys.size())},
             {"kms_threshold", std::to_string(kms_threshold)},
             {"operators", std::to_string(operators.size())}});
  if (metrics_) metrics_->Inc("containment_chamber_init_total");
  Reconcile(Decode(refresher_.Current()));
  json out = {
      {"chamber_id", chamber}, {"mode", mode}, {"management_token", mgmt}, {"revision", *rev}};
  if (mode == "quorum") out["registration_tokens"] = registration_tokens;
  crypto::Wipe(mgmt);
  return out;
}

// ---------------------------------------------------------------- register

Result<json> Chamber::Register(const std::string& registration_token, const json& req) {
  return Ceremony(req, [&](const View& v) -> Result<json> {
    if (v.config->mode != "quorum")
      return cc::Status::FailedPrecondition("registration is for quorum mode");
    CC_ASSIGN_OR_RETURN(std::string name, StringField(req, "operator"));
    const records::OperatorEntry* entry = v.config->Find(name);
    if (!entry)
      return cc::Status::NotFound("no operator '" + name + "' in the quorum configuration");
    if (entry->registered)
      return cc::Status::Conflict("operator '" + name + "' is already registered");
    CC_ASSIGN_OR_RETURN(std::string passphrase, StringField(req, "passphrase", false));
    CC_ASSIGN_OR_RETURN(std::string yubikey, StringField(req, "yubikey_response", false));
    if (passphrase.empty() == yubikey.empty()) {
      return cc::Status::InvalidArgument("give exactly one of 'passphrase' or 'yubikey_response'");
    }
    if (!passphrase.empty() && passphrase.size() < kMinPassphrase) {
      return cc::Status::InvalidArgument("the passphrase must be at least " +
                                         std::to_string(kMinPassphrase) + " characters");
    }
    CC_ASSIGN_OR_RETURN(crypto::SecretBytes layer, KmsLayerSecret(v));
    LayerKeys keys = LayerKeys::From(layer);
    if (registration_token.empty() ||
        !crypto::ConstantTimeEquals(
            crypto::HmacSha256(keys.registration.view(), registration_token),
            entry->registration_token_hash)) {
      return cc::Status::Unauthenticated("invalid registration token for operator '" + name + "'");
    }
    const std::string chamber = v.snap->head.chamber_id;
    const state::RecordKey key{kOperatorCredential,
                               records::CredentialId(v.config->mk_generation, name)};
    auto cred = records::Load<records::OperatorCredential>(*v.snap, key);
    if (!cred.ok()) return cred.status();
    CC_ASSIGN_OR_RETURN(crypto::SecretBytes share,
                        crypto::AeadOpen(keys.credential_wrap, cred->wrapped_share,
                                         BindingFor(chamber, key, "pending_share")));
    crypto::SecretBytes op_key;
    if (!passphrase.empty()) {
      crypto::Argon2Params p = crypto::NewCredentialArgon2Params();
      CC_ASSIGN_OR_RETURN(op_key, crypto::Argon2id(passphrase, p));
      cred->method = "passphrase";
      cred->kdf = {p.salt, p.opslimit, p.memlimit};
    } else {
      CC_ASSIGN_OR_RETURN(op_key, YubiKeyKey(yubikey, cred->yubikey_challenge));
      cred->method = "yubikey";
    }
    CC_ASSIGN_OR_RETURN(
        std::string inner,
        crypto::AeadSeal(op_key, share.view(), BindingFor(chamber, key, "operator_share")));
    CC_ASSIGN_OR_RETURN(
        cred->wrapped_share,
        crypto::AeadSeal(keys.credential_wrap, inner, BindingFor(chamber, key, "wrapped_share")));
    cred->registered_at = clock_.NowUnixSeconds();
    records::QuorumConfig cfg = *v.config;
    for (auto& o : cfg.operators) {
      if (o.name == name) {
        o.registered = true;
        o.registration_token_hash.clear();  // one-time
      }
    }
    auto rev =
        CommitWithManifest(v, layer,
                           {Mutation::Put(key, records::Encode(*cred)),
                            Mutation::Put({kQuorumConfig, "current"}, records::Encode(cfg))});
    if (!rev.ok()) return rev.status();
    log::Info("seal", "operator registered", {{"operator", name}, {"method", cred->method}});
    Reconcile(Decode(refresher_.Current()));
    int registered = 0;
    for (const auto& o : cfg.operators) registered += o.registered;
    return json{{"operator", name},
                {"method", cred->method},
                {"registered", registered},
                {"operators", cfg.operators.size()},
                {"status", std::string(SealStateName(State()))}};
  });
}

Result<json> Chamber::Challenge(const std::string& name) {
  View v = Decode(refresher_.Current());
  if (!v.config || v.config->mode != "quorum")
    return cc::Status::FailedPrecondition("the chamber is not in quorum mode");
  if (!v.config->Find(name)) return cc::Status::NotFound("no operator '" + name + "'");
  const state::RecordKey key{kOperatorCredential,
                             records::CredentialId(v.config->mk_generation, name)};
  CC_ASSIGN_OR_RETURN(records::OperatorCredential cred,
                      records::Load<records::OperatorCredential>(*v.snap, key));
  return json{{"operator", name},
              {"challenge", HexEncode(cred.yubikey_challenge)},
              {"slot", cred.yubikey_slot},
              {"method", cred.method}};
}

// ---------------------------------------------------------------- unseal

Result<crypto::SecretBytes> Chamber::OpenOperatorShare(const View& v,
                                                       const records::OperatorCredential& cred,
                                                       const json& req, const LayerKeys& keys) {
  const std::string chamber = v.snap->head.chamber_id;
  const auto now = clock_.SteadyNow();
  {
    std::lock_guard<std::mutex> l(mu_);
    const SecretFailures& f = secret_failures_[cred.operator_name];
    if (now < f.locked_until) {
      auto wait =
          std::chrono::duration_cast<std::chrono::seconds>(f.locked_until - now).count() + 1;
      return cc::Status::TooManyRequests("too many wrong secrets for operator '" +
                                         cred.operator_name + "' on this replica; try again in " +
                                         std::to_string(wait) + " s");
    }
  }
  const state::RecordKey key{kOperatorCredential,
                             records::CredentialId(cred.generation, cred.operator_name)};
  if (cred.method == "pending") {
    return cc::Status::FailedPrecondition("operator '" + cred.operator_name +
                                          "' has not registered yet");
  }
  CC_ASSIGN_OR_RETURN(std::string passphrase, StringField(req, "passphrase", false));
  CC_ASSIGN_OR_RETURN(std::string yubikey, StringField(req, "yubikey_response", false));
  crypto::SecretBytes op_key;
  if (cred.method == "passphrase") {
    if (passphrase.empty())
      return cc::Status::InvalidArgument("operator '" + cred.operator_name +
                                         "' unseals with a passphrase");
    CC_ASSIGN_OR_RETURN(op_key, crypto::Argon2id(passphrase, {cred.kdf.salt, cred.kdf.opslimit,
                                                              cred.kdf.memlimit}));
  } else {
    if (yubikey.empty())
      return cc::Status::InvalidArgument("operator '" + cred.operator_name +
                                         "' unseals with a YubiKey");
    CC_ASSIGN_OR_RETURN(op_key, YubiKeyKey(yubikey, cred.yubikey_challenge));
  }
  CC_ASSIGN_OR_RETURN(crypto::SecretBytes inner,
                      crypto::AeadOpen(keys.credential_wrap, cred.wrapped_share,
                                       BindingFor(chamber, key, "wrapped_share")));
  auto share = crypto::AeadOpen(op_key, inner.view(), BindingFor(chamber, key, "operator_share"));
  std::lock_guard<std::mutex> l(mu_);
  SecretFailures& f = secret_failures_[cred.operator_name];
  if (share.ok()) {
    f = SecretFailures{};
    test_hooks::ObserveSecret("operator_share", share->view());
    return share;
  }
  // Three free tries (typos), then 2 s, 4 s, ... up to 5 minutes.
  if (++f.count >= kFreeSecretFailures) {
    int shift = std::min(f.count - kFreeSecretFailures, 8);
    f.locked_until = now + std::min(std::chrono::seconds(2 << shift), std::chrono::seconds(300));
  }
  log::Warn("seal", "wrong operator secret",
            {{"operator", cred.operator_name}, {"failures", std::to_string(f.count)}});
  if (metrics_) metrics_->Inc("containment_auth_rejections_total");
  return cc::Status::Unauthenticated(
      std::string("wrong ") + (cred.method == "passphrase" ? "passphrase" : "YubiKey response") +
      " for operator '" + cred.operator_name + "'");
}

Result<json> Chamber::Unseal(const json& req) {
  return Ceremony(req, [&](const View& v) -> Result<json> {
    if (v.config->mode != "quorum") {
      return cc::Status::FailedPrecondition(
          "KMS-only mode unseals automatically; to lift an operator seal use --resume");
    }
    if (!v.config->AllRegistered())
      return cc::Status::FailedPrecondition("not every operator has registered yet");
    CC_ASSIGN_OR_RETURN(std::string name, StringField(req, "operator"));
    const records::OperatorEntry* entry = v.config->Find(name);
    if (!entry)
      return cc::Status::NotFound("no operator '" + name + "' in the quorum configuration");
    {
      std::lock_guard<std::mutex> l(mu_);
      if (master_key_) {
        return json{{"status", std::string(SealStateName(state_))},
                    {"submitted", 0},
                    {"threshold", v.config->operator_threshold},
                    {"message", "already unsealed"}};
      }
    }
    CC_ASSIGN_OR_RETURN(crypto::SecretBytes layer, KmsLayerSecret(v));
    LayerKeys keys = LayerKeys::From(layer);
    const state::RecordKey cred_key{kOperatorCredential,
                                    records::CredentialId(v.config->mk_generation, name)};
    CC_ASSIGN_OR_RETURN(records::OperatorCredential cred,
                        records::Load<records::OperatorCredential>(*v.snap, cred_key));
    // A wrong secret fails here and nothing is stored.
    CC_ASSIGN_OR_RETURN(crypto::SecretBytes share, OpenOperatorShare(v, cred, req, keys));
    const int64_t now = clock_.NowUnixSeconds();
    const state::RecordKey key{kUnsealProgress, name};
    records::UnsealProgress progress{name,          v.config->mk_generation,
                                     v.epoch.epoch, "",
                                     now,           now + 60LL * options_.unseal_timeout_minutes};
    CC_ASSIGN_OR_RETURN(progress.wrapped_share,
                        crypto::AeadSeal(keys.progress_wrap, share.view(),
                                         BindingFor(v.snap->head.chamber_id, key, "share")));
    auto rev = CommitWithManifest(v, layer, {Mutation::Put(key, records::Encode(progress))});
    if (!rev.ok()) return rev.status();
    log::Info("seal", "operator share accepted", {{"operator", name}});
    if (metrics_) metrics_->Inc("containment_chamber_unseal_shares_total", {{"operator", name}});
    View after = Decode(refresher_.Current());
    int submitted = static_cast<int>(LiveProgress(after).size());
    Reconcile(after);
    return json{{"operator", name},
                {"submitted", submitted},
                {"threshold", v.config->operator_threshold},
                {"progress",
                 std::to_string(submitted) + "/" + std::to_string(v.config->operator_threshold)},
                {"expires_at", progress.expires_at},
                {"status", std::string(SealStateName(State()))}};
  });
}

Result<json> Chamber::Resume(bool authorized, const json& req) {
  return Ceremony(req, [&](const View& v) -> Result<json> {
    if (v.config->mode != "kms_only") {
      return cc::Status::FailedPrecondition(
          "in quorum mode an operator seal is lifted by a fresh quorum of operator secrets");
    }
    if (!v.epoch.sealed) return cc::Status::Conflict("no operator seal is in force");
    CC_ASSIGN_OR_RETURN(std::string otp, StringField(req, "resume_token", false));
    if (!authorized && otp.empty()) {
      // Ask this replica to log a one-time token (proves access to its logs).
      if (auto issued =
              records::Load<records::OneTimeToken>(*v.snap, {kOneTimeToken, "unseal_resume"});
          issued.ok() && issued->expires_at - kOneTimeTokenSeconds + kRestartAfterSeconds >
                             clock_.NowUnixSeconds()) {
        return cc::Status::Conflict(
            "a one-time unseal token was logged less than a minute ago; use it, or ask again "
            "later");
      }
      CC_ASSIGN_OR_RETURN(crypto::SecretBytes layer, KmsLayerSecret(v));
      std::string token = NewToken("cc-unseal-");
      records::OneTimeToken rec{
          "unseal_resume", crypto::HmacSha256(LayerKeys::From(layer).registration.view(), token),
          clock_.NowUnixSeconds() + kOneTimeTokenSeconds};
      CC_RETURN_IF_ERROR(
          CommitWithManifest(
              v, layer, {Mutation::Put({kOneTimeToken, "unseal_resume"}, records::Encode(rec))})
              .status());
      log::WarnAlways("seal",
                      "one-time token to lift the operator seal (valid 10 minutes): "
                      "containment-chamber operator unseal --resume --resume-token ...",
                      {{"unseal_token", token}});
      crypto::Wipe(token);
      return json{{"resume_token_logged", true},
                  {"message",
                   "a one-time cc-unseal token was written to this replica's log; present it with "
                   "--resume-token"}};
    }
    CC_ASSIGN_OR_RETURN(crypto::SecretBytes layer, KmsLayerSecret(v));
    std::vector<Mutation> mutations;
    if (!authorized) {
      auto rec = records::Load<records::OneTimeToken>(*v.snap, {kOneTimeToken, "unseal_resume"});
      if (!rec.ok() || rec->expires_at <= clock_.NowUnixSeconds() ||
          !crypto::ConstantTimeEquals(
              crypto::HmacSha256(LayerKeys::From(layer).registration.view(), otp), rec->hash)) {
        return cc::Status::Unauthenticated("invalid or expired one-time unseal token");
      }
    }
    if (v.snap->Find({kOneTimeToken, "unseal_resume"}))
      mutations.push_back(Mutation::Delete({kOneTimeToken, "unseal_resume"}));
    records::SealEpoch lifted{v.epoch.epoch, false, clock_.NowUnixSeconds(), "resumed by operator"};
    mutations.push_back(Mutation::Put({kSealEpoch, "current"}, records::Encode(lifted)));
    CC_RETURN_IF_ERROR(CommitWithManifest(v, layer, std::move(mutations)).status());
    log::Info("seal", "operator seal lifted; replicas unseal with the KMS keys");
    {
      std::lock_guard<std::mutex> l(mu_);
      master_key_ = std::move(layer);
      unsealed_epoch_ = v.epoch.epoch;
    }
    if (metrics_) metrics_->Inc("containment_chamber_unseal_total");
    Reconcile(Decode(refresher_.Current()));
    return json{{"status", std::string(SealStateName(State()))}, {"seal_epoch", v.epoch.epoch}};
  });
}

// ---------------------------------------------------------------- seal

Result<json> Chamber::Seal(const json& req) {
  return Ceremony(req, [&](const View& v) -> Result<json> {
    std::string reason = req.value("reason", "operator seal");
    if (reason.size() > 200) reason.resize(200);
    CC_ASSIGN_OR_RETURN(crypto::SecretBytes layer, KmsLayerSecret(v));
    records::SealEpoch sealed{v.epoch.epoch + 1, true, clock_.NowUnixSeconds(), reason};
    auto rev = CommitWithManifest(
        v, layer, {Mutation::Put({kSealEpoch, "current"}, records::Encode(sealed))});
    if (!rev.ok()) return rev.status();
    {
      std::lock_guard<std::mutex> l(mu_);
      WipeMasterKeyLocked("operator seal");
    }
    layer = crypto::SecretBytes();
    log::Warn("seal", "operator seal: every replica seals within one refresh interval",
              {{"seal_epoch", std::to_string(sealed.epoch)}, {"reason", reason}});
    Reconcile(Decode(refresher_.Current()));
    return json{{"sealed", true},
                {"seal_epoch", sealed.epoch},
                {"status", std::string(SealStateName(State()))}};
  });
}

// ---------------------------------------------------------------- tokens

std::pair<std::string, records::AuthToken> Chamber::NewManagementToken(
    const crypto::SecretBytes& mk) const {
  std::string token = NewToken("cc-mgmt-", 32);
  std::string hash = crypto::HmacSha256(TokenHashKey(mk).view(), token);
  // The record id is a prefix of the keyed hash: found without scanning,
  // and meaningless without MK.
  records::AuthToken rec{HexEncode(hash.substr(0, 8)), "management", hash, {"*"}, std::nullopt,
                         clock_.NowUnixSeconds()};
  return {std::move(token), std::move(rec)};
}

Result<json> Chamber::IssueManagementToken(const View& v, const crypto::SecretBytes& layer,
                                           std::vector<Mutation> extra, const std::string& why) {
  crypto::SecretBytes mk;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!master_key_)
      return cc::Status::FailedPrecondition("a management token can only be made while unsealed");
    mk = master_key_->Clone();
  }
  auto [token, rec] = NewManagementToken(mk);
  extra.push_back(Mutation::Put({kAuthToken, rec.id}, records::Encode(rec)));
  CC_RETURN_IF_ERROR(CommitWithManifest(v, layer, std::move(extra)).status());
  log::Info("seal", "management token generated", {{"token_id", rec.id}, {"how", why}});
  json out = {{"management_token", token}, {"token_id", rec.id}};
  crypto::Wipe(token);
  return out;
}

Result<json> Chamber::RootToken(const json& req) {
  return Ceremony(req, [&](const View& v) -> Result<json> {
    CC_ASSIGN_OR_RETURN(crypto::SecretBytes layer, KmsLayerSecret(v));
    LayerKeys keys = LayerKeys::From(layer);
    const int64_t now = clock_.NowUnixSeconds();
    CC_ASSIGN_OR_RETURN(std::string nonce, StringField(req, "nonce", false));
    const state::RecordKey key{kRootGeneration, "current"};

    if (nonce.empty()) {  // start an attempt
      if (auto running = records::Load<records::RootGeneration>(*v.snap, key);
          running.ok() && now - running->started_at < kRestartAfterSeconds &&
          running->expires_at > now) {
        return cc::Status::Conflict(
            "a root-token generation (nonce " + running->nonce +
            ") started less than a minute ago; finish it, or start over later");
      }
      records::RootGeneration attempt{RandomHexId(16), "", {}, now, now + kOneTimeTokenSeconds};
      std::string otp;
      if (v.config->mode == "kms_only") {
        otp = NewToken("cc-root-");
        attempt.otp_hash = crypto::HmacSha256(keys.registration.view(), otp);
      }
      CC_RETURN_IF_ERROR(
          CommitWithManifest(v, layer, {Mutation::Put(key, records::Encode(attempt))}).status());
      json out = {{"nonce", attempt.nonce}, {"expires_at", attempt.expires_at}};
      if (v.config->mode == "kms_only") {
        log::WarnAlways("seal",
                        "one-time root token for a management-token generation (valid 10 minutes)",
                        {{"nonce", attempt.nonce}, {"root_token", otp}});
        crypto::Wipe(otp);
        out["message"] =
            "a one-time cc-root token was written to this replica's log; present it with the nonce";
      } else {
        out["required"] = v.config->operator_threshold;
        out["progress"] = 0;
      }
      return out;
    }

    auto attempt = records::Load<records::RootGeneration>(*v.snap, key);
    if (!attempt.ok() || attempt->nonce != nonce) {
      return cc::Status::Conflict(
          "no root-token generation with this nonce is in progress (start a new one)");
    }
    if (attempt->expires_at <= now)
      return cc::Status::Conflict("this root-token generation expired; start a new one");
    if (v.config->mode == "kms_only") {
      CC_ASSIGN_OR_RETURN(std::string otp, StringField(req, "root_token"));
      if (!crypto::ConstantTimeEquals(crypto::HmacSha256(keys.registration.view(), otp),
                                      attempt->otp_hash)) {
        return cc::Status::Unauthenticated("invalid one-time root token");
      }
      return IssueManagementToken(v, layer, {Mutation::Delete(key)}, "one-time root token");
    }
    CC_ASSIGN_OR_RETURN(std::string name, StringField(req, "operator"));
    if (!v.config->Find(name)) return cc::Status::NotFound("no operator '" + name + "'");
    const state::RecordKey cred_key{kOperatorCredential,
                                    records::CredentialId(v.config->mk_generation, name)};
    CC_ASSIGN_OR_RETURN(records::OperatorCredential cred,
                        records::Load<records::OperatorCredential>(*v.snap, cred_key));
    CC_RETURN_IF_ERROR(
        OpenOperatorShare(v, cred, req, keys).status());  // proof of the operator's secret
    attempt->progress[name] = std::to_string(now);
    const int have = static_cast<int>(attempt->progress.size());
    if (have >= v.config->operator_threshold) {
      auto out = IssueManagementToken(v, layer, {Mutation::Delete(key)}, "operator quorum");
      if (out.ok()) (*out)["progress"] = have;
      return out;
    }
    CC_RETURN_IF_ERROR(
        CommitWithManifest(v, layer, {Mutation::Put(key, records::Encode(*attempt))}).status());
    return json{{"nonce", nonce}, {"progress", have}, {"required", v.config->operator_threshold}};
  });
}

std::optional<std::vector<std::string>> Chamber::RuntimeTokenScopes(
    const std::string& token) const {
  if (token.rfind("cc-mgmt-", 0) != 0) return std::nullopt;
  crypto::SecretBytes mk;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!master_key_) return std::nullopt;  // runtime tokens need the unsealed MK to check
    mk = master_key_->Clone();
  }
  auto snap = refresher_.Current();
  if (!snap) return std::nullopt;
  std::string hash = crypto::HmacSha256(TokenHashKey(mk).view(), token);
  auto rec = records::Load<records::AuthToken>(*snap, {kAuthToken, HexEncode(hash.substr(0, 8))});
  if (!rec.ok() || !crypto::ConstantTimeEquals(rec->hash, hash)) return std::nullopt;
  if (rec->expires_at && *rec->expires_at <= clock_.NowUnixSeconds()) return std::nullopt;
  return rec->policies;
}

}  // namespace cc::seal
