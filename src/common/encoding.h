// Hex and base64 codecs (libsodium underneath) shared by every component.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cc {

std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view hex);

std::string Base64Encode(std::string_view bytes);  // standard alphabet, padded
std::optional<std::string> Base64Decode(std::string_view b64);
std::string Base64UrlEncode(std::string_view bytes);  // URL-safe, unpadded (tokens)

// n random bytes from the OS CSPRNG.
std::string RandomBytes(size_t n);
// A random identifier of n bytes, hex encoded (chamber ids, nonces).
std::string RandomHexId(size_t n = 16);

}  // namespace cc
