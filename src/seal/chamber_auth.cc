// The chamber's Auth API writes: each one ceremony on fresh state, retried
// when it lost a commit race (a policy edited meanwhile is then a 409).
#include "seal/chamber.h"

namespace cc::seal {

Result<records::AuthPolicy> Chamber::CreatePolicy(const PolicyWrite& request) {
  if (authorizer_ && authorizer_->IsStaticPolicy(request.policy.name)) {
    return cc::Status::Conflict("'" + request.policy.name +
                                "' is a static policy from the configuration");
  }
  std::optional<uint64_t> seen;
  return writer_.Retrying<records::AuthPolicy>(
      [&](ViewPtr v) { return RunWritePolicy(ctx_, std::move(v), request, true, seen); });
}

Result<records::AuthPolicy> Chamber::ReplacePolicy(const PolicyWrite& request) {
  std::optional<uint64_t> seen;
  return writer_.Retrying<records::AuthPolicy>(
      [&](ViewPtr v) { return RunWritePolicy(ctx_, std::move(v), request, false, seen); });
}

cc::Status Chamber::DeletePolicy(const PolicyDelete& asked) {
  PolicyDelete request = asked;
  request.static_policies = authorizer_ && authorizer_->Summary().static_policies > 0;
  return writer_
      .Retrying<bool>([&](ViewPtr v) -> Result<bool> {
        CC_RETURN_IF_ERROR(RunDeletePolicy(ctx_, std::move(v), request));
        return true;
      })
      .status();
}

Result<TokenCreated> Chamber::CreateToken(const TokenCreate& request) {
  return writer_.Retrying<TokenCreated>(
      [&](ViewPtr v) { return RunCreateToken(ctx_, std::move(v), request); });
}

cc::Status Chamber::RevokeToken(const TokenRevoke& request) {
  return writer_
      .Retrying<bool>([&](ViewPtr v) -> Result<bool> {
        CC_RETURN_IF_ERROR(RunRevokeToken(ctx_, std::move(v), request));
        return true;
      })
      .status();
}

}  // namespace cc::seal
