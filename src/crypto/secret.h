// Secret bytes (master key, shares, derived keys, plaintext from KMS) live
// only here: libsodium guarded allocations that are mlock()ed, excluded from
// core dumps and zeroed on release. The type cannot be copied implicitly nor
// printed; code that needs the bytes asks for them explicitly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cc::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t size);  // zero-filled
  static SecretBytes Random(size_t size);
  // Copies `bytes` in; the caller is responsible for wiping its own copy.
  static SecretBytes CopyFrom(std::string_view bytes);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes Clone() const { return CopyFrom(view()); }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }
  // Constant-time equality.
  bool Equals(const SecretBytes& other) const;

 private:
  void Release();
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Wipes a std::string that briefly held secret material (a JSON body, say).
void Wipe(std::string& s);

}  // namespace cc::crypto
