#include "api/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

namespace cc::api {
namespace {

using nlohmann::json;

std::string Quoted(std::string_view s) {
  JsonWriter w;
  w.String(s);
  return w.Take();
}

TEST(JsonWriter, NestsWithCommasOnlyBetweenMembers) {
  JsonWriter w;
  w.BeginObject()
      .Field("a", 1)
      .Key("b")
      .BeginArray()
      .Int(-2)
      .BeginObject()
      .EndObject()
      .BeginArray()
      .EndArray()
      .Bool(false)
      .EndArray()
      .Key("c")
      .BeginObject()
      .Field("d", "e")
      .Field("f", uint64_t{18446744073709551615u})
      .EndObject()
      .EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[-2,{},[],false],"c":{"d":"e","f":18446744073709551615}})");
  EXPECT_NO_THROW(json::parse(w.str()));
}

TEST(JsonWriter, EscapesQuotesBackslashesAndEveryControlCharacter) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all += static_cast<char>(c);
  std::string out = Quoted(all);
  for (char c : out.substr(1, out.size() - 2)) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
  EXPECT_EQ(json::parse(out).get<std::string>(), all);
  EXPECT_EQ(Quoted("a\"b\\c\n"), R"("a\"b\\c\n")");
  EXPECT_EQ(Quoted(std::string("\0\x1f", 2)), R"("\u0000\u001f")");
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesEveryByteThatIsNot) {
  const std::string valid = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91 \xF4\x8F\xBF\xBF";
  EXPECT_EQ(json::parse(Quoted(valid)).get<std::string>(), valid);
  const std::string fffd = "\xEF\xBF\xBD";
  struct Case {
    std::string in, want;
  } cases[] = {
      {"\xFF", fffd},                                   // never a UTF-8 byte
      {"\xC0\xAF", fffd + fffd},                        // overlong '/'
      {"\xE0\x80\xAF", fffd + fffd + fffd},             // overlong, three bytes
      {"\xED\xA0\x80", fffd + fffd + fffd},             // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},  // past U+10FFFF
      {"x\xE2\x82", "x" + fffd + fffd},                 // cut short at the end
      {"\xE2\x82x", fffd + fffd + "x"},                 // cut short before ASCII
  };
  for (const auto& c : cases) {
    std::string out = Quoted(c.in);
    EXPECT_EQ(json::parse(out).get<std::string>(), c.want) << out;
  }
}

TEST(JsonWriter, AnyBytesGiveADocumentThatParses) {
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    std::string s(rng() % 40, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    JsonWriter w;
    w.BeginObject().Field(s, s).EndObject();
    json j;
    ASSERT_NO_THROW(j = json::parse(w.str())) << w.str();
    // Whatever survives is exactly what nlohmann keeps when it replaces.
    std::string theirs = json(s).dump(-1, ' ', false, json::error_handler_t::replace);
    if (json::parse(theirs).get<std::string>() == s) {
      EXPECT_EQ(j.begin().value().get<std::string>(), s);  // valid input round-trips
    }
  }
}

TEST(JsonWriter, DoublesReadBackExactlyAndStayDoubles) {
  for (double d : {0.0, 0.999253901, 1e-9, 123456.789, 2.0, -3.5, 1e300}) {
    JsonWriter w;
    w.Double(d);
    json j = json::parse(w.str());
    EXPECT_TRUE(j.is_number_float()) << w.str();
    EXPECT_EQ(j.get<double>(), d) << w.str();
  }
  JsonWriter nan;
  nan.BeginArray().Double(std::nan("")).Double(std::numeric_limits<double>::infinity()).EndArray();
  EXPECT_EQ(nan.str(), "[null,null]");
}

}  // namespace
}  // namespace cc::api
