// `containment-chamber tee verify`: checks a Nitro attestation document the
// way the signer does (tee::AttestationVerifier), for operators vetting the
// measurements of a new build. Exit 0: valid (and PCRs as expected when
// --expect-pcrs is given); 1: the document does not verify; 2: bad input.
#include <time.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "common/clock.h"
#include "common/encoding.h"
#include "common/time_format.h"
#include "tee/attestation.h"
#include "tee/pcrs.h"

namespace cc::cli {
namespace {

using nlohmann::json;

struct TeeVerifyArgs {
  std::string document;
  std::string root;
  std::string at;
  std::string expect_pcrs;
  bool allow_debug = false;
  bool json = false;
};

Result<std::string> ReadWhole(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::string out(limit + 1, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<size_t>(in.gcount()));
  if (out.size() > limit)
    return Status::TooLarge(path + " is larger than " + std::to_string(limit) + " bytes");
  return out;
}

// Raw COSE starts with 0x84 (array of 4) or 0xd2 (tag 18); otherwise the
// text is hex when it is all hex digits, else base64.
Result<std::string> DecodeDocument(const std::string& raw) {
  if (!raw.empty() && (raw[0] == '\x84' || raw[0] == '\xd2')) return raw;
  std::string text;
  for (char c : raw)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') text += c;
  bool hex = !text.empty() && text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
  if (hex) {
    if (auto b = HexDecode(text)) return *b;
  }
  if (auto b = Base64Decode(text); b && !b->empty()) return *b;
  return Status::InvalidArgument("the document is neither raw CBOR, hex nor base64");
}

// Unix milliseconds, or RFC 3339 (2024-09-07T14:37:39.545Z, offsets allowed).
Result<int64_t> ParseTime(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() <= 15)
    return static_cast<int64_t>(std::stoll(s));
  auto ms = ParseRfc3339Millis(s);
  if (!ms.ok()) return ms.status().WithContext("--at");
  return ms;
}

json Hex(const std::optional<std::string>& v) { return v ? json(HexEncode(*v)) : json(nullptr); }

json Describe(const tee::AttestationDocument& d) {
  json pcrs = json::object();
  for (const auto& [i, v] : d.pcrs) pcrs[std::to_string(i)] = HexEncode(v);
  return {{"module_id", d.module_id},
          {"timestamp_ms", d.timestamp_ms},
          {"digest", d.digest},
          {"pcrs", pcrs},
          {"public_key", Hex(d.public_key)},
          {"user_data", Hex(d.user_data)},
          {"nonce", Hex(d.nonce)},
          {"debug_mode", d.debug_mode()}};
}

int Fail(const TeeVerifyArgs& a, int code, const std::string& error, json out = json::object()) {
  if (a.json) {
    out["valid"] = false;
    out["error"] = error;
    std::cout << out.dump(2) << std::endl;
  } else {
    std::cerr << "error: " << error << std::endl;
  }
  return code;
}

int Verify(const TeeVerifyArgs& a) {
  auto raw = ReadWhole(a.document, 4 * tee::kMaxDocumentBytes);
  if (!raw.ok()) return Fail(a, 2, raw.status().message());
  auto doc = DecodeDocument(*raw);
  if (!doc.ok()) return Fail(a, 2, doc.status().message());
  std::string root_pem(tee::AwsNitroRootG1Pem());
  if (!a.root.empty()) {
    auto pem = ReadWhole(a.root, 64 * 1024);
    if (!pem.ok()) return Fail(a, 2, pem.status().message());
    root_pem = *pem;
  }
  auto verifier = tee::AttestationVerifier::Create(root_pem);
  if (!verifier.ok()) return Fail(a, 2, verifier.status().message());
  int64_t at = SystemClock::Get()->NowUnixMillis();
  if (!a.at.empty()) {
    auto t = ParseTime(a.at);
    if (!t.ok()) return Fail(a, 2, t.status().message());
    at = *t;
  }
  std::optional<tee::Pcrs> expected;
  if (!a.expect_pcrs.empty()) {
    auto text = ReadWhole(a.expect_pcrs, 64 * 1024);
    if (!text.ok()) return Fail(a, 2, text.status().message());
    auto p = tee::ParseExpectedPcrs(*text);
    if (!p.ok()) return Fail(a, 2, p.status().message());
    expected = *p;
  }
  auto r = verifier->Verify(*doc, {at, a.allow_debug});
  if (!r.ok()) {
    // Show what the document claims when it at least parses.
    auto parsed = tee::ParseAttestation(*doc);
    json out = parsed.ok() ? Describe(parsed->document) : json::object();
    return Fail(
        a, 1, std::string(tee::AttestationErrorName(r.error())) + ": " + r.status().message(), out);
  }
  json out = Describe(*r);
  if (expected) {
    auto mismatches = tee::ComparePcrs(*expected, r->pcrs);
    if (!mismatches.empty()) {
      json list = json::array();
      for (const auto& m : mismatches)
        list.push_back(
            {{"index", m.index}, {"expected", m.expected_hex}, {"actual", m.actual_hex}});
      out["pcr_mismatches"] = list;
      return Fail(a, 1, "pcr_mismatch: " + tee::DescribeMismatches(mismatches), out);
    }
  }
  if (a.json) {
    out["valid"] = true;
    out["error"] = nullptr;
    std::cout << out.dump(2) << std::endl;
    return 0;
  }
  std::cout << "valid: module " << r->module_id << ", timestamp "
            << tee::DescribeUnixMillis(static_cast<int64_t>(r->timestamp_ms)) << ", digest "
            << r->digest << (r->debug_mode() ? ", DEBUG MODE" : "") << "\n";
  for (const auto& [i, v] : r->pcrs) std::cout << "PCR" << i << " " << HexEncode(v) << "\n";
  if (expected) std::cout << "expected PCRs: all " << expected->size() << " match\n";
  return 0;
}

}  // namespace

void RegisterTeeCommands(CLI::App& app, int& exit_code) {
  CLI::App* tee = app.add_subcommand("tee", "Trusted execution (Nitro Enclave) tools");
  tee->require_subcommand(1);
  auto args = std::make_shared<TeeVerifyArgs>();
  CLI::App* verify = tee->add_subcommand("verify", "Verify a Nitro attestation document");
  verify->add_option("--document", args->document, "Attestation document: raw CBOR, base64 or hex")
      ->required();
  verify->add_option("--root", args->root, "Root certificate PEM (default: AWS Nitro root G1)");
  verify->add_option("--at", args->at, "Verify at this time: RFC 3339 or Unix milliseconds");
  verify->add_option("--expect-pcrs", args->expect_pcrs,
                     "JSON {\"0\": \"hex\", ...} or nitro-cli describe-eif output");
  verify->add_flag("--allow-debug", args->allow_debug, "Accept debug-mode documents (PCR0-2 zero)");
  verify->add_flag("--json", args->json, "Machine-readable JSON output");
  verify->callback([args, &exit_code] { exit_code = Verify(*args); });
}

}  // namespace cc::cli
