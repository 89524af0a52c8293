// json_text writes record JSON without a DOM; what it writes must parse, and
// parse to what nlohmann::json would have made of the same cells.

#include "connectors/core/json_text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace quarry::connectors {
namespace {

using nlohmann::json;
using json_text::kind;

std::string typed(std::string_view text, kind k) {
  std::string out;
  json_text::append_typed(out, text, k);
  return out;
}

std::string quoted(std::string_view text) {
  std::string out;
  json_text::append_string(out, text);
  return out;
}

TEST(json_text, strings_are_escaped_and_parse_back_unchanged) {
  for (std::string_view s : {"plain", "say \"hi\"", "back\\slash", "line\nbreak\r\ttab", "\x01\x1f",
                             "Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", ""}) {
    const auto parsed = json::parse(quoted(s));
    EXPECT_EQ(parsed.get<std::string>(), s) << quoted(s);
  }
}

TEST(json_text, bytes_that_are_not_utf8_become_replacement_characters) {
  // A lone continuation byte, a truncated sequence, an overlong form, a surrogate.
  for (std::string_view s : {"a\x80z", "a\xe6\x97", "a\xc0\xafz", "a\xed\xa0\x80z"}) {
    const auto text = quoted(s);
    const auto parsed = json::parse(text);  // throws if invalid UTF-8 slipped through
    EXPECT_NE(parsed.get<std::string>().find("\xEF\xBF\xBD"), std::string::npos) << text;
    EXPECT_EQ(parsed.get<std::string>().front(), 'a');
  }
}

TEST(json_text, cells_become_values_of_their_schema_type) {
  EXPECT_EQ(typed("", kind::integer), "null");
  EXPECT_EQ(typed("null", kind::string), "null");
  EXPECT_EQ(typed("42", kind::integer), "42");
  EXPECT_EQ(typed("-7.0", kind::integer), "-7");
  EXPECT_EQ(typed("12abc", kind::integer), "\"12abc\"");
  EXPECT_EQ(json::parse(typed("1.50", kind::number)).get<double>(), 1.5);
  EXPECT_EQ(typed("0x1A", kind::number), "\"0x1A\"");
  EXPECT_EQ(typed("inf", kind::number), "\"inf\"");
  EXPECT_EQ(typed("1", kind::boolean), "true");
  EXPECT_EQ(typed("false", kind::boolean), "false");
  EXPECT_EQ(typed("yes", kind::boolean), "\"yes\"");
  EXPECT_EQ(typed("[1,2]", kind::json), "[1,2]");
  EXPECT_EQ(typed("[1,", kind::json), "\"[1,\"");
  EXPECT_EQ(typed("a\"b", kind::string), "\"a\\\"b\"");
}

TEST(json_text, kind_follows_the_first_non_null_type_of_a_property) {
  EXPECT_EQ(json_text::kind_of(json{{"type", {"integer", "null"}}}), kind::integer);
  EXPECT_EQ(json_text::kind_of(json{{"type", {"null", "boolean"}}}), kind::boolean);
  EXPECT_EQ(json_text::kind_of(json{{"type", "number"}}), kind::number);
  EXPECT_EQ(json_text::kind_of(json{{"type", {"array", "null"}}}), kind::json);
  EXPECT_EQ(json_text::kind_of(json{{"type", "string"}, {"format", "date-time"}}), kind::string);
  EXPECT_EQ(json_text::kind_of(json::object()), kind::string);
  EXPECT_EQ(json_text::key("a b"), "\"a b\":");
}

} // namespace
} // namespace quarry::connectors
