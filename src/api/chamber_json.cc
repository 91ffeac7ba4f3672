#include "api/chamber_json.h"

#include "api/json_fields.h"
#include "common/encoding.h"

namespace cc::api {

using nlohmann::json;

namespace {

std::string Name(seal::SealState s) { return std::string(seal::SealStateName(s)); }
template <typename E>
std::string Name(E e) {
  return std::string(records::Name(e));
}

Status MustBeObject(const json& body) {
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  return Status::Ok();
}

// {"passphrase"} or {"yubikey_response": hex of the 20-byte HMAC-SHA1 response}.
Result<seal::OperatorSecret> SecretFrom(const json& body) {
  seal::OperatorSecret s;
  CC_ASSIGN_OR_RETURN(s.passphrase, SecretField(body, "passphrase"));
  CC_ASSIGN_OR_RETURN(std::optional<crypto::SecretBytes> hex,
                      SecretField(body, "yubikey_response"));
  if (hex) {
    auto raw = HexDecode(hex->view());
    if (!raw || raw->size() != 20) {
      if (raw) crypto::Wipe(*raw);
      return Status::InvalidArgument(
          "yubikey_response must be the 20-byte HMAC-SHA1 response, hex encoded");
    }
    s.yubikey_response = crypto::SecretBytes::CopyFrom(*raw);
    crypto::Wipe(*raw);
  }
  return s;
}

}  // namespace

Result<json> ChamberJson::Init(const std::string& setup_token, const json& body) {
  CC_RETURN_IF_ERROR(MustBeObject(body));
  seal::InitRequest req;
  CC_ASSIGN_OR_RETURN(std::string mode, StringField(body, "mode"));
  auto parsed = records::Parse<records::UnsealMode>(mode);
  if (!parsed) return Status::InvalidArgument("'mode' must be kms_only or quorum");
  req.mode = *parsed;
  CC_ASSIGN_OR_RETURN(req.kms_keys, StringListField(body, "kms_keys"));
  CC_ASSIGN_OR_RETURN(req.kms_threshold, IntField(body, "kms_threshold", 1, 255));
  if (req.mode == records::UnsealMode::kQuorum) {
    CC_ASSIGN_OR_RETURN(req.operators, StringListField(body, "operators"));
    CC_ASSIGN_OR_RETURN(req.operator_threshold, IntField(body, "operator_threshold", 1, 255));
  }
  CC_ASSIGN_OR_RETURN(seal::InitResult r, chamber_.Init(setup_token, req));
  json out = {{"chamber_id", r.chamber_id},
              {"mode", Name(r.mode)},
              {"management_token", r.management_token},
              {"revision", r.revision}};
  crypto::Wipe(r.management_token);
  if (r.mode == records::UnsealMode::kQuorum) {
    out["registration_tokens"] = r.registration_tokens;
    for (auto& [name, token] : r.registration_tokens) crypto::Wipe(token);
  }
  return out;
}

Result<json> ChamberJson::Register(const std::string& token, const json& body,
                                   const std::string& source) {
  CC_RETURN_IF_ERROR(MustBeObject(body));
  seal::RegisterRequest req;
  req.registration_token = token;
  if (req.registration_token.empty()) {
    CC_ASSIGN_OR_RETURN(req.registration_token, OptionalString(body, "registration_token"));
  }
  CC_ASSIGN_OR_RETURN(req.operator_name, StringField(body, "operator"));
  CC_ASSIGN_OR_RETURN(req.secret, SecretFrom(body));
  req.caller.address = source;
  CC_ASSIGN_OR_RETURN(seal::RegisterResult r, chamber_.Register(req));
  return json{{"operator", r.operator_name},
              {"method", Name(r.method)},
              {"registered", r.registered},
              {"operators", r.operators},
              {"status", Name(r.status)}};
}

Result<json> ChamberJson::Challenge(const std::string& name) {
  CC_ASSIGN_OR_RETURN(seal::ChallengeResult r, chamber_.Challenge(name));
  return json{{"operator", r.operator_name},
              {"challenge", HexEncode(r.challenge)},
              {"slot", r.slot},
              {"method", Name(r.method)}};
}

Result<json> ChamberJson::Unseal(const json& body, const std::string& source) {
  CC_RETURN_IF_ERROR(MustBeObject(body));
  seal::UnsealRequest req;
  CC_ASSIGN_OR_RETURN(req.operator_name, StringField(body, "operator"));
  CC_ASSIGN_OR_RETURN(req.secret, SecretFrom(body));
  req.caller.address = source;
  CC_ASSIGN_OR_RETURN(seal::UnsealResult r, chamber_.Unseal(req));
  if (r.already_unsealed) {
    return json{{"status", Name(r.status)},
                {"submitted", 0},
                {"threshold", r.threshold},
                {"message", "already unsealed"}};
  }
  return json{{"operator", r.operator_name},
              {"submitted", r.submitted},
              {"threshold", r.threshold},
              {"progress", std::to_string(r.submitted) + "/" + std::to_string(r.threshold)},
              {"expires_at", r.expires_at},
              {"status", Name(r.status)}};
}

Result<json> ChamberJson::Resume(bool authorized, const json& body, const std::string& source) {
  CC_RETURN_IF_ERROR(MustBeObject(body));
  seal::ResumeRequest req;
  req.authorized = authorized;
  CC_ASSIGN_OR_RETURN(req.resume_token, OptionalString(body, "resume_token"));
  req.caller.address = source;
  CC_ASSIGN_OR_RETURN(seal::ResumeResult r, chamber_.Resume(req));
  if (r.token_logged) {
    return json{{"resume_token_logged", true},
                {"message",
                 "a one-time cc-unseal token was written to this replica's log; present it with "
                 "--resume-token"}};
  }
  return json{{"status", Name(r.status)}, {"seal_epoch", r.seal_epoch}};
}

Result<json> ChamberJson::Seal(const json& body) {
  CC_RETURN_IF_ERROR(MustBeObject(body));
  seal::SealRequest req;
  CC_ASSIGN_OR_RETURN(req.reason, OptionalString(body, "reason"));
  CC_ASSIGN_OR_RETURN(seal::SealResult r, chamber_.Seal(req));
  return json{{"sealed", true}, {"seal_epoch", r.seal_epoch}, {"status", Name(r.status)}};
}

Result<json> ChamberJson::RootToken(const json& body, const std::string& source) {
  CC_RETURN_IF_ERROR(MustBeObject(body));
  seal::RootTokenRequest req;
  CC_ASSIGN_OR_RETURN(req.nonce, OptionalString(body, "nonce"));
  CC_ASSIGN_OR_RETURN(req.root_token, OptionalString(body, "root_token"));
  CC_ASSIGN_OR_RETURN(req.operator_name, OptionalString(body, "operator"));
  CC_ASSIGN_OR_RETURN(req.secret, SecretFrom(body));
  req.caller.address = source;
  CC_ASSIGN_OR_RETURN(seal::RootTokenResult r, chamber_.RootToken(req));
  if (!r.management_token.empty()) {
    json out = {{"management_token", r.management_token}, {"token_id", r.token_id}};
    crypto::Wipe(r.management_token);
    if (r.required > 0) out["progress"] = r.progress;
    return out;
  }
  json out = {{"nonce", r.nonce}};
  if (r.expires_at) out["expires_at"] = r.expires_at;
  if (r.root_token_logged) {
    out["message"] =
        "a one-time cc-root token was written to this replica's log; present it with the nonce";
  } else {
    out["progress"] = r.progress;
    out["required"] = r.required;
  }
  return out;
}

}  // namespace cc::api
