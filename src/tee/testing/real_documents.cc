#include "tee/testing/real_documents.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/encoding.h"

namespace cc::tee::testing {

const std::vector<RealDocument>& RealDocuments() {
  static const std::vector<RealDocument> kDocs = {
      {"doc-2022-10-13.cbor", 1665651482136, false},
      {"doc-2024-09-07.b64", 1725719859545, false},
      {"doc-2024-09-07-debug.b64", 1725719886508, true},
  };
  return kDocs;
}

std::string TestDataPath(const std::string& file) {
  return std::string(CC_TEE_TESTDATA) + "/" + file;
}

std::string LoadRealDocument(const RealDocument& doc) {
  std::ifstream in(TestDataPath(doc.file), std::ios::binary);
  if (!in) throw std::runtime_error("missing test document " + doc.file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  if (doc.file.size() > 4 && doc.file.substr(doc.file.size() - 4) == ".b64") {
    std::string compact;
    for (char c : bytes)
      if (c != '\n' && c != '\r' && c != ' ') compact += c;
    auto decoded = Base64Decode(compact);
    if (!decoded) throw std::runtime_error("bad base64 in " + doc.file);
    return *decoded;
  }
  return bytes;
}

}  // namespace cc::tee::testing
