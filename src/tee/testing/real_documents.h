// TEST ONLY: the AWS-signed attestation documents in tests/data/nitro (see its
// README for sources), decoded to raw COSE_Sign1 bytes, with their timestamps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cc::tee::testing {

struct RealDocument {
  std::string file;          // under tests/data/nitro
  int64_t timestamp_ms = 0;  // the document's own timestamp
  bool debug = false;
};

// 2022-10-13 (raw CBOR), 2024-09-07 and 2024-09-07-debug (base64).
const std::vector<RealDocument>& RealDocuments();
// Raw COSE bytes of `doc` (base64 files decoded); throws if the file is missing.
std::string LoadRealDocument(const RealDocument& doc);
std::string TestDataPath(const std::string& file);

}  // namespace cc::tee::testing
