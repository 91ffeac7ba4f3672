#include "kms/aws_kms.h"

#include <nlohmann/json.hpp>
#include <regex>

#include "common/encoding.h"

namespace cc::kms {

using nlohmann::json;

AwsKms::AwsKms(std::shared_ptr<aws::CredentialsProvider> credentials, Clock& clock,
               std::string endpoint_url, BackoffPolicy backoff)
    : credentials_(std::move(credentials)),
      clock_(clock),
      endpoint_url_(std::move(endpoint_url)),
      backoff_(backoff) {}

Result<std::string> AwsKms::RegionOf(const std::string& arn) {
  // arn:PARTITION:kms:REGION:ACCOUNT:key/ID
  std::vector<std::string> parts;
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', pos);
    if (colon == std::string::npos) break;
    parts.push_back(arn.substr(pos, colon - pos));
    pos = colon + 1;
  }
  std::string resource = pos < arn.size() ? arn.substr(pos) : "";
  // The region becomes the endpoint's host name (kms.REGION.amazonaws.com) and
  // key URIs come from the state table before it can be verified: anything
  // but a plain region would let a table writer aim the signed request (and
  // the unseal) at a host of their choosing.
  static const std::regex kRegion("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");
  static const std::regex kAccount("[0-9]{12}");
  static const std::regex kResource("(key/[A-Za-z0-9-]{1,128}|alias/[A-Za-z0-9/_-]{1,250})");
  if (parts.size() != 5 || parts[0] != "arn" ||
      (parts[1] != "aws" && parts[1] != "aws-cn" && parts[1] != "aws-us-gov") ||
      parts[2] != "kms" || !std::regex_match(parts[3], kRegion) ||
      !std::regex_match(parts[4], kAccount) || !std::regex_match(resource, kResource)) {
    return Status::InvalidArgument("'" + arn +
                                   "' is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)");
  }
  return parts[3];
}

Result<aws::JsonClient*> AwsKms::ClientFor(const std::string& arn) {
  CC_ASSIGN_OR_RETURN(std::string region, RegionOf(arn));
  std::lock_guard<std::mutex> l(mu_);
  auto& c = clients_[region];
  if (!c)
    c = std::make_unique<aws::JsonClient>(aws::KmsService(), region, endpoint_url_, credentials_,
                                          clock_, backoff_);
  return c.get();
}

Status AwsKms::Explain(const std::string& arn, const std::string& op, const Status& st) const {
  std::string hint;
  const std::string& m = st.message();
  if (m.find("AccessDeniedException") != std::string::npos) {
    hint = " (the key policy or IAM must allow kms:" + op + " for this identity)";
  } else if (m.find("NotFoundException") != std::string::npos) {
    hint = " (no such key in its region, or the ARN has a typo)";
  } else if (m.find("DisabledException") != std::string::npos) {
    hint = " (the key is disabled; enable it in KMS)";
  } else if (m.find("KMSInvalidStateException") != std::string::npos) {
    hint = " (the key is pending deletion or not usable)";
  } else if (m.find("InvalidCiphertextException") != std::string::npos) {
    hint =
        " (the ciphertext or its encryption context does not match: value moved between records or "
        "tables?)";
  } else if (m.find("IncorrectKeyException") != std::string::npos) {
    hint = " (the ciphertext was made under a different key)";
  }
  return Status(st.code(), "KMS key " + arn + ": " + m + hint);
}

Result<std::string> AwsKms::Encrypt(const std::string& key_uri,
                                    const crypto::SecretBytes& plaintext,
                                    const EncryptionContext& context) {
  CC_ASSIGN_OR_RETURN(aws::JsonClient * client, ClientFor(key_uri));
  json req = {{"KeyId", key_uri},
              {"Plaintext", Base64Encode(plaintext.view())},
              {"EncryptionContext", context},
              {"EncryptionAlgorithm", "SYMMETRIC_DEFAULT"}};
  auto r = client->Call("Encrypt", req);
  crypto::Wipe(req["Plaintext"].get_ref<std::string&>());
  if (!r.ok()) return Explain(key_uri, "Encrypt", r.status());
  auto blob = Base64Decode(r->value("CiphertextBlob", ""));
  if (!blob || blob->empty())
    return Status::Unavailable("KMS key " + key_uri + ": Encrypt returned no ciphertext");
  return *blob;
}

