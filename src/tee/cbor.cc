#include "tee/cbor.h"

#include <cstdlib>
#include <vector>

namespace cc::tee {
namespace {

// One decoded header event, recorded by the callbacks and checked by the loop
// (which knows how many bytes remain after the header).
struct Event {
  enum Kind { kLeaf, kContainer, kIndefinite } kind = kLeaf;
  uint64_t children = 0;  // for containers: items that follow (maps count twice)
};

void Leaf(void* ctx) { static_cast<Event*>(ctx)->kind = Event::kLeaf; }
template <typename T>
void LeafValue(void* ctx, T) {
  Leaf(ctx);
}
void LeafData(void* ctx, cbor_data, size_t) { Leaf(ctx); }
void Indefinite(void* ctx) { static_cast<Event*>(ctx)->kind = Event::kIndefinite; }
void ArrayStart(void* ctx, size_t n) { *static_cast<Event*>(ctx) = {Event::kContainer, n}; }
void MapStart(void* ctx, size_t n) {
  // 2n cannot overflow: n was read from at most 8 bytes and is checked
  // against the remaining input before use, but guard anyway.
  *static_cast<Event*>(ctx) = {Event::kContainer, n > UINT64_MAX / 2 ? UINT64_MAX : 2 * n};
}
void Tag(void* ctx, uint64_t) { *static_cast<Event*>(ctx) = {Event::kContainer, 1}; }

cbor_callbacks MakeCallbacks() {
  cbor_callbacks cb = cbor_empty_callbacks;
  cb.uint8 = LeafValue<uint8_t>;
  cb.uint16 = LeafValue<uint16_t>;
  cb.uint32 = LeafValue<uint32_t>;
  cb.uint64 = LeafValue<uint64_t>;
  cb.negint8 = LeafValue<uint8_t>;
  cb.negint16 = LeafValue<uint16_t>;
  cb.negint32 = LeafValue<uint32_t>;
  cb.negint64 = LeafValue<uint64_t>;
  cb.byte_string = LeafData;
  cb.string = LeafData;
  cb.byte_string_start = Indefinite;
  cb.string_start = Indefinite;
  cb.indef_array_start = Indefinite;
  cb.indef_map_start = Indefinite;
  cb.indef_break = Indefinite;
  cb.array_start = ArrayStart;
  cb.map_start = MapStart;
  cb.tag = Tag;
  cb.float2 = LeafValue<float>;
  cb.float4 = LeafValue<float>;
  cb.float8 = LeafValue<double>;
  cb.undefined = Leaf;
  cb.null = Leaf;
  cb.boolean = LeafValue<bool>;
  return cb;
}

CborLoad Fail(CborProblem p, std::string message) { return {nullptr, p, std::move(message)}; }

}  // namespace

CborLoad LoadBoundedCbor(std::string_view bytes, int max_depth) {
  static const cbor_callbacks kCallbacks = MakeCallbacks();
  const auto* data = reinterpret_cast<cbor_data>(bytes.data());
  size_t pos = 0;
  std::vector<uint64_t> open;  // children still expected per open container
  if (bytes.empty()) return Fail(CborProblem::kMalformed, "empty input");
  do {
    Event ev;
    cbor_decoder_result r = cbor_stream_decode(data + pos, bytes.size() - pos, &kCallbacks, &ev);
    if (r.status == CBOR_DECODER_NEDATA)
      return Fail(CborProblem::kMalformed, "truncated at byte " + std::to_string(pos));
    if (r.status != CBOR_DECODER_FINISHED)
      return Fail(CborProblem::kMalformed, "invalid CBOR at byte " + std::to_string(pos));
    pos += r.read;
    if (ev.kind == Event::kIndefinite)
      return Fail(CborProblem::kMalformed,
                  "indefinite-length item at byte " + std::to_string(pos - r.read));
    if (!open.empty()) --open.back();
    if (ev.kind == Event::kContainer) {
      // Every child takes at least one byte: a count beyond the remaining
      // input is a lie, refused before anything is allocated for it.
      if (ev.children > bytes.size() - pos)
        return Fail(CborProblem::kMalformed,
                    "item at byte " + std::to_string(pos - r.read) + " declares " +
                        std::to_string(ev.children) + " entries but only " +
                        std::to_string(bytes.size() - pos) + " bytes follow");
      if (static_cast<int>(open.size()) >= max_depth)
        return Fail(CborProblem::kTooDeep,
                    "nesting deeper than " + std::to_string(max_depth) + " levels");
      open.push_back(ev.children);
    }
    while (!open.empty() && open.back() == 0) open.pop_back();
  } while (!open.empty() && pos < bytes.size());
  if (!open.empty()) return Fail(CborProblem::kMalformed, "truncated: a container is not closed");
  if (pos != bytes.size())
    return Fail(CborProblem::kTrailingBytes,
                std::to_string(bytes.size() - pos) + " trailing bytes after the CBOR item");
  cbor_load_result res;
  CborPtr item(cbor_load(data, bytes.size(), &res));
  if (!item || res.error.code != CBOR_ERR_NONE || res.read != bytes.size())
    return Fail(CborProblem::kMalformed, "CBOR decoding failed");
  return {std::move(item), CborProblem::kNone, ""};
}

std::optional<std::string_view> AsBytes(const cbor_item_t* item) {
  if (!item || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
    return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
                          cbor_bytestring_length(item));
}

std::optional<std::string_view> AsText(const cbor_item_t* item) {
  if (!item || !cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)),
                          cbor_string_length(item));
}

std::optional<uint64_t> AsUint(const cbor_item_t* item) {
  if (!item || !cbor_isa_uint(item)) return std::nullopt;
  return cbor_get_int(item);
}

std::optional<int64_t> AsInt(const cbor_item_t* item) {
  if (!item) return std::nullopt;
  if (cbor_isa_uint(item)) {
    uint64_t v = cbor_get_int(item);
    if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (cbor_isa_negint(item)) {
    uint64_t n = cbor_get_int(item);  // value is -1 - n
    if (n > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return -1 - static_cast<int64_t>(n);
  }
  return std::nullopt;
}

std::string SerializeCbor(const cbor_item_t* item) {
  unsigned char* buf = nullptr;
  size_t cap = 0;
  size_t len = cbor_serialize_alloc(item, &buf, &cap);
  std::string out(reinterpret_cast<const char*>(buf), len);
  free(buf);
  return out;
}

CborPtr CborBytes(std::string_view bytes) {
  return CborPtr(cbor_build_bytestring(reinterpret_cast<cbor_data>(bytes.data()), bytes.size()));
}

CborPtr CborText(std::string_view text) {
  return CborPtr(cbor_build_stringn(text.data(), text.size()));
}

bool CborMapPut(cbor_item_t* map, CborPtr key, CborPtr value) {
  if (!map || !key || !value) return false;
  // cbor_map_add takes its own references.
  return cbor_map_add(map, cbor_pair{key.get(), value.get()});
}

}  // namespace cc::tee
