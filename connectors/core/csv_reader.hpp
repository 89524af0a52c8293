#pragma once

// A streaming RFC 4180 CSV parser for bulk export files.
//
// Fed the bytes of a file in chunks as they arrive (`feed`, then `finish`
// once), it calls `on_row` once per complete row, in order, with the row's
// fields and the 1-based physical line where the row started. Memory stays
// bounded: only the current partial row is buffered, and a row larger than
// `max_row_bytes` is reported as a problem (its bytes are dropped while the
// parser still tracks quoting to find where it ends).
//
// Accepted: quoted fields with delimiters, doubled quotes ("") inside quotes,
// CR, LF or CRLF inside quotes (kept verbatim), CR, LF or CRLF row ends, a
// chunk boundary anywhere (inside a quote, between CR and LF, inside a UTF-8
// sequence: the parser works on bytes and never decodes), a missing final
// newline.
//
// Decisions:
//  - NUL bytes are stripped everywhere (strip_nul, default on). Marketo text
//    never holds a meaningful NUL, and peers fail on them ("line contains
//    NUL"); stripping keeps the row. Offsets still count the raw bytes.
//  - Blank lines (no byte between two row ends) are skipped, not delivered.
//    Marketo writes empty values as `null`, so a blank line carries nothing.
//
// Malformed rows are reported through `on_problem` with the row's line and a
// short excerpt, and are NOT delivered; parsing continues with the next row:
//  - a quote inside an unquoted field          ("quote in unquoted field")
//  - a character after a closing quote          ("text after closing quote")
//  - an unterminated quote at end of input      ("unterminated quote")
//  - a row above max_row_bytes                  ("row exceeds N bytes")
//  - a field count unlike the first (header) row, when check_field_count
//
// Resuming: `position()` (valid inside on_row, and after feed returns) is the
// raw byte offset just past the last delivered or skipped row, with the line
// number and CR state needed to continue there. A reader constructed with
// that position in its options continues a file from that offset (e.g. a
// download resumed with a Range request); give it the header row's field
// count in `expected_fields` since the header is not read again.
//
// Threading: not thread-safe; one reader per file, used by one thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::csv {

struct position {
  std::int64_t offset = 0;  // raw bytes of the file before this point
  std::int64_t line = 1;    // physical line at this point (1-based)
  bool after_cr = false;    // the byte before was a row-ending CR: skip one LF
};

struct options {
  char delimiter = ',';
  std::size_t max_row_bytes = std::size_t{16} << 20;
  bool strip_nul = true;
  // Rows whose field count differs from expected_fields (or, when it is 0,
  // from the first row delivered) are malformed.
  bool check_field_count = true;
  std::size_t expected_fields = 0;
  // Where the bytes fed start in the file (see "Resuming").
  position start{};
};

struct row {
  const std::vector<std::string>& fields;
  std::int64_t line;
};

struct problem {
  std::int64_t line;
  std::string message;  // e.g. "quote in unquoted field"
  std::string excerpt;  // at most 80 bytes of the row as parsed so far
  std::string describe() const;  // "line 7: quote in unquoted field: \"ab\"c\""
};

class reader {
 public:
  // on_row returns false to stop: feed/finish then return false at once.
  using row_sink = std::function<bool(const row&)>;
  using problem_sink = std::function<void(const problem&)>;

  reader(options opts, row_sink on_row, problem_sink on_problem);

  // False when on_row asked to stop (nothing more is parsed afterwards).
  bool feed(std::string_view chunk);
  // Ends the input: delivers a last row without a final newline, reports an
  // unterminated quote. Call once.
  bool finish();

  position position_now() const { return resume_; }
  std::int64_t rows_delivered() const { return rows_; }
  std::int64_t problems() const { return problems_; }

 private:
  enum class state { field_start, unquoted, quoted, quote_in_quoted, after_cr };

  void append(char c);
  void append_run(std::string_view run);  // bytes with nothing special in them
  void end_field();
  bool end_row();          // false: stop
  void fail(std::string message);
  void reset_row();

  options opts_;
  row_sink on_row_;
  problem_sink on_problem_;

  state state_ = state::field_start;
  std::vector<std::string> fields_;
  std::vector<std::string> spare_;  // strings of earlier rows, reused (no allocation per field)
  std::string field_;
  std::size_t row_bytes_ = 0;
  bool row_started_ = false;     // a byte of this row was seen
  std::int64_t row_line_ = 1;
  std::string error_;            // first problem of the current row
  std::string excerpt_;          // of the current row if it failed
  bool overflow_ = false;

  std::int64_t offset_ = 0;      // raw bytes consumed
  std::int64_t line_ = 1;        // line of the next byte
  bool prev_cr_ = false;         // for line counting across chunks
  position resume_{};
  std::int64_t rows_ = 0;
  std::int64_t problems_ = 0;
  bool stopped_ = false;
  bool finished_ = false;
};

} // namespace quarry::csv
