// The streaming CSV reader: every case is parsed whole, split in two at every
// byte offset, and byte by byte; all must deliver the same rows and problems.

#include "connectors/core/csv_reader.hpp"
#include "connectors/core/md5.hpp"
#include "connectors/core/sha256.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using quarry::csv::options;
using quarry::csv::position;
using quarry::csv::problem;
using quarry::csv::reader;
using quarry::csv::row;
using rows_t = std::vector<std::vector<std::string>>;

struct parsed {
  rows_t rows;
  std::vector<std::int64_t> lines;
  std::vector<std::pair<std::int64_t, std::string>> problems;
  bool operator==(const parsed&) const = default;
};

parsed parse(std::string_view text, const std::vector<std::size_t>& cuts, options opts = {}) {
  parsed out;
  reader r(
      opts,
      [&](const row& row) {
        out.rows.push_back(row.fields);
        out.lines.push_back(row.line);
        return true;
      },
      [&](const problem& p) { out.problems.emplace_back(p.line, p.message); });
  std::size_t at = 0;
  for (auto cut : cuts) {
    r.feed(text.substr(at, cut - at));
    at = cut;
  }
  r.feed(text.substr(at));
  r.finish();
  return out;
}

struct csv_case {
  const char* name;
  std::string input;
  rows_t rows;
  std::vector<std::int64_t> lines;
  std::vector<std::pair<std::int64_t, std::string>> problems;  // line, message prefix
};

const std::vector<csv_case>& cases() {
  using namespace std::string_literals;
  static const std::vector<csv_case> table{
      {"lf", "a,b\n1,2\n", {{"a", "b"}, {"1", "2"}}, {1, 2}, {}},
      {"crlf", "a,b\r\n1,2\r\n", {{"a", "b"}, {"1", "2"}}, {1, 2}, {}},
      {"cr", "a,b\r1,2\r", {{"a", "b"}, {"1", "2"}}, {1, 2}, {}},
      {"no final newline", "a,b\n1,2", {{"a", "b"}, {"1", "2"}}, {1, 2}, {}},
      {"quoted comma and doubled quotes", "a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n",
       {{"a", "b"}, {"x,y", "he said \"hi\""}}, {1, 2}, {}},
      {"embedded newlines", "a,b\n\"l1\nl2\",\"c\r\nd\"\n\"e\rf\",4\n3,4\n",
       {{"a", "b"}, {"l1\nl2", "c\r\nd"}, {"e\rf", "4"}, {"3", "4"}}, {1, 2, 5, 7}, {}},
      {"utf-8", "a,b\n\xD0\xB6,\"\xE6\x97\xA5\xE6\x9C\xAC,\xF0\x9F\x98\x80\"\n",
       {{"a", "b"}, {"\xD0\xB6", "\xE6\x97\xA5\xE6\x9C\xAC,\xF0\x9F\x98\x80"}}, {1, 2}, {}},
      {"nul stripped", "a,b\n1\0,\"2\0\"\n"s, {{"a", "b"}, {"1", "2"}}, {1, 2}, {}},
      {"empty fields", "a,b,c\n,,\n\"\",x,\n", {{"a", "b", "c"}, {"", "", ""}, {"", "x", ""}}, {1, 2, 3}, {}},
      {"blank lines skipped", "a,b\n\n1,2\r\n\r\n3,4\n", {{"a", "b"}, {"1", "2"}, {"3", "4"}}, {1, 3, 5}, {}},
      {"quote in unquoted field", "a,b\n1,x\"y\n3,4\n", {{"a", "b"}, {"3", "4"}}, {1, 3},
       {{2, "quote in unquoted field"}}},
      {"text after closing quote", "a,b\n\"x\"y,2\n5,6\n", {{"a", "b"}, {"5", "6"}}, {1, 3},
       {{2, "text after closing quote"}}},
      {"wrong field count", "a,b\n1,2,3\n4\n5,6\n", {{"a", "b"}, {"5", "6"}}, {1, 4},
       {{2, "expected 2 fields, got 3"}, {3, "expected 2 fields, got 1"}}},
      {"unterminated quote at eof", "a,b\n1,2\n3,\"abc\ndef\n", {{"a", "b"}, {"1", "2"}}, {1, 2},
       {{3, "unterminated quote"}}},
      {"malformed row spanning lines", "a,b\n\"x\ny\"z,1\n7,8\n", {{"a", "b"}, {"7", "8"}}, {1, 4},
       {{2, "text after closing quote"}}},
  };
  return table;
}

void check(const csv_case& c, const parsed& got, const std::string& how) {
  SCOPED_TRACE(std::string(c.name) + " " + how);
  EXPECT_EQ(got.rows, c.rows);
  EXPECT_EQ(got.lines, c.lines);
  ASSERT_EQ(got.problems.size(), c.problems.size());
  for (std::size_t i = 0; i < c.problems.size(); ++i) {
    EXPECT_EQ(got.problems[i].first, c.problems[i].first);
    EXPECT_EQ(got.problems[i].second.rfind(c.problems[i].second, 0), 0u) << got.problems[i].second;
  }
}

