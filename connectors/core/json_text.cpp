#include "connectors/core/json_text.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>

namespace quarry::connectors::json_text {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD


bool is_null_text(std::string_view text) { return text.empty() || text == "null"; }

} // namespace

std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  unsigned min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) n = 2, min = 0x80;
  else if (b0 >= 0xE0 && b0 <= 0xEF) n = 3, min = 0x800;
  else if (b0 >= 0xF0 && b0 <= 0xF4) n = 4, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  unsigned cp = b0 & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

kind kind_of(const nlohmann::json& property) {
  if (!property.is_object()) return kind::string;
  const auto it = property.find("type");
  if (it == property.end()) return kind::string;
  auto pick = [](const nlohmann::json& t) -> int {
    if (!t.is_string()) return -1;
    const auto& s = t.get_ref<const std::string&>();
    if (s == "integer") return static_cast<int>(kind::integer);
    if (s == "number") return static_cast<int>(kind::number);
    if (s == "boolean") return static_cast<int>(kind::boolean);
    if (s == "array" || s == "object") return static_cast<int>(kind::json);
    if (s == "string") return static_cast<int>(kind::string);
    return -1;
  };
  if (it->is_array()) {
    for (const auto& t : *it)
      if (const int k = pick(t); k >= 0 && k != static_cast<int>(kind::string)) return static_cast<kind>(k);
    return kind::string;
  }
  const int k = pick(*it);
  return k < 0 ? kind::string : static_cast<kind>(k);
}

void append_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t run = 0;  // start of the pending run of bytes copied as they are
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const auto n = utf8_length(text, i); n > 0) {
        i += n;
        continue;
      }
    }
    out.append(text.substr(run, i - run));
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += replacement;  // not UTF-8
        }
    }
    run = ++i;
  }
  out.append(text.substr(run));
  out += '"';
}

std::string key(std::string_view name) {
  std::string out;
  append_string(out, name);
  out += ':';
  return out;
}

void append_typed(std::string& out, std::string_view text, kind k) {
  if (is_null_text(text)) {
    out += "null";
    return;
  }
  switch (k) {
    case kind::string:
      break;
    case kind::integer: {
      const auto digits = text.substr(0, text.find('.'));
      std::int64_t v = 0;
      const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec == std::errc{} && p == digits.data() + digits.size() && !digits.empty()) {
        char buf[24];
        out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
        return;
      }
      break;
    }
    case kind::number: {
      // Decimal or scientific only (no hex, no leading '+' or spaces).
      double v = 0;
      const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc{} && p == text.data() + text.size() && std::isfinite(v)) {
        char buf[32];
        out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
        return;
      }
      break;
    }
    case kind::boolean:
      if (text == "true" || text == "1") {
        out += "true";
        return;
      }
      if (text == "false" || text == "0") {
        out += "false";
        return;
      }
      break;
    case kind::json:
      if (nlohmann::json::accept(text)) {
        out += text;
        return;
      }
      break;
  }
  append_string(out, text);
}

} // namespace quarry::connectors::json_text
