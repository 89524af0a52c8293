#pragma once

// A JSON Schema checker for the tests: does a record validate against the
// schema `quarry discover` declares for its stream? It understands what
// quarry's schemas use (draft-07 style): type (a name or a list of names),
// properties, additionalProperties (false, or a schema), required, items,
// enum, anyOf, oneOf, and the formats date-time (RFC 3339 with a zone and a
// real calendar date), date (YYYY-MM-DD), time, integer-valued numbers.
// Anything else in a schema fails the check, so a schema can never pass by
// using a keyword nobody verifies.

#include <nlohmann/json.hpp>

#include <cctype>
#include <chrono>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::testing {

namespace schema_detail {

inline bool digits(std::string_view t, std::size_t at, std::size_t n) {
  if (at + n > t.size()) return false;
  for (std::size_t i = at; i < at + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
  return true;
}

inline int num(std::string_view t, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (t[i] - '0');
  return v;
}

// YYYY-MM-DD that is a real date.
inline bool is_date(std::string_view t) {
  if (t.size() != 10 || !digits(t, 0, 4) || t[4] != '-' || !digits(t, 5, 2) || t[7] != '-' || !digits(t, 8, 2))
    return false;
  const std::chrono::year_month_day ymd{std::chrono::year{num(t, 0, 4)},
                                        std::chrono::month{static_cast<unsigned>(num(t, 5, 2))},
                                        std::chrono::day{static_cast<unsigned>(num(t, 8, 2))}};
  return ymd.ok();
}

// HH:MM:SS[.frac](Z|+hh:mm|-hh:mm) when `zone` (RFC 3339 full-time), else
// without the zone.
inline bool is_time(std::string_view t, bool zone) {
  if (t.size() < 8 || !digits(t, 0, 2) || t[2] != ':' || !digits(t, 3, 2) || t[5] != ':' || !digits(t, 6, 2))
    return false;
  if (num(t, 0, 2) > 23 || num(t, 3, 2) > 59 || num(t, 6, 2) > 60) return false;
  std::size_t i = 8;
  if (i < t.size() && t[i] == '.') {
    const std::size_t start = ++i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    if (i == start) return false;
  }
  if (!zone) return i == t.size();
  if (i + 1 == t.size() && (t[i] == 'Z' || t[i] == 'z')) return true;
  return i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && digits(t, i + 1, 2) && t[i + 3] == ':' &&
         digits(t, i + 4, 2) && num(t, i + 1, 2) <= 23 && num(t, i + 4, 2) <= 59;
}

inline bool is_date_time(std::string_view t) {
  return t.size() > 11 && is_date(t.substr(0, 10)) && (t[10] == 'T' || t[10] == 't') &&
         is_time(t.substr(11), true);
}

inline bool has_type(const nlohmann::json& value, const std::string& type) {
  if (type == "null") return value.is_null();
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "number") return value.is_number();
  if (type == "integer")
    return value.is_number_integer() ||
           (value.is_number_float() && value.get<double>() == static_cast<double>(static_cast<long long>(value.get<double>())));
  return false;
}

inline void check(const nlohmann::json& schema, const nlohmann::json& value, const std::string& at,
                  std::vector<std::string>& out) {
  static const std::set<std::string> known = {"type", "properties", "additionalProperties", "required",
                                              "items", "enum", "anyOf", "oneOf", "format", "description",
                                              "title", "$schema", "inclusion", "selected", "default"};
  if (schema.is_boolean()) {
    if (!schema.get<bool>()) out.push_back(at + ": no value is allowed here");
    return;
  }
  if (!schema.is_object()) {
    out.push_back(at + ": the schema is not an object: " + schema.dump());
    return;
  }
  for (const auto& [key, _] : schema.items())
    if (!known.count(key)) out.push_back(at + ": schema keyword \"" + key + "\" is not checked by this test");
  if (const auto t = schema.find("type"); t != schema.end()) {
    bool ok = false;
    if (t->is_string()) ok = has_type(value, t->get<std::string>());
    else if (t->is_array())
      for (const auto& one : *t) ok = ok || (one.is_string() && has_type(value, one.get<std::string>()));
    if (!ok) {
      out.push_back(at + ": " + value.dump().substr(0, 80) + " is not of type " + t->dump());
      return;
    }
  }
  if (const auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    bool found = false;
    for (const auto& v : *e) found = found || v == value;
    if (!found) out.push_back(at + ": " + value.dump().substr(0, 80) + " is not one of " + e->dump());
  }
  if (const auto f = schema.find("format"); f != schema.end() && value.is_string()) {
    const auto text = value.get<std::string>();
    const auto format = f->get<std::string>();
    const bool ok = format == "date-time" ? is_date_time(text)
                    : format == "date"    ? is_date(text)
                    : format == "time"    ? is_time(text, true)
                                          : true;
    if (!ok) out.push_back(at + ": \"" + text.substr(0, 60) + "\" is not a valid " + format);
  }
  for (const char* combinator : {"anyOf", "oneOf"}) {
    const auto c = schema.find(combinator);
    if (c == schema.end()) continue;
    int matched = 0;
    for (const auto& option : *c) {
      std::vector<std::string> sub;
      check(option, value, at, sub);
      if (sub.empty()) ++matched;
    }
    if (matched == 0 || (std::string_view(combinator) == "oneOf" && matched > 1))
      out.push_back(at + ": " + value.dump().substr(0, 80) + " matches " + std::to_string(matched) + " of " +
                    combinator);
  }
  if (value.is_object()) {
    const auto props = schema.find("properties");
    for (const auto& [key, v] : value.items()) {
      if (props != schema.end() && props->contains(key)) {
        check((*props)[key], v, at + "/" + key, out);
        continue;
      }
      const auto extra = schema.find("additionalProperties");
      if (extra != schema.end()) check(*extra, v, at + "/" + key, out);
    }
    if (const auto req = schema.find("required"); req != schema.end())
      for (const auto& name : *req)
        if (!value.contains(name.get<std::string>())) out.push_back(at + ": required \"" + name.get<std::string>() + "\" is missing");
  }
  if (value.is_array())
    if (const auto items = schema.find("items"); items != schema.end())
      for (std::size_t i = 0; i < value.size(); ++i) check(*items, value[i], at + "/" + std::to_string(i), out);
}

} // namespace schema_detail

// Every way `value` fails `schema`, as "<json pointer>: <why>"; empty when it
// validates.
inline std::vector<std::string> schema_violations(const nlohmann::json& schema, const nlohmann::json& value) {
  std::vector<std::string> out;
  schema_detail::check(schema, value, "", out);
  return out;
}

} // namespace quarry::testing