TEST(csv_reader, cases_whole) {
  for (const auto& c : cases()) check(c, parse(c.input, {}), "whole");
}

TEST(csv_reader, cases_split_at_every_offset) {
  for (const auto& c : cases())
    for (std::size_t cut = 0; cut <= c.input.size(); ++cut)
      check(c, parse(c.input, {cut}), "cut at " + std::to_string(cut));
}

TEST(csv_reader, cases_byte_by_byte) {
  for (const auto& c : cases()) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < c.input.size(); ++i) cuts.push_back(i);
    check(c, parse(c.input, cuts), "byte by byte");
  }
}

// A tricky sample split at every pair of offsets (three chunks).
TEST(csv_reader, tricky_sample_split_in_three_everywhere) {
  const std::string text =
      "id,note\r\n1,\"a,\"\"b\"\"\r\nc\"\r\n2,\xE6\x97\xA5\r\n3,\"x\ry\"\r\n4,z";
  const auto whole = parse(text, {});
  ASSERT_EQ(whole.rows.size(), 5u);
  EXPECT_EQ(whole.rows[1][1], "a,\"b\"\r\nc");
  EXPECT_EQ(whole.lines, (std::vector<std::int64_t>{1, 2, 4, 5, 7}));
  for (std::size_t i = 0; i <= text.size(); ++i)
    for (std::size_t j = i; j <= text.size(); ++j) ASSERT_EQ(parse(text, {i, j}), whole) << i << "," << j;
}

TEST(csv_reader, oversized_row_is_reported_and_the_rest_delivered) {
  options opts;
  opts.max_row_bytes = 8;
  const auto got = parse("a,b\n\"0123456789\nabc\",1\n5,6\n", {3, 9, 15}, opts);
  EXPECT_EQ(got.rows, (rows_t{{"a", "b"}, {"5", "6"}}));
  ASSERT_EQ(got.problems.size(), 1u);
  EXPECT_EQ(got.problems[0].first, 2);
  EXPECT_EQ(got.problems[0].second, "row exceeds 8 bytes");
}

TEST(csv_reader, stops_when_the_sink_says_so) {
  int seen = 0;
  reader r({}, [&](const row&) { return ++seen < 2; }, {});
  EXPECT_FALSE(r.feed("a\nb\nc\n"));
  EXPECT_EQ(seen, 2);
  EXPECT_FALSE(r.finish());
}

TEST(csv_reader, problem_describe_names_line_and_excerpt) {
  std::string text;
  reader r({}, [](const row&) { return true; }, [&](const problem& p) { text = p.describe(); });
  (void)r.feed("a,b\nxy,q\"z\n");
  (void)r.finish();
  EXPECT_EQ(text, "line 2: quote in unquoted field: \"xy,q\"");
}

// Resuming at any row boundary yields the rest of the rows.
TEST(csv_reader, resumes_from_every_row_boundary) {
  const std::string text = "h1,h2\r\n1,\"x\r\ny\"\r\n\r\n2,b\r3,c\n4,\"d\"\r\n5,e";
  // First pass: every row with the position just past it.
  std::vector<position> positions;
  std::vector<std::pair<std::vector<std::string>, std::int64_t>> all;
  std::unique_ptr<reader> self;
  self = std::make_unique<reader>(options{}, [&](const row& row) {
    all.emplace_back(row.fields, row.line);
    positions.push_back(self->position_now());
    return true;
  }, reader::problem_sink{});
  (void)self->feed(text);
  (void)self->finish();
  ASSERT_EQ(positions.size(), all.size());
  for (std::size_t k = 0; k + 1 < positions.size(); ++k) {
    SCOPED_TRACE("resume after row " + std::to_string(k));
    options opts;
    opts.start = positions[k];
    opts.expected_fields = 2;
    std::vector<std::pair<std::vector<std::string>, std::int64_t>> rest;
    reader again(opts, [&](const row& row) {
      rest.emplace_back(row.fields, row.line);
      return true;
    }, {});
    const auto from = static_cast<std::size_t>(positions[k].offset);
    for (std::size_t i = from; i < text.size(); ++i) (void)again.feed(text.substr(i, 1));
    (void)again.finish();
    EXPECT_EQ(rest, decltype(rest)(all.begin() + static_cast<std::ptrdiff_t>(k) + 1, all.end()));
  }
}

TEST(md5, known_digests_in_lower_case_hex) {
  EXPECT_EQ(quarry::hash::md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(quarry::hash::md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(sha256, known_digests_and_saved_state) {
  using quarry::hash::sha256;
  EXPECT_EQ(quarry::hash::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(quarry::hash::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(quarry::hash::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string text(1000, 'x');
  for (std::size_t cut : {0, 1, 63, 64, 65, 500, 999, 1000}) {
    sha256 a;
    a.update(std::string_view(text).substr(0, cut));
    auto b = sha256::restore(a.save());
    ASSERT_TRUE(b) << cut;
    b->update(std::string_view(text).substr(cut));
    EXPECT_EQ(b->hex_digest(), quarry::hash::sha256_hex(text)) << cut;
  }
  EXPECT_FALSE(sha256::restore("nonsense"));
}

} // namespace
