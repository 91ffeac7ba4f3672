// `containment-chamber operator status`: one human format (label: value, no
// quoting), or the status JSON as the server sent it with --json.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/operator_common.h"

namespace cc::cli {
namespace {

using nlohmann::json;

void Line(const std::string& label, const std::string& value) {
  std::printf("  %-18s %s\n", (label + ":").c_str(), value.c_str());
}

// A JSON scalar as plain text: strings unquoted, booleans yes/no.
std::string Plain(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump();
}

std::string KmsKeyState(const json& k) {
  std::string s = !k.contains("healthy")      ? "not used yet"
                  : k.value("healthy", false) ? "healthy"
                                              : "UNHEALTHY";
  if (k.contains("last_error")) s += " (" + k.value("last_error", "") + ")";
  return s;
}

void PrintQuorum(const json& seal) {
  Line("unseal needs", Plain(seal["t"]) + " of " + Plain(seal["n"]) + " operators");
  Line("registered", Plain(seal.value("registered", json(0))) + " of " + Plain(seal["n"]));
  Line("progress",
       Plain(seal.value("progress", json(0))) + " of " + Plain(seal["t"]) + " shares submitted");
  for (const auto& o : seal.value("operators", json::array())) {
    Line("operator " + o.value("name", "?"),
         std::string(o.value("registered", false) ? "registered" : "not registered") +
             (o.value("submitted", false) ? ", share submitted" : ""));
  }
}

void PrintSeal(const json& seal) {
  std::cout << "Seal\n";
  Line("status", seal.value("status", "?"));
  Line("initialized", Plain(seal.value("initialized", json(false))));
  if (seal.contains("type")) {
    Line("mode", seal.value("type", ""));
    const json kms = seal.value("kms", json::object());
    const size_t keys = kms.value("keys", json::array()).size();
    if (seal.value("type", "") == "quorum") PrintQuorum(seal);
    Line(seal.value("type", "") == "quorum" ? "kms layer needs" : "unseal needs",
         Plain(kms.value("threshold", json(0))) + " of " + std::to_string(keys) + " KMS keys");
    for (const auto& k : kms.value("keys", json::array()))
      Line("kms key " + k.value("key", "?"), KmsKeyState(k));
    if (kms.contains("bad_shares")) Line("bad kms shares", kms["bad_shares"].dump());
    Line("seal epoch", Plain(seal.value("seal_epoch", json(0))));
    Line("operator seal", seal.value("sealed_by_operator", false) ? "in force" : "no");
  }
  if (seal.contains("last_error")) Line("last error", seal.value("last_error", ""));
  if (seal.contains("integrity_error")) Line("integrity error", seal.value("integrity_error", ""));
  if (seal.contains("hint")) Line("hint", seal.value("hint", ""));
}

void PrintBackend(const json& b) {
  std::cout << "State backend\n";
  Line("backend", b.value("backend", "?"));
  for (const char* k : {"table", "path", "region"}) {
    if (b.contains(k)) Line(k, Plain(b[k]));
  }
  Line("chamber id", b.value("chamber_id", ""));
  Line("revision", Plain(b.value("revision", json(0))));
  char age[32];
  std::snprintf(age, sizeof age, "%.1f s ago", b.value("last_refresh_age_seconds", 0.0));
  Line("last refresh", age);
  Line("refresh errors", Plain(b.value("refresh_errors", json(0))));
  if (b.contains("last_error")) Line("last error", b.value("last_error", ""));
  if (b.contains("rollback_refused_revision")) {
    Line("ROLLBACK REFUSED",
         "the backend went back to revision " + Plain(b["rollback_refused_revision"]) +
             " while this replica has seen revision " + Plain(b.value("revision", json(0))) +
             "; it keeps its last good state and refuses to follow (docs/operations.md"
             "#rollback-refused)");
  }
  if (b.contains("foreign_chamber_refused")) {
    Line("FOREIGN CHAMBER", "the backend now holds chamber " + Plain(b["foreign_chamber_refused"]) +
                                "; this replica refuses it (docs/operations.md#rollback-refused)");
  }
}

// The other sections of status (auth, tee), flattened: "blob present: no".
void PrintFields(const std::string& prefix, const json& obj) {
  for (const auto& [k, v] : obj.items()) {
    std::string label = prefix + k;
    std::replace(label.begin(), label.end(), '_', ' ');
    if (v.is_object()) {
      PrintFields(label + " ", v);
    } else {
      Line(label, v.is_array() ? v.dump() : Plain(v));
    }
  }
}

void PrintSection(const char* title, const json& obj) {
  if (!obj.is_object() || obj.empty()) return;
  std::cout << title << "\n";
  PrintFields("", obj);
}

}  // namespace

void AddStatusCommand(CLI::App* op, int& exit_code) {
  auto args = std::make_shared<SignerArgs>();
  CLI::App* cmd = op->add_subcommand("status", "Show seal and state-backend status");
  AddSignerOptions(cmd, *args);
  cmd->callback([args, &exit_code] {
    Run(exit_code, [&]() -> Status {
      CC_ASSIGN_OR_RETURN(SignerClient client, ConnectTo(*args));
      auto s = client.Get("/api/v1/chamber/status");
      if (!s.ok()) return WithTokenHint(s.status(), TokenKind::kAuth, *args);
      Print(*args, *s, [&] {
        const json seal = s->value("seal", json::object());
        if (seal.value("insecure_test_kdf", false)) {
          std::cout << "WARNING: this replica runs with CONTAINMENT_INSECURE_TEST_KDF=1: "
                       "operator passphrases use test-only Argon2id parameters; never in "
                       "production\n";
        }
        PrintSeal(seal);
        PrintBackend(s->value("state_backend", json::object()));
        PrintSection("Auth", s->value("auth", json()));  // what this replica has loaded
        PrintSection("TEE", s->value("tee", json()));
      });
      return Status::Ok();
    });
  });
}

}  // namespace cc::cli
