#include "proto/record.hpp"

#include <cstdint>
#include <cstdio>

namespace quarry::contract {
namespace {

std::string join(std::string_view prefix, std::string_view rest) {
  std::string out{prefix};
  out += '.';
  out += rest;
  return out;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

} // namespace

std::string records_topic(std::string_view prefix, std::string_view source,
                          std::string_view stream) {
  std::string out = join(prefix, source);
  out += '.';
  out += stream;
  return out;
}

std::string state_topic(std::string_view prefix) { return join(prefix, "_state"); }
std::string schemas_topic(std::string_view prefix) { return join(prefix, "_schemas"); }
std::string runs_topic(std::string_view prefix) { return join(prefix, "_runs"); }
std::string quota_topic(std::string_view prefix) { return join(prefix, "_quota"); }

std::string state_key(std::string_view job, std::string_view stream, std::string_view partition) {
  std::string out = "[";
  append_json_string(out, job);
  out += ',';
  append_json_string(out, stream);
  out += ',';
  append_json_string(out, partition);
  out += ']';
  return out;
}

std::string pending_key(std::string_view job, std::string_view stream, std::string_view partition) {
  std::string out = state_key(job, stream, partition);
  out.pop_back();
  out += R"(,"pending"])";
  return out;
}

std::string snapshot_key(std::string_view job, std::string_view stream, std::string_view partition) {
  std::string out = state_key(job, stream, partition);
  out.pop_back();
  out += R"(,"snapshot"])";
  return out;
}

std::string failures_key(std::string_view job, std::string_view stream) {
  std::string out = state_key(job, stream, "");
  out.pop_back();
  out += R"(,"failures"])";
  return out;
}

std::string fingerprint(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

} // namespace quarry::contract
