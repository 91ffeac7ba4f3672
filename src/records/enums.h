// The closed sets stored in records, each with its one to/from-string place.
// An unknown name in a stored record is corruption; in a request, bad input.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cc::records {

// How the master key is unsealed (SPEC 4). TEE auto-unseal is an addition
// to either mode, not a mode of its own.
enum class UnsealMode { kKmsOnly, kQuorum };
// How an operator proves who they are.
enum class CredentialMethod { kPending, kPassphrase, kYubiKey };
// A policy rule allows or denies; deny wins.
enum class RuleEffect { kAllow, kDeny };

std::string_view Name(UnsealMode m);
std::string_view Name(CredentialMethod m);
std::string_view Name(RuleEffect e);

// nullopt for a name outside the set.
template <typename E>
std::optional<E> Parse(std::string_view name);
template <>
std::optional<UnsealMode> Parse(std::string_view name);
template <>
std::optional<CredentialMethod> Parse(std::string_view name);
template <>
std::optional<RuleEffect> Parse(std::string_view name);

}  // namespace cc::records
