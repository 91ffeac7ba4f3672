// TEST ONLY: a Nitro-like attestation issuer. It makes a test PKI at run time
// (P-384 root → intermediate → leaf, with OpenSSL) and signs real COSE_Sign1
// ES384 documents with chosen PCRs, timestamp, public key, nonce and user data,
// so the verifier, the KMS double and the CLI run on genuine signatures.
// Nothing here is trusted by production code: its root is never the AWS root.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tee/attestation.h"
#include "tee/attestor.h"

namespace cc::tee::testing {

// root → intermediate → leaf; leaf valid for 3 hours from `created_at_ms`
// minus a minute, CAs for years around it (as AWS's chain is).
class TestPki {
 public:
  explicit TestPki(int64_t created_at_ms, const std::string& name = "test.nitro-enclaves");
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // Writes the three certificates and keys (PEM) and the creation time to
  // `dir`; Load reads them back, so several processes share one test PKI.
  Status Save(const std::string& dir) const;
  static Result<std::unique_ptr<TestPki>> Load(const std::string& dir);

  std::string RootPem() const;
  std::string RootDer() const;
  std::string IntermediateDer() const;
  std::string LeafDer() const;
  // ES384 over `message`: r || s, 96 bytes.
  std::string SignWithLeaf(const std::string& message) const;
  int64_t created_at_ms() const { return created_at_ms_; }

 private:
  struct Impl;
  TestPki(std::unique_ptr<Impl> impl, int64_t created_at_ms);
  std::unique_ptr<Impl> impl_;
  int64_t created_at_ms_;
};

// Every field of a document; tests change any of them to make bad documents.
struct DocumentFields {
  std::string module_id = "i-0123456789abcdef0-enc0123456789abcdef";
  std::string digest = "SHA384";
  uint64_t timestamp_ms = 0;
  Pcrs pcrs;
  std::string certificate;
  std::vector<std::string> cabundle;
  std::optional<std::string> public_key, user_data, nonce;
};

// PCR0..15 of 48 bytes; PCR0-2 from `seed` (non-zero), the rest zero.
Pcrs SamplePcrs(char seed = 'a');

// CBOR map of the fields (keys in the order AWS emits them).
std::string EncodePayload(const DocumentFields& fields);
// COSE_Sign1 [protected, {}, payload, signature] signed by the PKI's leaf;
// `protected_header` defaults to {1: -35} (ES384).
std::string SignCose(const TestPki& pki, const std::string& payload,
                     std::optional<std::string> protected_header = std::nullopt);

class TestAttestor final : public Attestor {
 public:
  TestAttestor(const TestPki& pki, Pcrs pcrs) : pki_(pki), pcrs_(std::move(pcrs)) {}
  // Fields with this PKI's chain, PCRs and timestamp, ready to tweak.
  DocumentFields Fields() const;
  std::string Make(const DocumentFields& fields) const;
  Result<std::string> Attest(std::string_view public_key_der, std::string_view nonce,
                             std::string_view user_data) override;

 private:
  const TestPki& pki_;
  Pcrs pcrs_;
};

}  // namespace cc::tee::testing
