// YubiKey HMAC-SHA1 challenge-response for operator registration and unseal.
// A real key is reached through libykpers-1; tests use a software responder
// with the same interface (selected by CONTAINMENT_TEST_YUBIKEY_SECRET).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace cc::cli {

class YubiKeyResponder {
 public:
  virtual ~YubiKeyResponder() = default;
  // The 20-byte HMAC-SHA1 response to `challenge` from `slot` (1 or 2).
  virtual Result<std::string> Respond(int slot, const std::string& challenge) = 0;
};

// HMAC-SHA1 with a key held in memory: what the YubiKey computes inside.
class SoftwareYubiKey final : public YubiKeyResponder {
 public:
  explicit SoftwareYubiKey(std::string secret) : secret_(std::move(secret)) {}
  Result<std::string> Respond(int slot, const std::string& challenge) override;

 private:
  std::string secret_;
};

// The first YubiKey on USB, via libykpers-1.
class UsbYubiKey final : public YubiKeyResponder {
 public:
  Result<std::string> Respond(int slot, const std::string& challenge) override;
};

// The software responder when CONTAINMENT_TEST_YUBIKEY_SECRET (hex) is set
// (tests only; says so on stderr), else the USB key.
std::unique_ptr<YubiKeyResponder> MakeYubiKeyResponder();

}  // namespace cc::cli
