#include "records/enums.h"

#include <utility>

namespace cc::records {
namespace {

template <typename E, size_t N>
std::optional<E> Lookup(const std::pair<E, std::string_view> (&table)[N], std::string_view name) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return std::nullopt;
}
template <typename E, size_t N>
std::string_view NameIn(const std::pair<E, std::string_view> (&table)[N], E e) {
  for (const auto& [v, n] : table) {
    if (v == e) return n;
  }
  return "unknown";
}

constexpr std::pair<UnsealMode, std::string_view> kModes[] = {
    {UnsealMode::kKmsOnly, "kms_only"}, {UnsealMode::kQuorum, "quorum"}};
constexpr std::pair<CredentialMethod, std::string_view> kMethods[] = {
    {CredentialMethod::kPending, "pending"},
    {CredentialMethod::kPassphrase, "passphrase"},
    {CredentialMethod::kYubiKey, "yubikey"}};
constexpr std::pair<RuleEffect, std::string_view> kEffects[] = {{RuleEffect::kAllow, "allow"},
                                                                {RuleEffect::kDeny, "deny"}};

}  // namespace

std::string_view Name(UnsealMode m) { return NameIn(kModes, m); }
std::string_view Name(CredentialMethod m) { return NameIn(kMethods, m); }
std::string_view Name(RuleEffect e) { return NameIn(kEffects, e); }

template <>
std::optional<UnsealMode> Parse(std::string_view name) {
  return Lookup(kModes, name);
}
template <>
std::optional<CredentialMethod> Parse(std::string_view name) {
  return Lookup(kMethods, name);
}
template <>
std::optional<RuleEffect> Parse(std::string_view name) {
  return Lookup(kEffects, name);
}

}  // namespace cc::records
