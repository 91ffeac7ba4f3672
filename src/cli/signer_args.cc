#include "cli/signer_args.h"

#include <iostream>

#include "cli/secret_arg.h"

namespace cc::cli {

void AddSignerOptions(CLI::App* cmd, SignerArgs& a) {
  cmd->add_option("--signer-url", a.signer_url, "Signer base URL")->capture_default_str();
  cmd->add_option("--auth-token", a.auth_token,
                  "Token with the needed scope: the value, or env:NAME to read it from a variable");
  cmd->add_option("--ca-file", a.ca_file, "CA bundle to verify an https:// signer");
  cmd->add_flag("--allow-plaintext-signer", a.allow_plaintext,
                "Allow plain http:// to a non-loopback signer");
  cmd->add_flag("--json", a.json, "Machine-readable JSON output");
}

Result<SignerClient> ConnectTo(const SignerArgs& a) {
  SignerConnection c;
  c.url = a.signer_url;
  c.ca_file = a.ca_file;
  c.allow_plaintext = a.allow_plaintext;
  if (!a.auth_token.empty()) {
    CC_ASSIGN_OR_RETURN(c.auth_token, ResolveSecretArg("--auth-token", a.auth_token));
  }
  return SignerClient::Connect(c);
}

int ExitWith(const Status& st) {
  std::cerr << "error: " << st.message() << std::endl;
  return InfoFor(st.code()).exit_code;
}

}  // namespace cc::cli
