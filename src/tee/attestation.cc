// Parsing of Nitro attestation documents (COSE_Sign1 + payload map) with the
// type and size rules of AWS's attestation specification. Verification of the
// chain and signature lives in attestation_verify.cc.
#include "tee/attestation.h"

#include <set>

#include "tee/cbor.h"

namespace cc::tee {
namespace {

// COSE_Sign1 → [protected, unprotected, payload, signature]; the payload's
// map → pcrs map → bstr. Anything deeper is not a Nitro document.
constexpr int kMaxCoseDepth = 4;
constexpr int kMaxPayloadDepth = 3;
constexpr int64_t kCoseAlgLabel = 1;
constexpr int64_t kCoseCritLabel = 2;
constexpr int64_t kEs384 = -35;
constexpr size_t kEs384SignatureBytes = 96;

using Failed = AttestationResult<SignedAttestation>;

Failed Fail(AttestationError e, const std::string& message) {
  return Failed(e, Status::InvalidArgument("attestation document: " + message));
}

// A failed rule inside the parse; ParseAttestation turns it into a Failed.
struct Problem {
  AttestationError error;
  std::string message;
};
using Check = std::optional<Problem>;
Problem Bad(AttestationError e, std::string message) { return {e, std::move(message)}; }

AttestationError FromCbor(CborProblem p) {
  switch (p) {
    case CborProblem::kTrailingBytes:
      return AttestationError::kTrailingBytes;
    case CborProblem::kTooDeep:
      return AttestationError::kTooDeep;
    default:
      return AttestationError::kMalformed;
  }
}

// Optional bstr field: absent or null → nullopt (the 2022 AWS documents carry
// null public_key/user_data although the spec says fields are never null).
Check OptionalBytes(const cbor_item_t* v, size_t max, const char* name,
                    std::optional<std::string>& out) {
  if (cbor_is_null(v)) return std::nullopt;
  auto b = AsBytes(v);
  if (!b)
    return Bad(AttestationError::kMalformed, std::string(name) + " must be a byte string or null");
  if (b->size() > max)
    return Bad(AttestationError::kFieldTooLarge,
               std::string(name) + " has " + std::to_string(b->size()) + " bytes, more than the " +
                   std::to_string(max) + " the spec allows");
  out = std::string(*b);
  return std::nullopt;
}

Check ParsePcrs(const cbor_item_t* v, Pcrs& out) {
  if (!cbor_isa_map(v)) return Bad(AttestationError::kMalformed, "pcrs must be a map");
  size_t n = cbor_map_size(v);
  if (n < 1 || n > 32)
    return Bad(AttestationError::kBadPcr,
               "pcrs must hold 1 to 32 registers, not " + std::to_string(n));
  const cbor_pair* pairs = cbor_map_handle(v);
  for (size_t i = 0; i < n; ++i) {
    auto index = AsUint(pairs[i].key);
    if (!index || *index > 31)
      return Bad(AttestationError::kBadPcr, "a PCR index must be an integer from 0 to 31");
    auto value = AsBytes(pairs[i].value);
    if (!value) return Bad(AttestationError::kMalformed, "PCR values must be byte strings");
    if (value->size() != 32 && value->size() != 48 && value->size() != 64)
      return Bad(AttestationError::kBadPcr, "PCR" + std::to_string(*index) + " has " +
                                                std::to_string(value->size()) +
                                                " bytes; a PCR has 32, 48 or 64");
    if (!out.emplace(static_cast<uint32_t>(*index), std::string(*value)).second)
      return Bad(AttestationError::kDuplicateKey, "pcrs repeats PCR" + std::to_string(*index));
  }
  for (uint32_t required : {0u, 1u, 2u}) {
    if (!out.count(required))
      return Bad(AttestationError::kMissingPcr, "PCR" + std::to_string(required) + " is missing");
  }
  return std::nullopt;
}

Check ParseCertificates(const cbor_item_t* cert, const cbor_item_t* bundle,
                        AttestationDocument& doc) {
  auto leaf = AsBytes(cert);
  if (!leaf || leaf->empty())
    return Bad(AttestationError::kMalformed, "certificate must be a non-empty byte string");
  if (leaf->size() > kMaxCertificateBytes)
    return Bad(AttestationError::kFieldTooLarge, "certificate has more than 1024 bytes");
  doc.certificate = std::string(*leaf);
  if (!cbor_isa_array(bundle))
    return Bad(AttestationError::kMalformed, "cabundle must be an array");
  size_t n = cbor_array_size(bundle);
  if (n == 0) return Bad(AttestationError::kEmptyCabundle, "cabundle is empty");
  if (n > kMaxCabundleEntries)
    return Bad(AttestationError::kFieldTooLarge,
               "cabundle has " + std::to_string(n) + " certificates, more than 16");
  cbor_item_t** items = cbor_array_handle(bundle);
  for (size_t i = 0; i < n; ++i) {
    auto der = AsBytes(items[i]);
    if (!der || der->empty())
      return Bad(AttestationError::kMalformed, "cabundle entries must be non-empty byte strings");
    if (der->size() > kMaxCertificateBytes)
      return Bad(AttestationError::kFieldTooLarge,
                 "cabundle[" + std::to_string(i) + "] has more than 1024 bytes");
    doc.cabundle.emplace_back(*der);
  }
  return std::nullopt;
}

Check ParsePayload(std::string_view payload, AttestationDocument& doc) {
  CborLoad load = LoadBoundedCbor(payload, kMaxPayloadDepth);
  if (!load.item) return Bad(FromCbor(load.problem), "payload: " + load.message);
  const cbor_item_t* m = load.item.get();
  if (!cbor_isa_map(m)) return Bad(AttestationError::kMalformed, "payload is not a CBOR map");
  std::map<std::string, const cbor_item_t*, std::less<>> fields;
  const cbor_pair* pairs = cbor_map_handle(m);
  static const std::set<std::string_view> kAllowed = {"module_id",  "digest",      "timestamp",
                                                      "pcrs",       "certificate", "cabundle",
                                                      "public_key", "user_data",   "nonce"};
  for (size_t i = 0; i < cbor_map_size(m); ++i) {
    auto key = AsText(pairs[i].key);
    if (!key) return Bad(AttestationError::kMalformed, "payload keys must be text");
    if (!kAllowed.count(*key))
      return Bad(AttestationError::kMalformed, "unknown field '" + std::string(*key) + "'");
    if (!fields.emplace(std::string(*key), pairs[i].value).second)
      return Bad(AttestationError::kDuplicateKey, "field '" + std::string(*key) + "' repeats");
  }
  for (const char* required :
       {"module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle"}) {
    if (!fields.count(required))
      return Bad(AttestationError::kMalformed, std::string("missing field '") + required + "'");
  }
  auto module_id = AsText(fields["module_id"]);
  if (!module_id || module_id->empty())
    return Bad(AttestationError::kMalformed, "module_id must be non-empty text");
  if (module_id->size() > kMaxModuleIdBytes)
    return Bad(AttestationError::kFieldTooLarge, "module_id is longer than 256 bytes");
  doc.module_id = std::string(*module_id);
  auto digest = AsText(fields["digest"]);
  if (!digest) return Bad(AttestationError::kMalformed, "digest must be text");
  if (*digest != "SHA384")
    return Bad(AttestationError::kWrongDigest,
               "digest is '" + std::string(digest->substr(0, 32)) + "', expected 'SHA384'");
  doc.digest = std::string(*digest);
  auto ts = AsUint(fields["timestamp"]);
  if (!ts || *ts == 0)
    return Bad(AttestationError::kMalformed, "timestamp must be a positive integer");
  doc.timestamp_ms = *ts;
  if (auto p = ParsePcrs(fields["pcrs"], doc.pcrs)) return p;
  if (auto p = ParseCertificates(fields["certificate"], fields["cabundle"], doc)) return p;
  for (auto [name, out] :
       {std::pair{"public_key", &doc.public_key}, std::pair{"user_data", &doc.user_data},
        std::pair{"nonce", &doc.nonce}}) {
    auto it = fields.find(name);
    if (it == fields.end()) continue;
    if (auto p = OptionalBytes(it->second, kMaxUserFieldBytes, name, *out)) return p;
  }
  if (doc.public_key && doc.public_key->empty())
    return Bad(AttestationError::kMalformed, "public_key is empty");
  return std::nullopt;
}

Check CheckProtectedHeader(std::string_view header) {
  CborLoad load = LoadBoundedCbor(header, 2);
  if (!load.item) return Bad(FromCbor(load.problem), "protected header: " + load.message);
  const cbor_item_t* m = load.item.get();
  if (!cbor_isa_map(m)) return Bad(AttestationError::kMalformed, "protected header is not a map");
  std::optional<int64_t> alg;
  std::set<int64_t> seen;
  const cbor_pair* pairs = cbor_map_handle(m);
  for (size_t i = 0; i < cbor_map_size(m); ++i) {
    auto label = AsInt(pairs[i].key);
    if (!label) continue;  // text labels are private use; none is critical
    if (!seen.insert(*label).second)
      return Bad(AttestationError::kDuplicateKey, "protected header repeats a label");
    if (*label == kCoseCritLabel)
      return Bad(AttestationError::kMalformed,
                 "protected header lists critical parameters, which we do not understand");
    if (*label == kCoseAlgLabel) {
      alg = AsInt(pairs[i].value);
      if (!alg) return Bad(AttestationError::kWrongAlgorithm, "alg is not an integer");
    }
  }
  if (!alg) return Bad(AttestationError::kWrongAlgorithm, "protected header has no alg");
  if (*alg != kEs384)
    return Bad(AttestationError::kWrongAlgorithm,
               "alg is " + std::to_string(*alg) + ", expected ES384 (-35)");
  return std::nullopt;
}

}  // namespace

AttestationResult<SignedAttestation> ParseAttestation(std::string_view cose) {
  if (cose.size() > kMaxDocumentBytes)
    return Fail(AttestationError::kFieldTooLarge,
                std::to_string(cose.size()) + " bytes, more than the " +
                    std::to_string(kMaxDocumentBytes) + " a document can have");
  // libcbor 0.8's decoder refuses tags 6-20 as "unassigned", so the one-byte
  // head of tag 18 (0xd2) is taken off here; 0xd8 0x12 still reaches libcbor.
  if (!cose.empty() && static_cast<uint8_t>(cose[0]) == 0xd2) cose.remove_prefix(1);
  CborLoad load = LoadBoundedCbor(cose, kMaxCoseDepth);
  if (!load.item) return Fail(FromCbor(load.problem), load.message);
  const cbor_item_t* top = load.item.get();
  CborPtr tagged;
  if (cbor_isa_tag(top)) {
    if (cbor_tag_value(top) != 18)
      return Fail(AttestationError::kMalformed,
                  "CBOR tag " + std::to_string(cbor_tag_value(top)) + " is not COSE_Sign1 (18)");
    tagged.reset(cbor_tag_item(top));  // cbor_tag_item returns a new reference
    top = tagged.get();
  }
  if (!cbor_isa_array(top) || cbor_array_size(top) != 4)
    return Fail(AttestationError::kMalformed, "not a COSE_Sign1 array of 4 items");
  cbor_item_t** parts = cbor_array_handle(top);
  auto prot = AsBytes(parts[0]);
  if (!prot) return Fail(AttestationError::kMalformed, "protected header is not a byte string");
  if (!cbor_isa_map(parts[1]))
    return Fail(AttestationError::kMalformed, "unprotected header is not a map");
  auto payload = AsBytes(parts[2]);
  if (!payload || payload->empty())
    return Fail(AttestationError::kMalformed, "payload is not a non-empty byte string");
  if (payload->size() > kMaxPayloadBytes)
    return Fail(AttestationError::kFieldTooLarge, "payload is larger than 16384 bytes");
  auto sig = AsBytes(parts[3]);
  if (!sig) return Fail(AttestationError::kMalformed, "signature is not a byte string");
  if (auto p = CheckProtectedHeader(*prot)) return Fail(p->error, p->message);
  if (sig->size() != kEs384SignatureBytes)
    return Fail(AttestationError::kMalformed,
                "an ES384 signature has 96 bytes, this one " + std::to_string(sig->size()));
  SignedAttestation out;
  if (auto p = ParsePayload(*payload, out.document)) return Fail(p->error, p->message);
  out.protected_header = std::string(*prot);
  out.payload = std::string(*payload);
  out.signature = std::string(*sig);
  return out;
}

bool AttestationDocument::debug_mode() const {
  for (uint32_t i : {0u, 1u, 2u}) {
    auto it = pcrs.find(i);
    if (it == pcrs.end()) return false;
    if (it->second.find_first_not_of('\0') != std::string::npos) return false;
  }
  return true;
}

}  // namespace cc::tee
