// The Nitro Secure Module driver: one ioctl carries a CBOR request and
// receives a CBOR response (layout from the kernel's include/uapi/linux/nsm.h:
// NSM_IOCTL_RAW = _IOWR(0x0A, 0, struct nsm_raw), two {u64 addr, u64 len}
// iovecs; the driver shrinks response.len to the bytes it wrote).
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "tee/attestor.h"
#include "tee/cbor.h"

namespace cc::tee {
namespace {

struct NsmIovec {
  uint64_t addr;
  uint64_t len;
};
struct NsmRaw {
  NsmIovec request;
  NsmIovec response;
};
static_assert(sizeof(NsmRaw) == 32, "struct nsm_raw is four u64");
constexpr unsigned long kNsmIoctlRaw = _IOWR(0x0A, 0, NsmRaw);

CborPtr BytesOrNull(std::string_view v) {
  return v.empty() ? CborPtr(cbor_new_null()) : CborBytes(v);
}

const cbor_item_t* MapGet(const cbor_item_t* map, std::string_view key) {
  if (!map || !cbor_isa_map(map)) return nullptr;
  const cbor_pair* pairs = cbor_map_handle(map);
  for (size_t i = 0; i < cbor_map_size(map); ++i) {
    auto k = AsText(pairs[i].key);
    if (k && *k == key) return pairs[i].value;
  }
  return nullptr;
}

}  // namespace

std::string EncodeNsmAttestationRequest(std::string_view public_key_der, std::string_view nonce,
                                        std::string_view user_data) {
  CborPtr inner(cbor_new_definite_map(3));
  CborMapPut(inner.get(), CborText("user_data"), BytesOrNull(user_data));
  CborMapPut(inner.get(), CborText("nonce"), BytesOrNull(nonce));
  CborMapPut(inner.get(), CborText("public_key"), BytesOrNull(public_key_der));
  CborPtr outer(cbor_new_definite_map(1));
  CborMapPut(outer.get(), CborText("Attestation"), std::move(inner));
  return SerializeCbor(outer.get());
}

Result<std::string> DecodeNsmAttestationResponse(std::string_view bytes) {
  if (bytes.size() > kNsmResponseMaxBytes)
    return Status::Internal("NSM: response larger than the driver's 12 KiB limit");
  CborLoad load = LoadBoundedCbor(bytes, 3);
  if (!load.item) return Status::Internal("NSM: undecodable response: " + load.message);
  const cbor_item_t* top = load.item.get();
  if (!cbor_isa_map(top) || cbor_map_size(top) != 1)
    return Status::Internal("NSM: response is not a one-entry map");
  if (const cbor_item_t* err = MapGet(top, "Error")) {
    auto code = AsText(err);
    return Status::Unavailable("NSM refused the attestation request: " +
                               (code ? std::string(code->substr(0, 64)) : "unknown error"));
  }
  auto document = AsBytes(MapGet(MapGet(top, "Attestation"), "document"));
  if (!document || document->empty())
    return Status::Internal("NSM: response carries no attestation document");
  return std::string(*document);
}

Result<std::unique_ptr<NsmAttestor>> NsmAttestor::Open(const std::string& device) {
  int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return Status::Unavailable("cannot open " + device + " (" + std::strerror(errno) +
                               "): not inside a Nitro Enclave?");
  return std::unique_ptr<NsmAttestor>(new NsmAttestor(fd));
}

NsmAttestor::~NsmAttestor() { ::close(fd_); }

Result<std::string> NsmAttestor::Attest(std::string_view public_key_der, std::string_view nonce,
                                        std::string_view user_data) {
  std::string request = EncodeNsmAttestationRequest(public_key_der, nonce, user_data);
  if (request.size() > kNsmRequestMaxBytes)
    return Status::InvalidArgument("NSM: attestation request exceeds 4 KiB");
  std::vector<char> response(kNsmResponseMaxBytes);
  NsmRaw raw{{reinterpret_cast<uint64_t>(request.data()), request.size()},
             {reinterpret_cast<uint64_t>(response.data()), response.size()}};
  if (::ioctl(fd_, kNsmIoctlRaw, &raw) != 0)
    return Status::Unavailable(std::string("NSM ioctl failed: ") + std::strerror(errno));
  if (raw.response.len > response.size()) return Status::Internal("NSM: response length invalid");
  return DecodeNsmAttestationResponse(std::string_view(response.data(), raw.response.len));
}

}  // namespace cc::tee