Result<crypto::SecretBytes> AwsKms::Decrypt(const std::string& key_uri,
                                            const std::string& ciphertext,
                                            const EncryptionContext& context) {
  CC_ASSIGN_OR_RETURN(aws::JsonClient * client, ClientFor(key_uri));
  // KeyId is passed so a ciphertext made under another key is refused
  // (IncorrectKeyException) instead of silently accepted.
  json req = {{"KeyId", key_uri},
              {"CiphertextBlob", Base64Encode(ciphertext)},
              {"EncryptionContext", context},
              {"EncryptionAlgorithm", "SYMMETRIC_DEFAULT"}};
  auto r = client->Call("Decrypt", req);
  if (!r.ok()) return Explain(key_uri, "Decrypt", r.status());
  if (!r->contains("Plaintext") || !(*r)["Plaintext"].is_string()) {
    return Status::Unavailable("KMS key " + key_uri + ": Decrypt returned no plaintext");
  }
  std::string& b64 = (*r)["Plaintext"].get_ref<std::string&>();
  auto plain = Base64Decode(b64);
  crypto::Wipe(b64);
  if (!plain)
    return Status::Unavailable("KMS key " + key_uri + ": Decrypt returned malformed plaintext");
  crypto::SecretBytes out = crypto::SecretBytes::CopyFrom(*plain);
  crypto::Wipe(*plain);
  std::string returned = r->value("KeyId", "");
  if (key_uri.find(":key/") != std::string::npos && !returned.empty() && returned != key_uri) {
    return Status::Corruption("KMS key " + key_uri + ": Decrypt answered for another key (" +
                              returned + ")");
  }
  return out;
}

Result<std::string> AwsKms::DecryptForRecipient(const std::string& key_uri,
                                                const std::string& ciphertext,
                                                const EncryptionContext& context,
                                                const std::string& attestation_document) {
  CC_ASSIGN_OR_RETURN(aws::JsonClient * client, ClientFor(key_uri));
  json req = {{"KeyId", key_uri},
              {"CiphertextBlob", Base64Encode(ciphertext)},
              {"EncryptionContext", context},
              {"EncryptionAlgorithm", "SYMMETRIC_DEFAULT"},
              {"Recipient",
               {{"KeyEncryptionAlgorithm", "RSAES_OAEP_SHA_256"},
                {"AttestationDocument", Base64Encode(attestation_document)}}}};
  auto r = client->Call("Decrypt", req);
  if (!r.ok()) return Explain(key_uri, "Decrypt", r.status());
  // With a Recipient, KMS leaves Plaintext null or empty; plaintext in the
  // clear means something between us and KMS ignored the Recipient.
  const json* plain = r->contains("Plaintext") ? &(*r)["Plaintext"] : nullptr;
  if (plain && !plain->is_null() &&
      !(plain->is_string() && plain->get_ref<const std::string&>().empty())) {
    if ((*r)["Plaintext"].is_string()) crypto::Wipe((*r)["Plaintext"].get_ref<std::string&>());
    return Status::Corruption("KMS key " + key_uri +
                              ": Decrypt with a Recipient returned Plaintext in the clear");
  }
  auto cms = r->contains("CiphertextForRecipient") && (*r)["CiphertextForRecipient"].is_string()
                 ? Base64Decode((*r)["CiphertextForRecipient"].get<std::string>())
                 : std::nullopt;
  if (!cms || cms->empty())
    return Status::Unavailable("KMS key " + key_uri +
                               ": Decrypt with a Recipient returned no CiphertextForRecipient");
  std::string returned = r->value("KeyId", "");
  if (key_uri.find(":key/") != std::string::npos && !returned.empty() && returned != key_uri) {
    return Status::Corruption("KMS key " + key_uri + ": Decrypt answered for another key (" +
                              returned + ")");
  }
  return *cms;
}

}  // namespace cc::kms
