// The TEE parts of the API's JSON: POST /api/v1/chamber/tee/blob over a
// fake seal service, and the status document's "tee" section.
#include <gtest/gtest.h>

#include "api/chamber_json.h"
#include "api/status_document.h"
#include "common/encoding.h"

namespace cc::api {
namespace {

using nlohmann::json;

// The "tee" section of the status document for a report holding `tee`.
json TeeSection(const seal::TeeReport& tee) {
  seal::StatusReport report;
  report.tee = tee;
  return json::parse(StatusDocument(report, {}))["tee"];
}

// Answers CreateTeeBlob with `blob` (or `error`); everything else is unused.
class FakeChamber final : public seal::ChamberService {
 public:
  seal::TeeBlobResult blob;
  ::cc::Status error;
  int calls = 0;

  seal::SealState State() const override { return seal::SealState::kUnsealed; }
  seal::StatusReport Status() const override { return {}; }
  Result<seal::InitResult> Init(const std::string&, const seal::InitRequest&) override {
    return Unused();
  }
  Result<seal::RegisterResult> Register(const seal::RegisterRequest&) override { return Unused(); }
  Result<seal::ChallengeResult> Challenge(const std::string&) override { return Unused(); }
  Result<seal::UnsealResult> Unseal(const seal::UnsealRequest&) override { return Unused(); }
  Result<seal::ResumeResult> Resume(const seal::ResumeRequest&) override { return Unused(); }
  Result<seal::SealResult> Seal(const seal::SealRequest&) override { return Unused(); }
  Result<seal::RootTokenResult> RootToken(const seal::RootTokenRequest&) override {
    return Unused();
  }
  Result<seal::TeeBlobResult> CreateTeeBlob(const seal::TeeBlobRequest& request) override {
    ++calls;
    EXPECT_FALSE(request.only_if_stale);  // an explicit request always writes
    if (!error.ok()) return error;
    return blob;
  }
  Result<records::AuthPolicy> CreatePolicy(const seal::PolicyWrite&) override { return Unused(); }
  Result<records::AuthPolicy> ReplacePolicy(const seal::PolicyWrite&) override { return Unused(); }
  ::cc::Status DeletePolicy(const seal::PolicyDelete&) override { return Unused(); }
  Result<seal::TokenCreated> CreateToken(const seal::TokenCreate&) override { return Unused(); }
  ::cc::Status RevokeToken(const seal::TokenRevoke&) override { return Unused(); }

 private:
  static ::cc::Status Unused() { return ::cc::Status::Internal("unused in this test"); }
};

TEST(TeeJson, CreateTeeBlobAnswersWhatTheBlobIsBoundTo) {
  FakeChamber chamber;
  chamber.blob = {
      true, {{0, std::string(48, '\xaa')}, {8, std::string(48, '\0')}},         3,
      2,    {"arn:aws:kms:us-east-1:1:key/a", "arn:aws:kms:us-east-1:1:key/b"}, 1700000000,
      42};
  ChamberJson api(chamber);
  auto r = api.CreateTeeBlob(json::object());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["written"], true);
  EXPECT_EQ((*r)["pcrs"]["0"], HexEncode(std::string(48, '\xaa')));
  EXPECT_EQ((*r)["pcrs"]["8"], std::string(96, '0'));
  EXPECT_EQ((*r)["mk_generation"], 3);
  EXPECT_EQ((*r)["kms_threshold"], 2);
  EXPECT_EQ((*r)["kms_keys"].size(), 2u);
  EXPECT_EQ((*r)["revision"], 42);
  // A body that is not an object is a 400 before the seal component sees it.
  EXPECT_EQ(api.CreateTeeBlob(json::array()).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(chamber.calls, 1);
  // The seal component's refusal passes through with its code (409 here).
  chamber.error = Status::Conflict("these keys cannot decrypt for an enclave: local:a");
  EXPECT_EQ(api.CreateTeeBlob(json::object()).status().code(), ErrorCode::kConflict);
}

TEST(TeeJson, StatusShowsTheBlobAndTheLastAttemptWithEveryDifferingPcr) {
  seal::TeeReport t;
  t.platform = "nitro";
  t.attestation = true;
  t.blob_present = true;
  t.blob_pcrs = {{0, std::string(48, '\x01')}};
  t.blob_mk_generation = 1;
  t.blob_kms_threshold = 2;
  t.blob_kms_keys = {"arn:aws:kms:us-east-1:1:key/a"};
  t.last_result = "pcr_mismatch";
  t.last_attempt_at = 1700000001;
  t.pcr_mismatches = {{0, "0101", "0202"}, {2, "0303", ""}};
  json j = TeeSection(t);
  EXPECT_EQ(j["platform"], "nitro");
  EXPECT_EQ(j["attestation"], true);
  EXPECT_EQ(j["blob"]["present"], true);
  EXPECT_EQ(j["blob"]["pcrs"]["0"], HexEncode(std::string(48, '\x01')));
  EXPECT_FALSE(j["blob"].contains("stale"));
  json last = j["last_auto_unseal"];
  EXPECT_EQ(last["result"], "pcr_mismatch");
  ASSERT_EQ(last["pcr_mismatches"].size(), 2u);
  EXPECT_EQ(last["pcr_mismatches"][0],
            (json{{"index", 0}, {"expected", "0101"}, {"actual", "0202"}}));
  EXPECT_EQ(last["pcr_mismatches"][1]["actual"], "");  // absent from the document
  // Never tried, no blob: no attempt section, and the blob says so.
  json none = TeeSection(seal::TeeReport{});
  EXPECT_EQ(none["platform"], "none");
  EXPECT_EQ(none["blob"], (json{{"present", false}}));
  EXPECT_FALSE(none.contains("last_auto_unseal"));
  // The status document carries it next to "seal", "state_backend" and "auth".
  json doc = json::parse(StatusDocument(seal::StatusReport{}, {}));
  for (const char* part : {"seal", "state_backend", "tee", "auth"})
    EXPECT_TRUE(doc.contains(part)) << part;
}

}  // namespace
}  // namespace cc::api
