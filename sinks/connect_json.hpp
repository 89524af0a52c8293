#pragma once

// Kafka Connect's JsonConverter envelope (`schemas.enable=true`) for one
// stream: {"schema": <Connect schema>, "payload": <record>}, for values and
// for keys. The Connect schema is derived once from the stream's JSON Schema;
// each record is then written by one pass over its JSON text, straight into
// the output buffer (no DOM).
//
// Mapping from JSON Schema (a property's "type", "format", "properties",
// "additionalProperties", "items", "required", "description"):
//
//   JSON Schema                          Connect schema ("type" as JsonConverter writes it)
//   -----------------------------------  ------------------------------------------------------
//   "string"                             string
//   "string", format "date-time"         int64 named org.apache.kafka.connect.data.Timestamp,
//                                        version 1 (ms since the epoch) with timestamps::logical;
//                                        string with timestamps::string
//   "string", format "date"              int32 named org.apache.kafka.connect.data.Date,
//                                        version 1 (days since the epoch) with timestamps::logical;
//                                        string with timestamps::string
//   "integer"                            int64
//   "number"                             double (Connect's FLOAT64; integers are accepted)
//   "boolean"                            boolean
//   "object" with non-empty "properties" struct (unnamed when nested)
//   "object" without properties          map, string keys, written as a JSON object; values
//                                        typed from "additionalProperties" when it is a schema,
//                                        else string holding the JSON text of non-strings
//   "array"                              array of its "items"' mapping; without "items" (or
//                                        with a list of them), array of string holding the
//                                        JSON text of non-strings
//   "object" or "array" at the top       string named io.debezium.data.Json, version 1, holding
//   level, not a key field, with         the value's JSON text (see below)
//   nested::json
//   ["<type>", "null"]                   that type, optional
//   "null" alone, several non-null       string holding the JSON text of non-string values
//   types, or no "type"                  (a string stays itself), optional
//
// "description" becomes the field's "doc". Array items and map values are
// always optional (null elements are kept).
//
// Optional and required: every field is optional except the key fields and
// the properties listed in "required" whose type does not allow null. The
// value struct is `"optional":false` and named `name`; the key struct holds
// only the key fields (in key_fields order), all required, and is named
// `<name>.Key`. A key field the schema does not list is a string holding
// JSON text.
//
// Nothing is dropped: every value struct (top level and nested) ends with
// one more field, `_quarry_extra`, an optional map<string,string>. Fields the
// schema does not know, and values that do not fit their declared type (a
// string in an int64 field, an unreadable date-time, an integer beyond
// int64, a float beyond double, a Date with a time of day, an object missing
// one of its required fields, a map or array with one misfit inside), go
// there under their field name as JSON text (a string value as its own
// string, null as null), and the typed field is left out of the payload. A
// misfit in a required field fails the record instead (error_kind::
// bad_payload, naming the stream, the field path and the JSON type found,
// never the value). The key struct has no `_quarry_extra` (a JDBC sink with
// pk.mode=record_key makes every key field a column): an unknown field in a
// key fails it.
//
// Why the writer is strict where Connect is lenient: JsonConverter reads a
// struct field by name and ignores fields the schema lacks (silently
// dropped), reads an int64/double/boolean field with Jackson's longValue()/
// doubleValue()/booleanValue(), which give 0/0.0/false for a string, and a
// string field with textValue(), null for a number (silently wrong). It
// throws only for null or missing required fields, a Timestamp that is not
// an integral number, a Date that is not an int, a struct or string-keyed
// map that is not a JSON object. So every value is checked here.
//
// Nested values as JSON text (nested::json): Debezium's JDBC sink cannot
// store a struct, or an array of anything but primitives, yet maps a string
// named io.debezium.data.Json (version 1) to a PostgreSQL json column. So
// each top-level property whose JSON Schema type is "object" (with or
// without properties) or "array" (any items), alone or with "null", becomes
// such a string field, optional by the rules above; its payload is the
// record's value as read, as compact JSON text (the whitespace between
// tokens dropped, strings and numbers byte for byte) in a JSON string, e.g.
// "email_address":"{\"address\":\"a@b\"}". Nothing inside is checked
// against the schema, and any JSON value fits (a string value becomes the
// text "\"...\""); null is null (and fails the record if the field is
// required). Key fields and _quarry_extra keep their mapping; so do
// properties with several non-null types (text, as above).
//
// Date-times: read with connectors::parse_instant (RFC 3339 with a zone,
// Marketo's "...Z+0000", bare dates; years 1678..2261). In logical mode
// digits below the millisecond are dropped (rounded towards the past:
// "...00.1239Z" -> ...123 ms); use timestamps::string to keep them.
//
// The payload keeps the record's key order; a field missing from the record
// is missing from the payload (null for Connect). The input must be valid
// JSON in UTF-8 (bad_payload otherwise); its strings are copied as they are,
// escapes included.
//
// Thread-safety: an envelope_writer is immutable after make(); value() and
// key() may run concurrently from any thread. Copies share the plan.

#include "proto/error.hpp"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sinks::connect {

enum class timestamps { logical, string };
// How a top-level object or array is written: a Connect struct/map/array, or
// a string of its JSON text named io.debezium.data.Json (see above).
enum class nested { structs, json };

// The name of the map field holding what the schema cannot type.
inline constexpr std::string_view extra_field = "_quarry_extra";

namespace detail {
struct plan;
}

class envelope_writer {
 public:
  // json_schema: the stream's JSON Schema (an object with non-empty
  // "properties"). key_fields: the primary key (top-level properties).
  // name: the value struct's name, e.g. "quarry.marketo.leads". Fails
  // (fatal) on a schema without properties, a property named _quarry_extra
  // or a repeated key field.
  static result<envelope_writer> make(const nlohmann::json& json_schema,
                                      const std::vector<std::string>& key_fields,
                                      std::string_view name, timestamps ts,
                                      nested n = nested::structs);

  // Appends {"schema":<value schema>,"payload":<record>} for one record (a
  // JSON object's text). On failure `out` is left as it was.
  status value(std::string_view record_json, std::string& out) const;
  // The same for a key: the JSON object of the primary key fields.
  status key(std::string_view key_json, std::string& out) const;

  // The Connect schemas as JSON text (built once by make()).
  const std::string& value_schema() const;
  const std::string& key_schema() const;

 private:
  explicit envelope_writer(std::shared_ptr<const detail::plan> plan);
  std::shared_ptr<const detail::plan> plan_;
};

} // namespace quarry::sinks::connect
