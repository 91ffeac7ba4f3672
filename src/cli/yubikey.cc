#include "cli/yubikey.h"

#include <openssl/hmac.h>
#include <ykcore.h>
#include <ykdef.h>
#include <ykstatus.h>

#include <cstdlib>
#include <iostream>

#include "common/encoding.h"

namespace cc::cli {

Result<std::string> SoftwareYubiKey::Respond(int slot, const std::string& challenge) {
  if (slot != 1 && slot != 2) return Status::InvalidArgument("--yubikey-slot must be 1 or 2");
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

Result<std::string> UsbYubiKey::Respond(int slot, const std::string& challenge) {
  if (slot != 1 && slot != 2) return Status::InvalidArgument("--yubikey-slot must be 1 or 2");
  if (challenge.size() > 64)
    return Status::InvalidArgument("YubiKey challenges are at most 64 bytes");
  if (!yk_init()) return Status::Unavailable("cannot initialize libykpers");
  YK_KEY* yk = yk_open_first_key();
  if (!yk) {
    yk_release();
    return Status::Unavailable("no YubiKey found (is it plugged in, and may this user access it?)");
  }
  std::cerr << "Touch your YubiKey if it blinks..." << std::endl;
  unsigned char response[64] = {0};
  int ok = yk_challenge_response(yk, slot == 1 ? SLOT_CHAL_HMAC1 : SLOT_CHAL_HMAC2, 1,
                                 static_cast<unsigned int>(challenge.size()),
                                 reinterpret_cast<const unsigned char*>(challenge.data()),
                                 sizeof response, response);
  yk_close_key(yk);
  yk_release();
  if (!ok) {
    return Status::Unavailable(
        "the YubiKey did not answer the challenge on slot " + std::to_string(slot) +
        " (is an HMAC-SHA1 challenge-response credential programmed there?)");
  }
  return std::string(reinterpret_cast<char*>(response), 20);
}

std::unique_ptr<YubiKeyResponder> MakeYubiKeyResponder() {
  if (const char* hex = std::getenv("CONTAINMENT_TEST_YUBIKEY_SECRET"); hex && *hex) {
    auto secret = HexDecode(hex);
    if (secret) {
      std::cerr << "warning: using a SOFTWARE YubiKey responder (CONTAINMENT_TEST_YUBIKEY_SECRET); "
                   "for tests only"
                << std::endl;
      return std::make_unique<SoftwareYubiKey>(*secret);
    }
  }
  return std::make_unique<UsbYubiKey>();
}

}  // namespace cc::cli
