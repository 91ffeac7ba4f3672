#include "seal/key_holder.h"

#include "common/log.h"
#include "crypto/kdf.h"

namespace cc::seal {

bool KeyHolder::HasMasterKey() const {
  MutexLock l(mu_);
  return master_key_.has_value();
}

bool KeyHolder::HasLayer() const {
  MutexLock l(mu_);
  return layer_.has_value() || (master_key_ && mk_is_layer_);
}

uint64_t KeyHolder::unsealed_epoch() const {
  MutexLock l(mu_);
  return unsealed_epoch_;
}

std::optional<int64_t> KeyHolder::unsealed_at() const {
  MutexLock l(mu_);
  return master_key_ ? std::optional<int64_t>(unsealed_at_) : std::nullopt;
}

void KeyHolder::HoldLayer(crypto::SecretBytes layer) {
  MutexLock l(mu_);
  layer_ = std::move(layer);
}

void KeyHolder::HoldMasterKey(crypto::SecretBytes mk, uint64_t epoch, bool mk_is_layer,
                              int64_t now) {
  MutexLock l(mu_);
  unsealed_at_ = now;
  master_key_ = std::move(mk);
  mk_is_layer_ = mk_is_layer;
  unsealed_epoch_ = epoch;
  sealed_locally_at_.reset();
}

bool KeyHolder::WipeMasterKey(const std::string& why) {
  {
    MutexLock l(mu_);
    if (!master_key_) return false;
    master_key_.reset();  // SecretBytes zeroes its locked pages on release
  }
  log::Warn("seal", "master key wiped from memory", {{"reason", why}});
  return true;
}

bool KeyHolder::SealLocally(const std::string& why, int64_t now, uint64_t epoch) {
  {
    MutexLock l(mu_);
    sealed_locally_at_ = now;
    sealed_locally_epoch_ = epoch;
  }
  return WipeMasterKey(why);
}

void KeyHolder::DropLocalSealIfRecorded(uint64_t backend_epoch) {
  MutexLock l(mu_);
  if (sealed_locally_at_ && backend_epoch > sealed_locally_epoch_) sealed_locally_at_.reset();
}

std::optional<int64_t> KeyHolder::sealed_locally_at() const {
  MutexLock l(mu_);
  return sealed_locally_at_;
}

void KeyHolder::WipeAll(const std::string& why) {
  WipeMasterKey(why);
  MutexLock l(mu_);
  layer_.reset();
}

std::optional<LayerKeys> KeyHolder::Layer() const {
  MutexLock l(mu_);
  if (layer_) return LayerKeys::From(*layer_);
  if (master_key_ && mk_is_layer_) return LayerKeys::From(*master_key_);
  return std::nullopt;
}

std::optional<crypto::SecretBytes> KeyHolder::DeriveKey(std::string_view label) const {
  MutexLock l(mu_);
  if (!master_key_) return std::nullopt;
  return crypto::Hkdf(*master_key_, "cc-mk-v1", label, 32);
}

Result<std::vector<crypto::Share>> KeyHolder::SplitMasterKey(int n, int threshold) const {
  MutexLock l(mu_);
  if (!master_key_) return Status::FailedPrecondition("this replica does not hold the master key");
  return crypto::ShamirSplit(*master_key_, n, threshold);
}

}  // namespace cc::seal
