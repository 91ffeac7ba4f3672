#include "seal/setup_token.h"

#include "common/encoding.h"
#include "common/log.h"
#include "crypto/hmac.h"
#include "crypto/secret.h"

namespace cc::seal {

void SetupToken::EnsureLogged() {
  std::string token = "cc-setup-" + Base64UrlEncode(RandomBytes(24));
  {
    MutexLock l(mu_);
    if (!hash_.empty()) {
      crypto::Wipe(token);
      return;
    }
    hash_ = crypto::Sha256(token);
  }
  log::WarnAlways("seal",
                  "the chamber is uninitialized; initialize it with this one-time setup token "
                  "(containment-chamber operator init --setup-token ...)",
                  {{"setup_token", token}});
  crypto::Wipe(token);
}

bool SetupToken::Matches(const std::string& presented) const {
  MutexLock l(mu_);
  return !hash_.empty() && crypto::ConstantTimeEquals(crypto::Sha256(presented), hash_);
}

void SetupToken::Clear() {
  MutexLock l(mu_);
  hash_.clear();
}

}  // namespace cc::seal
