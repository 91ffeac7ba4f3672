// The TEE parts of the API's JSON: the "tee" section of the status document
// and POST /api/v1/chamber/tee/blob. PCR values are hex, keyed by index.
#include "api/chamber_json.h"
#include "common/encoding.h"

namespace cc::api {

using nlohmann::json;

namespace {

json PcrsJson(const std::map<uint32_t, std::string>& pcrs) {
  json out = json::object();
  for (const auto& [index, value] : pcrs) out[std::to_string(index)] = HexEncode(value);
  return out;
}

}  // namespace

json TeeJson(const seal::TeeReport& t) {
  json blob = {{"present", t.blob_present}};
  if (t.blob_present) {
    blob["pcrs"] = PcrsJson(t.blob_pcrs);
    blob["mk_generation"] = t.blob_mk_generation;
    blob["kms_threshold"] = t.blob_kms_threshold;
    blob["kms_keys"] = t.blob_kms_keys;
    blob["created_at"] = t.blob_created_at;
    if (!t.blob_stale.empty()) blob["stale"] = t.blob_stale;
  }
  if (!t.blob_error.empty()) blob["write_error"] = t.blob_error;
  json out = {{"platform", t.platform}, {"attestation", t.attestation}, {"blob", blob}};
  if (!t.last_result.empty()) {
    json mismatches = json::array();
    for (const auto& m : t.pcr_mismatches) {
      mismatches.push_back(
          {{"index", m.index}, {"expected", m.expected_hex}, {"actual", m.actual_hex}});
    }
    json last = {{"result", t.last_result}, {"at", t.last_attempt_at}};
    if (!t.last_error.empty()) last["error"] = t.last_error;
    if (!mismatches.empty()) last["pcr_mismatches"] = mismatches;
    out["last_auto_unseal"] = last;
  }
  return out;
}

Result<json> ChamberJson::CreateTeeBlob(const json& body) {
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  CC_ASSIGN_OR_RETURN(seal::TeeBlobResult r, chamber_.CreateTeeBlob(seal::TeeBlobRequest{}));
  return json{{"written", r.written},
              {"pcrs", PcrsJson(r.pcrs)},
              {"mk_generation", r.mk_generation},
              {"kms_threshold", r.kms_threshold},
              {"kms_keys", r.kms_keys},
              {"created_at", r.created_at},
              {"revision", r.revision}};
}

}  // namespace cc::api
