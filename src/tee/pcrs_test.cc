#include "tee/pcrs.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace cc::tee {
namespace {

TEST(PcrComparison, ListsEachDifferingOrAbsentExpectedRegister) {
  Pcrs expected = {{0, std::string(48, 'a')}, {1, std::string(48, 'b')}, {8, std::string(48, 'c')}};
  Pcrs actual = {{0, std::string(48, 'a')}, {1, std::string(48, 'B')}, {3, std::string(48, 'z')}};
  auto m = ComparePcrs(expected, actual);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0],
            (PcrMismatch{1, HexEncode(std::string(48, 'b')), HexEncode(std::string(48, 'B'))}));
  EXPECT_EQ(m[1].index, 8u);
  EXPECT_EQ(m[1].actual_hex, "");
  EXPECT_NE(DescribeMismatches(m).find("PCR8 expected 6363"), std::string::npos);
  EXPECT_NE(DescribeMismatches(m).find("(absent)"), std::string::npos);
  EXPECT_TRUE(ComparePcrs(expected, expected).empty());
}

TEST(PcrComparison, ExpectedPcrsFileAcceptsPlainAndDescribeEifShapes) {
  std::string h0(96, 'a'), h2(96, 'B');
  auto plain = ParseExpectedPcrs(R"({"0": ")" + h0 + R"(", "2": ")" + h2 + R"("})");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->size(), 2u);
  EXPECT_EQ(plain->at(2), *HexDecode(h2));
  auto eif = ParseExpectedPcrs(R"({"EnclaveName": "x", "Measurements": {"HashAlgorithm":
      "Sha384 { ... }", "PCR0": ")" +
                               h0 + R"(", "PCR8": ")" + h2 + R"("}})");
  ASSERT_TRUE(eif.ok()) << eif.status().ToString();
  EXPECT_EQ(eif->count(0) + eif->count(8), 2u);
}

TEST(PcrComparison, ExpectedPcrsFileRejectsNonsense) {
  EXPECT_FALSE(ParseExpectedPcrs("not json").ok());
  EXPECT_FALSE(ParseExpectedPcrs("{}").ok());
  EXPECT_FALSE(ParseExpectedPcrs(R"({"0": "abcd"})").ok());  // wrong size
  EXPECT_FALSE(ParseExpectedPcrs(R"({"32": ")" + std::string(96, 'a') + R"("})").ok());
  EXPECT_FALSE(ParseExpectedPcrs(R"({"-1": ")" + std::string(96, 'a') + R"("})").ok());
  auto r = ParseExpectedPcrs(R"({"Measurements": {"PCRX": "00"}})");
  EXPECT_NE(r.status().message().find("PCRX"), std::string::npos);
}

}  // namespace
}  // namespace cc::tee
