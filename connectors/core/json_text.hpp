#pragma once

// JSON text written value by value, without building a DOM: the hot path
// from bulk CSV rows to records, where nlohmann::json objects (a std::map
// per record) cost more than everything else together. Strings are escaped
// as JSON requires; bytes that are not UTF-8 become U+FFFD, so one bad byte
// never fails a record.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace quarry::connectors::json_text {

// How a text cell becomes a JSON value.
enum class kind { string, integer, number, boolean, json };

// From a JSON Schema property's "type" (a name or a list of names, "null"
// ignored); string when it names none of the others.
kind kind_of(const nlohmann::json& property);

// `text` as a quoted, escaped JSON string.
void append_string(std::string& out, std::string_view text);

// The length of the UTF-8 sequence at s[i] (2..4), or 0 when it is not one
// (overlong forms and surrogates included).
std::size_t utf8_length(std::string_view s, std::size_t i);

// `"name":` — a key ready to precede a value.
std::string key(std::string_view name);

// A text cell as a value of `k`: "" and "null" become null; integers drop a
// fraction ("7.0" -> 7); a boolean is true/false/1/0; json must parse as
// JSON; anything that does not fit its kind stays a string.
void append_typed(std::string& out, std::string_view text, kind k);

} // namespace quarry::connectors::json_text
