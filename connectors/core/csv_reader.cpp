#include "connectors/core/csv_reader.hpp"

#include <utility>

namespace quarry::csv {

std::string problem::describe() const {
  return "line " + std::to_string(line) + ": " + message + ": \"" + excerpt + "\"";
}

reader::reader(options opts, row_sink on_row, problem_sink on_problem)
    : opts_(std::move(opts)), on_row_(std::move(on_row)), on_problem_(std::move(on_problem)) {
  offset_ = opts_.start.offset;
  line_ = opts_.start.line;
  prev_cr_ = opts_.start.after_cr;
  resume_ = opts_.start;
  if (opts_.start.after_cr) state_ = state::after_cr;
}

void reader::append(char c) { append_run(std::string_view(&c, 1)); }

void reader::append_run(std::string_view run) {
  if (overflow_) return;
  row_bytes_ += run.size();
  if (row_bytes_ > opts_.max_row_bytes) {
    fail("row exceeds " + std::to_string(opts_.max_row_bytes) + " bytes");
    overflow_ = true;
    fields_.clear();
    fields_.shrink_to_fit();
    field_.clear();
    field_.shrink_to_fit();
    return;
  }
  field_.append(run);
}

void reader::end_field() {
  if (overflow_) return;
  if (spare_.empty()) {
    fields_.push_back(field_);
  } else {
    fields_.push_back(std::move(spare_.back()));
    spare_.pop_back();
    fields_.back().assign(field_);
  }
  field_.clear();
}

void reader::fail(std::string message) {
  if (!error_.empty()) return;
  error_ = std::move(message);
  std::string text;
  for (const auto& f : fields_) {
    if (text.size() >= 80) break;
    text += f;
    text += opts_.delimiter;
  }
  text += field_;
  excerpt_ = text.substr(0, 80);
}

void reader::reset_row() {
  for (auto& f : fields_) spare_.push_back(std::move(f));
  fields_.clear();
  field_.clear();
  row_bytes_ = 0;
  row_started_ = false;
  error_.clear();
  excerpt_.clear();
  overflow_ = false;
}

bool reader::end_row() {
  if (error_.empty() && opts_.check_field_count) {
    if (opts_.expected_fields == 0) {
      opts_.expected_fields = fields_.size();
    } else if (fields_.size() != opts_.expected_fields) {
      fail("expected " + std::to_string(opts_.expected_fields) + " fields, got " +
           std::to_string(fields_.size()));
    }
  }
  if (!error_.empty()) {
    ++problems_;
    if (on_problem_) on_problem_(problem{row_line_, error_, excerpt_});
    reset_row();
    return true;
  }
  ++rows_;
  const bool go_on = on_row_ ? on_row_(row{fields_, row_line_}) : true;
  reset_row();
  if (!go_on) stopped_ = true;
  return go_on;
}

bool reader::feed(std::string_view chunk) {
  if (stopped_) return false;
  const char delim = opts_.delimiter;
  // Inside a field, bytes that are neither a delimiter, a quote, a line
  // break nor NUL go in as one run: most bytes of a file.
  auto plain = [&](char c) {
    return c != '"' && c != '\n' && c != '\r' && c != '\0' && (state_ == state::quoted || c != delim);
  };
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    const char c = chunk[i];
    if ((state_ == state::unquoted || state_ == state::quoted) && plain(c)) {
      std::size_t end = i + 1;
      while (end < chunk.size() && plain(chunk[end])) ++end;
      append_run(chunk.substr(i, end - i));
      offset_ += static_cast<std::int64_t>(end - i);
      prev_cr_ = false;
      i = end - 1;
      continue;
    }
    ++offset_;
    if (c == '\0' && opts_.strip_nul) continue;
    const bool is_cr = c == '\r';
    const bool is_lf = c == '\n';
    const std::int64_t line_of_byte = line_;
    if (is_cr || (is_lf && !prev_cr_)) ++line_;
    prev_cr_ = is_cr;

    if (state_ == state::after_cr) {
      state_ = state::field_start;
      if (is_lf) {
        resume_ = {offset_, line_, false};
        continue;
      }
    }
    const bool ends_row = is_cr || is_lf;
    auto finish_row = [&] {
      end_field();
      resume_ = {offset_, line_, is_cr};
      state_ = is_cr ? state::after_cr : state::field_start;
      return end_row();
    };
    switch (state_) {
      case state::field_start:
        if (ends_row && !row_started_) {  // a blank line: skipped
          resume_ = {offset_, line_, is_cr};
          if (is_cr) state_ = state::after_cr;
          break;
        }
        if (!row_started_) {
          row_started_ = true;
          row_line_ = line_of_byte;
        }
        if (c == '"') {
          ++row_bytes_;
          state_ = state::quoted;
        } else if (c == delim) {
          end_field();
        } else if (ends_row) {
          if (!finish_row()) return false;
        } else {
          append(c);
          state_ = state::unquoted;
        }
        break;
      case state::unquoted:
        if (c == delim) {
          end_field();
          state_ = state::field_start;
        } else if (ends_row) {
          if (!finish_row()) return false;
        } else {
          if (c == '"') fail("quote in unquoted field");
          append(c);
        }
        break;
      case state::quoted:
        if (c == '"')
          state_ = state::quote_in_quoted;
        else
          append(c);
        break;
      case state::quote_in_quoted:
        if (c == '"') {
          append('"');
          state_ = state::quoted;
        } else if (c == delim) {
          end_field();
          state_ = state::field_start;
        } else if (ends_row) {
          if (!finish_row()) return false;
        } else {
          fail("text after closing quote");
          append(c);
          state_ = state::unquoted;
        }
        break;
      case state::after_cr:
        break;  // handled above
    }
  }
  return true;
}

bool reader::finish() {
  if (stopped_ || finished_) return !stopped_;
  finished_ = true;
  if (!row_started_) return true;
  if (state_ == state::quoted) fail("unterminated quote");
  end_field();
  resume_ = {offset_, line_, false};
  state_ = state::field_start;
  return end_row();
}

} // namespace quarry::csv
