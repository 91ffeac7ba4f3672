#include "records/records.h"

#include <nlohmann/json.hpp>

#include "common/encoding.h"

namespace cc::records {
namespace {

using nlohmann::json;

std::string B64(const std::string& bytes) { return Base64Encode(bytes); }
std::string Unb64(const json& j, const char* field) {
  auto v = Base64Decode(j.at(field).get<std::string>());
  if (!v) throw std::invalid_argument(std::string("field ") + field + " is not base64");
  return *v;
}

json ToJson(const KmsShare& s) {
  return {{"index", s.index}, {"key_uri", s.key_uri}, {"ciphertext", B64(s.ciphertext)}};
}
KmsShare KmsShareFrom(const json& j) {
  return {j.at("index").get<int>(), j.at("key_uri").get<std::string>(), Unb64(j, "ciphertext")};
}
json SharesJson(const std::vector<KmsShare>& v) {
  json a = json::array();
  for (const auto& s : v) a.push_back(ToJson(s));
  return a;
}
std::vector<KmsShare> SharesFrom(const json& j) {
  std::vector<KmsShare> v;
  for (const auto& s : j) v.push_back(KmsShareFrom(s));
  return v;
}
json BinaryMap(const std::map<int, std::string>& m) {
  json o = json::object();
  for (const auto& [k, v] : m) o[std::to_string(k)] = B64(v);
  return o;
}
std::map<int, std::string> BinaryMapFrom(const json& j) {
  std::map<int, std::string> m;
  for (const auto& [k, v] : j.items()) {
    auto bytes = Base64Decode(v.get<std::string>());
    if (!bytes) throw std::invalid_argument("binary map value is not base64");
    m[std::stoi(k)] = *bytes;
  }
  return m;
}

// A stored enum name; anything outside the set is a malformed record.
template <typename E>
E EnumField(const json& j, const char* field) {
  auto v = Parse<E>(j.at(field).get<std::string>());
  if (!v) throw std::invalid_argument(std::string("field ") + field + " has an unknown value");
  return *v;
}
std::string Str(std::string_view v) { return std::string(v); }

std::string Wrap(const char* type, json fields) {
  fields["type"] = type;
  fields["v"] = kRecordVersion;
  return fields.dump();
}

// Parses and checks the envelope; the caller reads fields from the result.
json Open(const std::string& body, const char* type) {
  json j = json::parse(body);
  if (!j.is_object()) throw std::invalid_argument("not a JSON object");
  if (j.value("type", "") != type) {
    throw std::invalid_argument("holds a '" + j.value("type", std::string("?")) +
                                "' record, not '" + type + "'");
  }
  int v = j.value("v", 0);
  if (v < 1 || v > kRecordVersion) {
    throw std::invalid_argument("record version " + std::to_string(v) +
                                " is not readable by this build (reads up to " +
                                std::to_string(kRecordVersion) + ")");
  }
  return j;
}

template <typename T, typename F>
Result<T> Guarded(F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("malformed record: ") + e.what());
  }
}

}  // namespace

