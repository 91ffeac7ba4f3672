#include "tee/blob_seal.h"

#include <gtest/gtest.h>

namespace cc::tee {
namespace {

using crypto::SecretBytes;

Pcrs Selected(char seed) {
  return {{0, std::string(48, seed)}, {1, std::string(48, 'k')}, {2, std::string(48, 'a')}};
}

TEST(TeeBlobSeal, OpensWithTheSamePcrsAndChamber) {
  SecretBytes secret = SecretBytes::Random(200);
  auto sealed = SealToPcrs("chamber-1", Selected('x'), secret);
  ASSERT_TRUE(sealed.ok());
  Pcrs current = Selected('x');
  current[4] = std::string(48, 'i');  // registers outside the selection do not matter
  auto opened = OpenWithPcrs("chamber-1", Selected('x'), current, *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->Equals(secret));
}

TEST(TeeBlobSeal, DriftedPcrsFailWithTheDifferingList) {
  auto sealed = SealToPcrs("chamber-1", Selected('x'), SecretBytes::Random(32));
  ASSERT_TRUE(sealed.ok());
  Pcrs current = Selected('y');
  current.erase(2);
  std::vector<PcrMismatch> drift;
  auto r = OpenWithPcrs("chamber-1", Selected('x'), current, *sealed, &drift);
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  ASSERT_EQ(drift.size(), 2u);
  EXPECT_EQ(drift[0].index, 0u);
  EXPECT_EQ(drift[1].index, 2u);
  EXPECT_NE(r.status().message().find("PCR0 expected 7878"), std::string::npos)
      << r.status().message();
}

TEST(TeeBlobSeal, AnotherChamberOrTamperedBlobOrStoredListFailsAuthentication) {
  auto sealed = SealToPcrs("chamber-1", Selected('x'), SecretBytes::Random(32));
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(OpenWithPcrs("chamber-2", Selected('x'), Selected('x'), *sealed).status().code(),
            ErrorCode::kCorruption);
  std::string bad = *sealed;
  bad[20] ^= 1;
  EXPECT_EQ(OpenWithPcrs("chamber-1", Selected('x'), Selected('x'), bad).status().code(),
            ErrorCode::kCorruption);
  // Someone edits the stored list to the new measurements: the key changes too.
  EXPECT_EQ(OpenWithPcrs("chamber-1", Selected('y'), Selected('y'), *sealed).status().code(),
            ErrorCode::kCorruption);
  EXPECT_EQ(OpenWithPcrs("chamber-1", Selected('x'), Selected('x'), "short").status().code(),
            ErrorCode::kCorruption);
  EXPECT_FALSE(SealToPcrs("chamber-1", {}, SecretBytes::Random(8)).ok());
}

}  // namespace
}  // namespace cc::tee
