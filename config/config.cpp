#include "config/config.hpp"

#include "config/json_pointer.hpp"
#include "config/validation.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <set>
#include <system_error>

namespace quarry::config {
namespace {

using nlohmann::json;

// Tracks where the parser is, to name repeated object keys by pointer:
// nlohmann::json keeps the last of two equal keys silently, which would let
// a typo'd copy of a section override the real one.
class duplicate_key_finder {
 public:
  explicit duplicate_key_finder(std::vector<config_issue>& issues) : issues_(issues) {}

  bool on_event(json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        enter_element();
        frames_.push_back({false, 0, {}, {}});
        break;
      case json::parse_event_t::array_start:
        enter_element();
        frames_.push_back({true, 0, {}, {}});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        break;
      case json::parse_event_t::key:
        frames_.back().token = parsed.get<std::string>();
        if (!frames_.back().keys.insert(frames_.back().token).second)
          issues_.push_back({pointer(), "duplicate field; each name may appear once per object"});
        break;
      case json::parse_event_t::value:
        enter_element();
        break;
    }
    return true;
  }

 private:
  struct frame {
    bool is_array;
    std::size_t next_index;
    std::string token;  // the current key, or the current index as text
    std::set<std::string> keys;
  };

  // A value starts; inside an array that is the next element.
  void enter_element() {
    if (!frames_.empty() && frames_.back().is_array)
      frames_.back().token = std::to_string(frames_.back().next_index++);
  }

  std::string pointer() const {
    std::string out;
    for (const auto& f : frames_) out = pointer_append(out, f.token);
    return out;
  }

  std::vector<config_issue>& issues_;
  std::vector<frame> frames_;
};

// "invalid JSON at line L, column C: <what>". The position is that of the
// last character the parser read (e.byte, 1-based); the parser's own
// "last read: '...'" excerpt is dropped, as it may hold a secret typed inline.
std::string describe_syntax_error(const json::parse_error& e, std::string_view text) {
  const std::size_t index = std::min(e.byte == 0 ? 0 : e.byte - 1, text.size());
  const std::string_view before = text.substr(0, index);
  const std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const auto last_newline = before.rfind('\n');
  const std::size_t column = index + 1 - (last_newline == std::string_view::npos ? 0 : last_newline + 1);

  // what(): "[json.exception.parse_error.101] parse error at line 1, column 2: <detail>"
  const std::string what = e.what();
  const auto at = what.find(" at ");
  const auto colon = what.find(": ", at == std::string::npos ? 0 : at);
  std::string detail = colon == std::string::npos ? "syntax error" : what.substr(colon + 2);
  if (const auto excerpt = detail.find("; last read: '"); excerpt != std::string::npos) {
    const auto expected = detail.rfind("'; expected ");
    detail.erase(excerpt, expected == std::string::npos || expected < excerpt
                              ? std::string::npos
                              : expected + 1 - excerpt);
  }
  return "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
         ": " + detail;
}

} // namespace

namespace {

template <class Enum, std::size_t N>
using name_table = std::array<std::pair<std::string_view, Enum>, N>;

constexpr name_table<compression_codec, 5> compression_names{{{"none", compression_codec::none},
                                                               {"gzip", compression_codec::gzip},
                                                               {"snappy", compression_codec::snappy},
                                                               {"lz4", compression_codec::lz4},
                                                               {"zstd", compression_codec::zstd}}};
constexpr name_table<value_format, 3> format_names{{{"json", value_format::json},
                                                    {"connect_json", value_format::connect_json},
                                                    {"confluent_json_schema", value_format::confluent_json_schema}}};
constexpr name_table<connect_timestamps, 2> timestamp_names{{{"logical", connect_timestamps::logical},
                                                             {"string", connect_timestamps::string}}};
constexpr name_table<connect_nested, 2> nested_names{{{"struct", connect_nested::structs},
                                                      {"json", connect_nested::json}}};
constexpr name_table<log_severity, 5> severity_names{{{"trace", log_severity::trace},
                                                      {"debug", log_severity::debug},
                                                      {"info", log_severity::info},
                                                      {"warn", log_severity::warn},
                                                      {"error", log_severity::error}}};

} // namespace

enum_names<compression_codec> names_of(compression_codec) noexcept { return compression_names; }
enum_names<value_format> names_of(value_format) noexcept { return format_names; }
enum_names<connect_timestamps> names_of(connect_timestamps) noexcept { return timestamp_names; }
enum_names<connect_nested> names_of(connect_nested) noexcept { return nested_names; }
enum_names<log_severity> names_of(log_severity) noexcept { return severity_names; }

const property_value* account_config::credential(std::string_view field) const {
  const auto it = credentials.find(field);
  return it == credentials.end() ? nullptr : &it->second;
}

const account_config* quarry_config::find_account(std::string_view name) const {
  const auto it = std::find_if(accounts.begin(), accounts.end(),
                               [&](const auto& a) { return a.name == name; });
  return it == accounts.end() ? nullptr : &*it;
}

const job_config* quarry_config::find_job(std::string_view name) const {
  const auto it = std::find_if(jobs.begin(), jobs.end(),
                               [&](const auto& j) { return j.name == name; });
  return it == jobs.end() ? nullptr : &*it;
}

load_result parse(std::string_view json_text, const std::vector<source_rules>& sources,
                  secret_resolution secrets) {
  std::vector<config_issue> issues;
  json document;
  try {
    duplicate_key_finder duplicates(issues);
    document = json::parse(json_text.begin(), json_text.end(),
                           [&](int, json::parse_event_t event, json& parsed) {
                             return duplicates.on_event(event, parsed);
                           });
  } catch (const json::parse_error& e) {
    return std::vector<config_issue>{{"", describe_syntax_error(e, json_text)}};
  }
  quarry_config cfg = validate_document(document, sources, secrets, issues);
  if (!issues.empty()) return issues;
  return cfg;
}

std::string format_issues(const std::vector<config_issue>& issues) {
  std::string out;
  for (const auto& issue : issues) {
    if (!out.empty()) out += '\n';
    out += issue.pointer.empty() ? "config error: "
                                 : "config error at " + issue.pointer + ": ";
    out += issue.message;
  }
  return out;
}

config_error::config_error(std::string path, std::vector<config_issue> issues)
    : std::runtime_error("invalid config " + path + ":\n" + format_issues(issues)),
      path_(std::move(path)),
      issues_(std::move(issues)) {}

quarry_config load_file(const std::string& path, const std::vector<source_rules>& sources,
                        secret_resolution secrets) {
  const auto fail = [&](int err) {
    return config_error(path, {{"", "cannot read " + path + ": " +
                                        std::error_code(err, std::generic_category()).message()}});
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw fail(errno);
  std::string text;
  char buffer[8192];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get()))
    text.append(buffer, n);
  if (std::ferror(file.get())) throw fail(errno);

  auto parsed = parse(text, sources, secrets);
  if (auto* issues = std::get_if<std::vector<config_issue>>(&parsed))
    throw config_error(path, std::move(*issues));
  return std::get<quarry_config>(std::move(parsed));
}

} // namespace quarry::config
