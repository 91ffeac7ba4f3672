// Bounded CBOR decoding for untrusted bytes (attestation documents, NSM
// answers). Invariant: nothing reaches libcbor's tree builder until a
// streaming pre-scan has proved the input is one definite-length item whose
// nesting stays within `max_depth` and whose declared counts fit the bytes that
// follow, so a hostile header cannot make us allocate more than the input size.
#pragma once

#include <cbor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cc::tee {

struct CborDeleter {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using CborPtr = std::unique_ptr<cbor_item_t, CborDeleter>;

enum class CborProblem { kNone, kMalformed, kTrailingBytes, kTooDeep };

struct CborLoad {
  CborPtr item;  // set when problem == kNone
  CborProblem problem = CborProblem::kNone;
  std::string message;
};

// Decodes exactly one item spanning all of `bytes`.
CborLoad LoadBoundedCbor(std::string_view bytes, int max_depth);

// Typed views of a decoded item; nullopt when the item has another type.
std::optional<std::string_view> AsBytes(const cbor_item_t* item);
std::optional<std::string_view> AsText(const cbor_item_t* item);
std::optional<uint64_t> AsUint(const cbor_item_t* item);
// A CBOR integer of either sign that fits int64.
std::optional<int64_t> AsInt(const cbor_item_t* item);

// Serialized bytes of `item` ("" only if libcbor runs out of memory).
std::string SerializeCbor(const cbor_item_t* item);

// Small builders that hand ownership to the caller.
CborPtr CborBytes(std::string_view bytes);
CborPtr CborText(std::string_view text);
// Adds key → value to a definite map built with cbor_new_definite_map.
bool CborMapPut(cbor_item_t* map, CborPtr key, CborPtr value);

}  // namespace cc::tee
