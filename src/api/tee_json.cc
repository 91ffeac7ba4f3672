// POST /api/v1/chamber/tee/blob (the status document's "tee" section is in
// api/status_document.cc). PCR values are hex, keyed by index.
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
