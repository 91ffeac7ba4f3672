#include "api/text_escape.h"

#include <gtest/gtest.h>

namespace cc::api {
namespace {

TEST(DisplaySafeTest, PrintableUtf8PassesUnchanged) {
  EXPECT_EQ(DisplaySafe("/api/v1/eth2/sign/0xabc"), "/api/v1/eth2/sign/0xabc");
  EXPECT_EQ(DisplaySafe("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
}

TEST(DisplaySafeTest, ControlCharactersAndInvalidUtf8AreEscaped) {
  EXPECT_EQ(DisplaySafe(std::string("a\nb\rc\x1b[31m\x7f\0d", 13)),
            "a\\x0ab\\x0dc\\x1b[31m\\x7f\\x00d");
  EXPECT_EQ(DisplaySafe("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(DisplaySafe("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(DisplaySafe("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(DisplaySafe("\xc2\x85"), "\\xc2\\x85");           // C1 control (NEL)
  EXPECT_EQ(DisplaySafe("\xe2\x82"), "\\xe2\\x82");           // truncated sequence
  EXPECT_EQ(DisplaySafe("a\\b"), "a\\x5cb");
}

TEST(DisplaySafeTest, LongInputIsCut) {
  EXPECT_EQ(DisplaySafe(std::string(300, 'a'), 10), "aaaaaaaaaa...");
}

TEST(PercentDecodeTest, DecodesEscapesAndPlus) {
  EXPECT_EQ(PercentDecode("alice%20b+c%2F"), "alice b c/");
  EXPECT_EQ(PercentDecode("bad%zz%4"), "bad%zz%4");
}

}  // namespace
}  // namespace cc::api