const OperatorEntry* QuorumConfig::Find(const std::string& name) const {
  for (const auto& o : operators) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

bool QuorumConfig::AllRegistered() const {
  for (const auto& o : operators) {
    if (!o.registered) return false;
  }
  return true;
}

std::string GenerationId(uint32_t generation) { return "g" + std::to_string(generation); }
std::string CredentialId(uint32_t generation, const std::string& name) {
  return GenerationId(generation) + "/" + name;
}

// --- MasterKeyMetadata
std::string Encode(const MasterKeyMetadata& r) {
  return Wrap(kMasterKey, {{"generation", r.generation},
                           {"mode", Str(Name(r.mode))},
                           {"kms_threshold", r.kms_threshold},
                           {"kms_shares", SharesJson(r.kms_shares)},
                           {"kms_secret_check", B64(r.kms_secret_check)},
                           {"mk_check", B64(r.mk_check)},
                           {"created_at", r.created_at}});
}
template <>
Result<MasterKeyMetadata> Decode(const std::string& body) {
  return Guarded<MasterKeyMetadata>([&] {
    json j = Open(body, kMasterKey);
    MasterKeyMetadata r;
    r.generation = j.at("generation").get<uint32_t>();
    r.mode = EnumField<UnsealMode>(j, "mode");
    r.kms_threshold = j.at("kms_threshold").get<int>();
    r.kms_shares = SharesFrom(j.at("kms_shares"));
    r.kms_secret_check = Unb64(j, "kms_secret_check");
    r.mk_check = Unb64(j, "mk_check");
    r.created_at = j.at("created_at").get<int64_t>();
    return r;
  });
}

// --- QuorumConfig
std::string Encode(const QuorumConfig& r) {
  json ops = json::array();
  for (const auto& o : r.operators) {
    ops.push_back({{"name", o.name},
                   {"share_index", o.share_index},
                   {"registered", o.registered},
                   {"registration_token_hash", B64(o.registration_token_hash)}});
  }
  return Wrap(kQuorumConfig, {{"generation", r.generation},
                              {"mk_generation", r.mk_generation},
                              {"mode", Str(Name(r.mode))},
                              {"kms_keys", r.kms_keys},
                              {"kms_threshold", r.kms_threshold},
                              {"operator_threshold", r.operator_threshold},
                              {"operators", ops},
                              {"rotation_nonce", r.rotation_nonce},
                              {"created_at", r.created_at}});
}
template <>
Result<QuorumConfig> Decode(const std::string& body) {
  return Guarded<QuorumConfig>([&] {
    json j = Open(body, kQuorumConfig);
    QuorumConfig r;
    r.generation = j.at("generation").get<uint32_t>();
    r.mk_generation = j.at("mk_generation").get<uint32_t>();
    r.mode = EnumField<UnsealMode>(j, "mode");
    r.kms_keys = j.at("kms_keys").get<std::vector<std::string>>();
    r.kms_threshold = j.at("kms_threshold").get<int>();
    r.operator_threshold = j.at("operator_threshold").get<int>();
    for (const auto& o : j.at("operators")) {
      r.operators.push_back({o.at("name").get<std::string>(), o.at("share_index").get<int>(),
                             o.at("registered").get<bool>(), Unb64(o, "registration_token_hash")});
    }
    r.rotation_nonce = j.value("rotation_nonce", "");
    r.created_at = j.at("created_at").get<int64_t>();
    return r;
  });
}

// --- OperatorCredential
std::string Encode(const OperatorCredential& r) {
  return Wrap(
      kOperatorCredential,
      {{"operator", r.operator_name},
       {"generation", r.generation},
       {"share_index", r.share_index},
       {"method", Str(Name(r.method))},
       {"kdf",
        {{"salt", B64(r.kdf.salt)}, {"opslimit", r.kdf.opslimit}, {"memlimit", r.kdf.memlimit}}},
       {"yubikey_challenge", B64(r.yubikey_challenge)},
       {"yubikey_slot", r.yubikey_slot},
       {"wrapped_share", B64(r.wrapped_share)},
       {"registered_at", r.registered_at}});
}
template <>
Result<OperatorCredential> Decode(const std::string& body) {
  return Guarded<OperatorCredential>([&] {
    json j = Open(body, kOperatorCredential);
    OperatorCredential r;
    r.operator_name = j.at("operator").get<std::string>();
    r.generation = j.at("generation").get<uint32_t>();
    r.share_index = j.at("share_index").get<int>();
    r.method = EnumField<CredentialMethod>(j, "method");
    const json& kdf = j.at("kdf");
    r.kdf = {Unb64(kdf, "salt"), kdf.at("opslimit").get<uint64_t>(),
             kdf.at("memlimit").get<uint64_t>()};
    r.yubikey_challenge = Unb64(j, "yubikey_challenge");
    r.yubikey_slot = j.at("yubikey_slot").get<int>();
    r.wrapped_share = Unb64(j, "wrapped_share");
    r.registered_at = j.at("registered_at").get<int64_t>();
    return r;
  });
}

// --- AuthPolicy
std::string Encode(const AuthPolicy& r) {
  json rules = json::array();
  for (const auto& rule : r.rules) {
    json j = {{"effect", Str(Name(rule.effect))}};
    if (rule.scopes) j["scopes"] = *rule.scopes;
    if (rule.keys) j["keys"] = *rule.keys;
    if (rule.operations) j["operations"] = *rule.operations;
    rules.push_back(std::move(j));
  }
  return Wrap(kAuthPolicy, {{"name", r.name},
                            {"description", r.description},
                            {"rules", rules},
                            {"created_at", r.created_at},
                            {"updated_at", r.updated_at}});
}
template <>
Result<AuthPolicy> Decode(const std::string& body) {
  return Guarded<AuthPolicy>([&] {
    json j = Open(body, kAuthPolicy);
    AuthPolicy r;
    r.name = j.at("name").get<std::string>();
    r.description = j.value("description", "");
    auto list = [](const json& rule, const char* f) -> std::optional<std::vector<std::string>> {
      if (!rule.contains(f)) return std::nullopt;
      return rule.at(f).get<std::vector<std::string>>();
    };
    for (const auto& rule : j.at("rules")) {
      r.rules.push_back({EnumField<RuleEffect>(rule, "effect"), list(rule, "scopes"),
                         list(rule, "keys"), list(rule, "operations")});
    }
    r.created_at = j.at("created_at").get<int64_t>();
    r.updated_at = j.value("updated_at", r.created_at);
    return r;
  });
}

// --- AuthToken
std::string Encode(const AuthToken& r) {
  json j = {{"id", r.id},
            {"kind", r.kind},
            {"hash", B64(r.hash)},
            {"policies", r.policies},
            {"created_at", r.created_at},
            {"description", r.description}};
  j["expires_at"] = r.expires_at ? json(*r.expires_at) : json(nullptr);
  return Wrap(kAuthToken, j);
}
template <>
Result<AuthToken> Decode(const std::string& body) {
  return Guarded<AuthToken>([&] {
    json j = Open(body, kAuthToken);
    AuthToken r;
    r.id = j.at("id").get<std::string>();
    r.kind = j.at("kind").get<std::string>();
    r.hash = Unb64(j, "hash");
    r.policies = j.at("policies").get<std::vector<std::string>>();
    r.description = j.value("description", "");
    if (!j.at("expires_at").is_null()) r.expires_at = j.at("expires_at").get<int64_t>();
    r.created_at = j.at("created_at").get<int64_t>();
    return r;
  });
}

// --- TeeBlob
std::string Encode(const TeeBlob& r) {
  return Wrap(kTeeBlob, {{"pcrs", BinaryMap(r.pcrs)},
                         {"mk_generation", r.mk_generation},
                         {"kms_threshold", r.kms_threshold},
                         {"kms_keys", r.kms_keys},
                         {"sealed", B64(r.sealed)},
                         {"created_at", r.created_at}});
}
template <>
Result<TeeBlob> Decode(const std::string& body) {
  return Guarded<TeeBlob>([&] {
    json j = Open(body, kTeeBlob);
    TeeBlob r;
    r.pcrs = BinaryMapFrom(j.at("pcrs"));
    r.mk_generation = j.at("mk_generation").get<uint32_t>();
    r.kms_threshold = j.at("kms_threshold").get<int>();
    r.kms_keys = j.at("kms_keys").get<std::vector<std::string>>();
    r.sealed = Unb64(j, "sealed");
    r.created_at = j.at("created_at").get<int64_t>();
    return r;
  });
}

std::string EncodeTeeBlobShares(const std::vector<KmsShare>& shares) {
  return json{{"type", "tee_blob_shares"}, {"v", kRecordVersion}, {"shares", SharesJson(shares)}}
      .dump();
}
Result<std::vector<KmsShare>> DecodeTeeBlobShares(std::string_view bytes) {
  return Guarded<std::vector<KmsShare>>([&] {
    json j = Open(std::string(bytes), "tee_blob_shares");
    return SharesFrom(j.at("shares"));
  });
}

// --- UnsealProgress
std::string Encode(const UnsealProgress& r) {
  return Wrap(kUnsealProgress, {{"operator", r.operator_name},
                                {"generation", r.generation},
                                {"seal_epoch", r.seal_epoch},
                                {"wrapped_share", B64(r.wrapped_share)},
                                {"submitted_at", r.submitted_at},
                                {"expires_at", r.expires_at}});
}
template <>
Result<UnsealProgress> Decode(const std::string& body) {
  return Guarded<UnsealProgress>([&] {
    json j = Open(body, kUnsealProgress);
    UnsealProgress r;
    r.operator_name = j.at("operator").get<std::string>();
    r.generation = j.at("generation").get<uint32_t>();
    r.seal_epoch = j.at("seal_epoch").get<uint64_t>();
    r.wrapped_share = Unb64(j, "wrapped_share");
    r.submitted_at = j.at("submitted_at").get<int64_t>();
    r.expires_at = j.at("expires_at").get<int64_t>();
    return r;
  });
}

// --- SealEpoch
std::string Encode(const SealEpoch& r) {
  return Wrap(kSealEpoch, {{"epoch", r.epoch},
                           {"sealed", r.sealed},
                           {"changed_at", r.changed_at},
                           {"reason", r.reason}});
}
template <>
Result<SealEpoch> Decode(const std::string& body) {
  return Guarded<SealEpoch>([&] {
    json j = Open(body, kSealEpoch);
    return SealEpoch{j.at("epoch").get<uint64_t>(), j.at("sealed").get<bool>(),
                     j.at("changed_at").get<int64_t>(), j.at("reason").get<std::string>()};
  });
}

// --- RootGeneration
std::string Encode(const RootGeneration& r) {
  json progress = json::object();
  for (const auto& [k, v] : r.progress) progress[k] = B64(v);
  return Wrap(kRootGeneration, {{"nonce", r.nonce},
                                {"otp_hash", B64(r.otp_hash)},
                                {"progress", progress},
                                {"started_at", r.started_at},
                                {"expires_at", r.expires_at}});
}
template <>
Result<RootGeneration> Decode(const std::string& body) {
  return Guarded<RootGeneration>([&] {
    json j = Open(body, kRootGeneration);
    RootGeneration r;
    r.nonce = j.at("nonce").get<std::string>();
    r.otp_hash = Unb64(j, "otp_hash");
    for (const auto& [k, v] : j.at("progress").items()) {
      auto bytes = Base64Decode(v.get<std::string>());
      if (!bytes) throw std::invalid_argument("progress is not base64");
      r.progress[k] = *bytes;
    }
    r.started_at = j.at("started_at").get<int64_t>();
    r.expires_at = j.at("expires_at").get<int64_t>();
    return r;
  });
}

// --- Manifest
std::string Encode(const Manifest& r) {
  return Wrap(kManifest, {{"revision", r.revision}, {"mac", B64(r.mac)}});
}
template <>
Result<Manifest> Decode(const std::string& body) {
  return Guarded<Manifest>([&] {
    json j = Open(body, kManifest);
    return Manifest{j.at("revision").get<uint64_t>(), Unb64(j, "mac")};
  });
}

}  // namespace cc::records

namespace cc::records {

std::string Encode(const OneTimeToken& r) {
  return Wrap(kOneTimeToken,
              {{"purpose", r.purpose}, {"hash", B64(r.hash)}, {"expires_at", r.expires_at}});
}
template <>
Result<OneTimeToken> Decode(const std::string& body) {
  return Guarded<OneTimeToken>([&] {
    json j = Open(body, kOneTimeToken);
    return OneTimeToken{j.at("purpose").get<std::string>(), Unb64(j, "hash"),
                        j.at("expires_at").get<int64_t>()};
  });
}

}  // namespace cc::records
