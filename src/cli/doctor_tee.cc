// `state doctor`, symptom "TEE auto-unseal never works" (SPEC 9): is there a
// blob, does it still fit the chamber, do its PCRs match the build (this
// enclave's own attestation, or a PCR file), which keys can decrypt for an
// enclave, what the key policies must say, and what the signer last saw.
#include "cli/doctor_tee.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/signer_client.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "seal/tee_blob.h"
#include "tee/attestor.h"
#include "tee/pcrs.h"

namespace cc::cli {
namespace {

using nlohmann::json;
constexpr char kCheck[] = "tee auto-unseal";

void Add(std::vector<Finding>& out, Finding::Level level, std::string message) {
  out.push_back({level, kCheck, std::move(message)});
}

bool AllZero(const std::string& v) { return v.find_first_not_of('\0') == std::string::npos; }

Result<tee::Pcrs> ReadPcrFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("--pcrs: cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto pcrs = tee::ParseExpectedPcrs(text);
  if (!pcrs.ok()) return pcrs.status().WithContext("--pcrs " + path);
  return pcrs;
}

// This enclave's own measurements, when the doctor runs inside one.
Result<tee::Pcrs> OwnPcrs() {
  CC_ASSIGN_OR_RETURN(auto nsm, tee::NsmAttestor::Open());
  CC_ASSIGN_OR_RETURN(std::string doc, nsm->Attest("", RandomBytes(32), ""));
  CC_ASSIGN_OR_RETURN(auto verifier, tee::AttestationVerifier::Create());
  auto verified = verifier.Verify(doc, {SystemClock::Get()->NowUnixMillis(), false});
  if (!verified.ok()) return verified.status();
  return verified->pcrs;
}

// The blob's PCRs against `build` (from `source`): registers the build does
// not list are skipped when the blob holds zeros (an unsigned EIF has no PCR8).
void ComparePcrs(const tee::Pcrs& blob, const tee::Pcrs& build, const std::string& source,
                 const std::string& mode, std::vector<Finding>& out) {
  tee::Pcrs expected;
  for (const auto& [index, value] : blob) {
    if (build.count(index) || !AllZero(value)) expected[index] = value;
  }
  auto mismatches = tee::ComparePcrs(expected, build);
  if (mismatches.empty()) {
    Add(out, Finding::kOk, "the blob's PCRs match " + source);
    return;
  }
  Add(out, Finding::kFail,
      "the blob was made for other measurements than " + source + ": " +
          tee::DescribeMismatches(mismatches) + ". An enclave of that build falls back to " + mode +
          " and rewrites the blob once it is unsealed");
}

// The Deny statement the blob's keys need (docs/tee.md), for this build.
void PolicyHint(const std::vector<std::string>& keys, const tee::Pcrs& pcrs,
                std::vector<Finding>& out) {
  auto deny = [](const std::string& condition_key, const std::string& value) {
    return json{
        {"Effect", "Deny"},
        {"Principal", "*"},
        {"Action", "kms:Decrypt"},
        {"Resource", "*"},
        {"Condition",
         {{"StringEquals", {{"kms:EncryptionContext:record", seal::kTeeBlobRecord.ToString()}}},
          {"StringNotEqualsIgnoreCase", {{condition_key, value}}}}}}
        .dump();
  };
  auto pcr0 = pcrs.find(0);
  std::string names;
  for (const auto& k : keys) names += (names.empty() ? "" : ", ") + k;
  std::string hint = "key policy of " + names +
                     ": only an enclave of this build may decrypt the blob's shares: " +
                     deny("kms:RecipientAttestation:ImageSha384",
                          pcr0 != pcrs.end() ? HexEncode(pcr0->second) : "<PCR0 of the EIF>");
  if (auto pcr8 = pcrs.find(8); pcr8 != pcrs.end() && !AllZero(pcr8->second))
    hint += " and, as a second statement, " +
            deny("kms:RecipientAttestation:PCR8", HexEncode(pcr8->second));
  Add(out, Finding::kInfo,
      hint + "; keep kms:Encrypt and kms:Decrypt allowed for the signer's role (docs/tee.md)");
}

void SignerView(const DoctorOptions& options, std::vector<Finding>& out) {
  if (options.signer_url.empty()) return;
  auto client = SignerClient::Connect(
      {options.signer_url, options.auth_token, options.ca_file, options.allow_plaintext});
  if (!client.ok()) return;  // the refresh check reports connection problems
  auto status = client->Get("/api/v1/chamber/status");
  if (!status.ok() || !status->contains("tee")) return;
  json last = (*status)["tee"].value("last_auto_unseal", json::object());
  if (last.empty()) return;
  std::string result = last.value("result", "");
  std::string detail = last.value("error", "");
  for (const auto& m : last.value("pcr_mismatches", json::array())) {
    detail += " [PCR" + std::to_string(m.value("index", 0)) + " expected " +
              m.value("expected", "") + " actual " + m.value("actual", "") + "]";
  }
  Add(out, result == "unsealed" ? Finding::kOk : Finding::kWarn,
      "the signer's last auto-unseal: " + result + (detail.empty() ? "" : ": " + detail));
}

}  // namespace

void CheckTeeAutoUnseal(const config::Config& config, const DoctorOptions& options,
                        const std::optional<state::Snapshot>& snap, std::vector<Finding>& out) {
  if (!snap) return;
  auto cfg = records::Load<records::QuorumConfig>(*snap, {records::kQuorumConfig, "current"});
  if (!cfg.ok()) return;  // the identity check reports it
  const std::string mode(records::Name(cfg->mode));
  std::vector<std::string> others;
  std::vector<std::string> keys = seal::EnclaveKeys(*cfg, &others);
  if (static_cast<int>(keys.size()) < cfg->kms_threshold) {
    Add(out, config.tee_platform == "nitro" ? Finding::kFail : Finding::kInfo,
        "only AWS KMS keys decrypt for an enclave (KMS Recipient); " + std::to_string(keys.size()) +
            " of the chamber's keys are AWS keys and the threshold "
            "is " +
            std::to_string(cfg->kms_threshold) + ": no TEE blob can be made");
    return;
  }
  if (!others.empty()) {
    Add(out, Finding::kInfo,
        std::to_string(others.size()) +
            " key(s) cannot decrypt for an enclave; the blob uses the " +
            std::to_string(keys.size()) + " AWS keys");
  }

  std::optional<tee::Pcrs> build;
  std::string source;
  if (!options.pcrs_file.empty()) {
    auto file = ReadPcrFile(options.pcrs_file);
    if (!file.ok()) {
      Add(out, Finding::kFail, file.status().message());
    } else {
      build = *file;
      source = options.pcrs_file;
    }
  } else if (config.tee_platform == "nitro") {
    if (auto own = OwnPcrs(); own.ok()) {
      build = *own;
      source = "this enclave's attestation";
    }
  }

  auto blob = records::Load<records::TeeBlob>(*snap, seal::kTeeBlobRecord);
  if (!blob.ok()) {
    if (blob.status().code() != ErrorCode::kNotFound) {
      Add(out, Finding::kFail, blob.status().message());
    } else {
      Add(out, config.tee_platform == "nitro" ? Finding::kWarn : Finding::kInfo,
          "no TEE auto-unseal blob: an enclave replica (tee.platform: nitro) writes it once it "
          "is unsealed, or POST /api/v1/chamber/tee/blob; until then restarts unseal as " +
              mode);
    }
    PolicyHint(keys, build.value_or(tee::Pcrs{}), out);
    SignerView(options, out);
    return;
  }
  auto pcrs = seal::BlobPcrs(*blob);
  if (!pcrs.ok()) {
    Add(out, Finding::kFail, pcrs.status().message());
    return;
  }
  std::string bound;
  for (const auto& [index, value] : *pcrs)
    bound += (bound.empty() ? "PCR" : ", PCR") + std::to_string(index) + " " + HexEncode(value);
  Add(out, Finding::kInfo,
      "a blob exists (made " + tee::DescribeUnixMillis(blob->created_at * 1000) +
          " for master-key generation " + std::to_string(blob->mk_generation) + ", " +
          std::to_string(blob->kms_keys.size()) + " AWS keys, threshold " +
          std::to_string(blob->kms_threshold) + "), bound to " + bound);
  if (std::string stale = seal::WhyStale(*blob, *cfg); !stale.empty()) {
    Add(out, Finding::kFail,
        "the blob is stale (" + stale +
            "): replicas do not use it; an unsealed enclave replica "
            "rewrites it");
  }
  if (config.tee_platform != "nitro") {
    Add(out, Finding::kWarn,
        "tee.platform is " + config.tee_platform +
            " in this configuration: a replica started with it ignores the blob");
  }
  if (build) {
    ComparePcrs(*pcrs, *build, source, mode, out);
  } else if (options.pcrs_file.empty()) {
    Add(out, Finding::kInfo,
        "pass --pcrs FILE (nitro-cli describe-eif output, or {\"0\": \"hex\", ...}) to compare "
        "the blob with a build's measurements");
  }
  PolicyHint(blob->kms_keys, build.value_or(*pcrs), out);
  SignerView(options, out);
}

}  // namespace cc::cli
