// sinks/connect_json: the Kafka Connect JsonConverter envelope. Every
// envelope a test writes is also read back by connect_read(), which applies
// JsonConverter's reading rules (toConnectData with schemas.enable=true) with
// no leniency: it fails where Connect would throw and where Connect would
// silently coerce or drop a value.

#include "sinks/connect_json.hpp"

#include "connectors/registry.hpp"
#include "tests/support/fake_session.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <climits>
#include <set>

namespace quarry::sinks::connect {
namespace {

using nlohmann::json;

constexpr const char* timestamp_name = "org.apache.kafka.connect.data.Timestamp";
constexpr const char* date_name = "org.apache.kafka.connect.data.Date";
constexpr const char* json_name = "io.debezium.data.Json";

// "" when JsonConverter reads `v` with the Connect `schema` exactly;
// otherwise what it would do wrong, and where.
std::string connect_read(const json& schema, const json& v, const std::string& at) {
  if (!schema.is_object() || !schema.contains("type") || !schema["type"].is_string())
    return at + ": schema without a textual type";
  if (schema.contains("optional") && !schema["optional"].is_boolean()) return at + ": optional is not a boolean";
  if (schema.contains("version") && !schema["version"].is_number_integer()) return at + ": version not integral";
  for (const char* k : {"name", "doc"})
    if (schema.contains(k) && !schema[k].is_string()) return at + ": " + k + " is not a string";
  const bool optional = schema.value("optional", false);
  const std::string type = schema["type"];
  const std::string name = schema.value("name", "");
  if (v.is_null()) return optional ? "" : at + ": null in a required field (Connect throws)";
  auto integral_within = [&](std::int64_t lo, std::int64_t hi) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi);
    return v.is_number_integer() && v.get<std::int64_t>() >= lo && v.get<std::int64_t>() <= hi;
  };
  if (name == timestamp_name) {
    if (type != "int64" || schema.value("version", 0) != 1) return at + ": Timestamp is not int64 version 1";
    return integral_within(LLONG_MIN, LLONG_MAX) ? "" : at + ": Timestamp not an integral number (Connect throws)";
  }
  if (name == date_name) {
    if (type != "int32" || schema.value("version", 0) != 1) return at + ": Date is not int32 version 1";
    return integral_within(INT_MIN, INT_MAX) ? "" : at + ": Date not an int (Connect throws)";
  }
  if (name == json_name) {  // Debezium's JDBC sink: a json column
    if (type != "string" || schema.value("version", 0) != 1) return at + ": Json is not string version 1";
    return v.is_string() && json::accept(v.get<std::string>()) ? "" : at + ": Json not a string of JSON text";
  }
  if (type == "string") return v.is_string() ? "" : at + ": not a string (Connect reads null)";
  if (type == "int64") return integral_within(LLONG_MIN, LLONG_MAX) ? "" : at + ": not an int64 (Connect coerces)";
  if (type == "double") return v.is_number() ? "" : at + ": not a number (Connect reads 0.0)";
  if (type == "boolean") return v.is_boolean() ? "" : at + ": not a boolean (Connect reads false)";
  if (type == "array") {
    if (!schema.contains("items") || schema["items"].is_null()) return at + ": array without items";
    if (!v.is_array()) return at + ": not an array";
    for (std::size_t i = 0; i < v.size(); ++i)
      if (auto e = connect_read(schema["items"], v[i], at + "[" + std::to_string(i) + "]"); !e.empty()) return e;
    return "";
  }
  if (type == "map") {
    if (!schema.contains("keys") || !schema.contains("values")) return at + ": map without keys or values";
    if (schema["keys"].value("type", "") != "string") return at + ": map keys are not strings";
    if (!v.is_object()) return at + ": map not an object (Connect throws)";
    for (const auto& [k, e] : v.items())
      if (auto err = connect_read(schema["values"], e, at + "{" + k + "}"); !err.empty()) return err;
    return "";
  }
  if (type == "struct") {
    if (!schema.contains("fields") || !schema["fields"].is_array()) return at + ": struct without fields";
    if (!v.is_object()) return at + ": struct not an object (Connect throws)";
    std::set<std::string> known;
    for (const auto& f : schema["fields"]) {
      if (!f.contains("field") || !f["field"].is_string()) return at + ": field without a name";
      const std::string n = f["field"];
      known.insert(n);
      if (auto e = connect_read(f, v.contains(n) ? v[n] : json(), at + "." + n); !e.empty()) return e;
    }
    for (const auto& [k, e] : v.items())
      if (!known.contains(k)) return at + "." + k + ": not in the schema (Connect drops it)";
    return "";
  }
  return at + ": unknown schema type " + type;
}

// The payload of an envelope, after checking the envelope is exactly
// {"schema": schema, "payload": ...} and that Connect reads it.
json payload_of(const std::string& envelope, const std::string& schema) {
  const json e = json::parse(envelope);
  EXPECT_EQ(e.size(), 2U) << envelope;
  EXPECT_EQ(e.at("schema"), json::parse(schema));
  EXPECT_EQ(connect_read(e.at("schema"), e.at("payload"), "payload"), "") << envelope;
  return e.at("payload");
}

envelope_writer make_writer(const json& schema, std::vector<std::string> keys = {"id"},
                            timestamps ts = timestamps::logical, nested n = nested::structs) {
  auto w = envelope_writer::make(schema, keys, "quarry.test.things", ts, n);
  EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message);
  return std::move(w).value();
}

json value_payload(const envelope_writer& w, const std::string& record) {
  std::string out = "prefix:";
  const auto st = w.value(record, out);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message) << " for " << record;
  if (!st.ok()) return json();
  EXPECT_EQ(out.substr(0, 7), "prefix:");  // appended, never replaced
  return payload_of(out.substr(7), w.value_schema());
}

json object_schema(json properties, json required = json::array()) {
  json s = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}

// The Connect schema of field "f" in the value struct.
json field_schema(const envelope_writer& w, const std::string& name = "f") {
  const json schema = json::parse(w.value_schema());
  for (const auto& f : schema["fields"])
    if (f["field"] == name) return f;
  ADD_FAILURE() << "no field " << name << " in " << w.value_schema();
  return json();
}

const json extra_schema = {{"type", "map"},
                           {"keys", {{"type", "string"}, {"optional", false}}},
                           {"values", {{"type", "string"}, {"optional", true}}},
                           {"optional", true},
                           {"field", "_quarry_extra"}};

// ------------------------------------------------------------------ schemas

TEST(connect_json_schema, maps_each_json_schema_type) {
  const json opt_string = {{"type", "string"}, {"optional", true}};
  struct row {
    const char* what;
    json property;
    timestamps ts;
    json expected;  // the field's Connect schema, "field" left out
  };
  const std::vector<row> rows{
      {"string", {{"type", "string"}}, timestamps::logical, opt_string},
      {"nullable string", {{"type", {"string", "null"}}}, timestamps::logical, opt_string},
      {"integer", {{"type", "integer"}}, timestamps::logical, {{"type", "int64"}, {"optional", true}}},
      {"number", {{"type", {"null", "number"}}}, timestamps::logical, {{"type", "double"}, {"optional", true}}},
      {"boolean", {{"type", "boolean"}}, timestamps::logical, {{"type", "boolean"}, {"optional", true}}},
      {"date-time, logical",
       {{"type", {"string", "null"}}, {"format", "date-time"}},
       timestamps::logical,
       {{"type", "int64"}, {"optional", true}, {"name", timestamp_name}, {"version", 1}}},
      {"date-time, string", {{"type", "string"}, {"format", "date-time"}}, timestamps::string, opt_string},
      {"date, logical",
       {{"type", "string"}, {"format", "date"}},
       timestamps::logical,
       {{"type", "int32"}, {"optional", true}, {"name", date_name}, {"version", 1}}},
      {"date, string", {{"type", "string"}, {"format", "date"}}, timestamps::string, opt_string},
      {"object with properties",
       {{"type", "object"}, {"properties", {{"a", {{"type", "integer"}}}}}, {"required", {"a"}}},
       timestamps::logical,
       {{"type", "struct"},
        {"fields", {{{"type", "int64"}, {"optional", false}, {"field", "a"}}, extra_schema}},
        {"optional", true}}},
      {"free-form object",
       {{"type", {"object", "null"}}},
       timestamps::logical,
       {{"type", "map"}, {"keys", {{"type", "string"}, {"optional", false}}}, {"values", opt_string}, {"optional", true}}},
      {"object with empty properties",
       {{"type", "object"}, {"properties", json::object()}, {"additionalProperties", true}},
       timestamps::logical,
       {{"type", "map"}, {"keys", {{"type", "string"}, {"optional", false}}}, {"values", opt_string}, {"optional", true}}},
      {"object with typed additionalProperties",
       {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}},
       timestamps::logical,
       {{"type", "map"},
        {"keys", {{"type", "string"}, {"optional", false}}},
        {"values", {{"type", "int64"}, {"optional", true}}},
        {"optional", true}}},
      {"array of date-times",
       {{"type", "array"}, {"items", {{"type", "string"}, {"format", "date-time"}}}},
       timestamps::logical,
       {{"type", "array"},
        {"items", {{"type", "int64"}, {"optional", true}, {"name", timestamp_name}, {"version", 1}}},
        {"optional", true}}},
      {"array without items", {{"type", {"array", "null"}}}, timestamps::logical,
       {{"type", "array"}, {"items", opt_string}, {"optional", true}}},
      {"several types", {{"type", {"integer", "string", "null"}}}, timestamps::logical, opt_string},
      {"Kustomer reference", {{"type", {"object", "array", "null"}}}, timestamps::logical, opt_string},
      {"no type", json::object(), timestamps::logical, opt_string},
      {"null only", {{"type", "null"}}, timestamps::logical, opt_string},
      {"description", {{"type", "integer"}, {"description", "how many"}}, timestamps::logical,
       {{"type", "int64"}, {"optional", true}, {"doc", "how many"}}},
  };
  for (const auto& r : rows) {
    const auto w = make_writer(object_schema({{"id", {{"type", "integer"}}}, {"f", r.property}}), {"id"}, r.ts);
    json expected = r.expected;
    expected["field"] = "f";
    EXPECT_EQ(field_schema(w), expected) << r.what;
  }
}

TEST(connect_json_schema, value_and_key_structs) {
  const auto w = make_writer(
      object_schema({{"id", {{"type", "integer"}}},
                     {"account", {{"type", "string"}}},
                     {"name", {{"type", {"string", "null"}}}},
                     {"score", {{"type", "number"}}},
                     {"note", {{"type", {"string", "null"}}}}},
                    {"score", "note"}),  // note is nullable: stays optional
      {"account", "id"});
  EXPECT_EQ(json::parse(w.value_schema()),
            json::parse(R"({"type":"struct","optional":false,"name":"quarry.test.things","fields":[
              {"type":"string","optional":false,"field":"account"},
              {"type":"int64","optional":false,"field":"id"},
              {"type":"string","optional":true,"field":"name"},
              {"type":"string","optional":true,"field":"note"},
              {"type":"double","optional":false,"field":"score"},
              {"type":"map","keys":{"type":"string","optional":false},
               "values":{"type":"string","optional":true},"optional":true,"field":"_quarry_extra"}]})"));
  // The key: the key fields in key order, all required, no _quarry_extra.
  EXPECT_EQ(json::parse(w.key_schema()),
            json::parse(R"({"type":"struct","optional":false,"name":"quarry.test.things.Key","fields":[
              {"type":"string","optional":false,"field":"account"},
              {"type":"int64","optional":false,"field":"id"}]})"));
}

TEST(connect_json_schema, a_key_field_the_schema_lacks_is_text) {
  const auto w = make_writer(object_schema({{"name", {{"type", "string"}}}}), {"id"});
  EXPECT_EQ(field_schema(w, "id"), json::parse(R"({"type":"string","optional":false,"field":"id"})"));
  std::string out;
  ASSERT_TRUE(w.key(R"({"id":12})", out).ok());
  EXPECT_EQ(payload_of(out, w.key_schema()), json::parse(R"({"id":"12"})"));
}

TEST(connect_json_schema, make_refuses_what_it_cannot_map) {
  struct row {
    const char* what;
    json schema;
    std::vector<std::string> keys;
    const char* message;
  };
  const std::vector<row> rows{
      {"no properties", {{"type", "object"}}, {"id"}, "no properties"},
      {"not an object", json::array(), {"id"}, "no properties"},
      {"_quarry_extra property",
       object_schema({{"id", {{"type", "integer"}}},
                      {"nested", {{"type", "object"}, {"properties", {{"_quarry_extra", {{"type", "string"}}}}}}}}),
       {"id"},
       "_quarry_extra"},
      {"key listed twice", object_schema({{"id", {{"type", "integer"}}}}), {"id", "id"}, "listed twice"},
  };
  for (const auto& r : rows) {
    const auto w = envelope_writer::make(r.schema, r.keys, "quarry.test.things", timestamps::logical);
    ASSERT_FALSE(w.ok()) << r.what;
    EXPECT_EQ(w.error().kind, error_kind::fatal) << r.what;
    EXPECT_NE(w.error().message.find(r.message), std::string::npos) << r.what << ": " << w.error().message;
    EXPECT_NE(w.error().message.find("quarry.test.things"), std::string::npos) << w.error().message;
  }
}

// ----------------------------------------------------------------- payloads

json lead_schema() {
  return object_schema(
      {{"id", {{"type", "integer"}}},
       {"email", {{"type", {"string", "null"}}}},
       {"score", {{"type", {"integer", "null"}}}},
       {"revenue", {{"type", {"number", "null"}}}},
       {"active", {{"type", {"boolean", "null"}}}},
       {"updatedAt", {{"type", "string"}, {"format", "date-time"}}},
       {"birthday", {{"type", {"string", "null"}}, {"format", "date"}}},
       {"address",
        {{"type", {"object", "null"}},
         {"properties", {{"city", {{"type", {"string", "null"}}}}, {"zip", {{"type", "string"}}}}},
         {"required", {"zip"}}}},
       {"tags", {{"type", {"array", "null"}}, {"items", {{"type", "integer"}}}}},
       {"attrs", {{"type", {"object", "null"}}}},
       {"counts", {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}}},
       {"any", {{"type", {"integer", "string", "null"}}}}});
}

TEST(connect_json_payload, typed_values) {
  struct row {
    const char* what;
    const char* record;
    const char* payload;
    timestamps ts = timestamps::logical;
  };
  const std::vector<row> rows{
      {"ints, floats, booleans, strings",
       R"({"id":7,"email":"a\"b\\c\u00e9","score":-12,"revenue":1.5e3,"active":false})",
       R"({"id":7,"email":"a\"b\\cé","score":-12,"revenue":1500,"active":false})"},
      {"an integer in a number field", R"({"id":1,"revenue":12})", R"({"id":1,"revenue":12})"},
      {"an integral float in an integer field is that integer", R"({"id":1.0,"score":-3.000})",
       R"({"id":1,"score":-3})"},
      {"int64 bounds", R"({"id":9223372036854775807,"score":-9223372036854775808})",
       R"({"id":9223372036854775807,"score":-9223372036854775808})"},
      {"nulls stay null", R"({"id":1,"email":null,"score":null,"address":null,"tags":null,"updatedAt":null})",
       R"({"id":1,"email":null,"score":null,"address":null,"tags":null,"updatedAt":null})"},
      {"missing fields stay missing", R"({"id":1})", R"({"id":1})"},
      {"date-time, logical: epoch ms", R"({"id":1,"updatedAt":"2024-05-01T10:00:00Z"})",
       R"({"id":1,"updatedAt":1714557600000})"},
      {"date-time with an offset and a fraction", R"({"id":1,"updatedAt":"2024-05-01T12:00:00.042+02:00"})",
       R"({"id":1,"updatedAt":1714557600042})"},
      {"date-time: digits below the ms are dropped", R"({"id":1,"updatedAt":"2024-05-01T10:00:00.1239999Z"})",
       R"({"id":1,"updatedAt":1714557600123})"},
      {"Marketo's Z+0000", R"({"id":1,"updatedAt":"2015-11-18T15:25:35Z+0000"})",
       R"({"id":1,"updatedAt":1447860335000})"},
      {"before 1970", R"({"id":1,"updatedAt":"1969-12-31T23:59:59.999Z","birthday":"1960-01-01"})",
       R"({"id":1,"updatedAt":-1,"birthday":-3653})"},
      {"date: days since the epoch", R"({"id":1,"birthday":"2024-05-01"})", R"({"id":1,"birthday":19844})"},
      {"date given as midnight", R"({"id":1,"birthday":"2024-05-01T00:00:00Z"})", R"({"id":1,"birthday":19844})"},
      {"date-time, string mode: unchanged", R"({"id":1,"updatedAt":"2024-05-01T10:00:00.1239999Z"})",
       R"({"id":1,"updatedAt":"2024-05-01T10:00:00.1239999Z"})", timestamps::string},
      {"date, string mode: unchanged", R"({"id":1,"birthday":"2024-05-01"})", R"({"id":1,"birthday":"2024-05-01"})",
       timestamps::string},
      {"nested struct", R"({"id":1,"address":{"zip":"75001","city":"Paris"}})",
       R"({"id":1,"address":{"zip":"75001","city":"Paris"}})"},
      {"array", R"({"id":1,"tags":[1,null,3]})", R"({"id":1,"tags":[1,null,3]})"},
      {"free-form map: JSON text of non-strings", R"({"id":1,"attrs":{"a":"x","b":2,"c":{"d":[true]},"e":null}})",
       R"({"id":1,"attrs":{"a":"x","b":"2","c":"{\"d\":[true]}","e":null}})"},
      {"typed map", R"({"id":1,"counts":{"a":1,"b":null}})", R"({"id":1,"counts":{"a":1,"b":null}})"},
      {"several types: JSON text", R"({"id":1,"any":5})", R"({"id":1,"any":"5"})"},
      {"several types: a string stays itself", R"({"id":1,"any":"five"})", R"({"id":1,"any":"five"})"},
      {"key order and whitespace of the record",
       "{ \"tags\" : [ 1 , 2 ] ,\n\t\"active\":true, \"id\" : 3 }\n",
       R"({"tags":[1,2],"active":true,"id":3})"},
      {"escaped field names", R"({"\u0069d":5})", R"({"id":5})"},
      {"an escaped date-time", R"({"id":1,"updatedAt":"2024-05-01T10:00:00\u005A"})",
       R"({"id":1,"updatedAt":1714557600000})"},
      {"long strings: escapes and UTF-8 past 16 bytes",
       "{\"id\":1,\"email\":\"0123456789abcdefghij\\\"klmnopqrstuvwxyz\xC3\xA9" "ABCDEFGHIJKLMNOPQRSTUVWXYZ\\\\\"}",
       "{\"id\":1,\"email\":\"0123456789abcdefghij\\\"klmnopqrstuvwxyz\xC3\xA9" "ABCDEFGHIJKLMNOPQRSTUVWXYZ\\\\\"}"},
      {"UTF-8 copied as it is", "{\"id\":1,\"email\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}",
       "{\"id\":1,\"email\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}"},
  };
  for (const auto& r : rows) {
    const auto w = make_writer(lead_schema(), {"id"}, r.ts);
    const json got = value_payload(w, r.record);
    EXPECT_EQ(got, json::parse(r.payload)) << r.what << ": " << got.dump();
  }
}

TEST(connect_json_payload, the_payload_keeps_the_record_order) {
  const auto w = make_writer(lead_schema());
  std::string out;
  ASSERT_TRUE(w.value(R"({"score":1,"id":2,"email":"e"})", out).ok());
  EXPECT_NE(out.find(R"("payload":{"score":1,"id":2,"email":"e"}})"), std::string::npos) << out;
}

TEST(connect_json_payload, unknown_fields_and_misfits_go_to_quarry_extra) {
  struct row {
    const char* what;
    const char* record;
    const char* payload;
  };
  const std::vector<row> rows{
      {"an unknown field", R"({"id":1,"newColumn":"x","other":{"a":[1,"b"]},"gone":null})",
       R"({"id":1,"_quarry_extra":{"newColumn":"x","other":"{\"a\":[1,\"b\"]}","gone":null}})"},
      {"a string in an integer field", R"({"id":1,"score":"12"})", R"({"id":1,"_quarry_extra":{"score":"12"}})"},
      {"a fraction in an integer field", R"({"id":1,"score":1.5})", R"({"id":1,"_quarry_extra":{"score":"1.5"}})"},
      {"an exponent in an integer field", R"({"id":1,"score":1e3})", R"({"id":1,"_quarry_extra":{"score":"1e3"}})"},
      {"an integer beyond int64", R"({"id":1,"score":9223372036854775808})",
       R"({"id":1,"_quarry_extra":{"score":"9223372036854775808"}})"},
      {"a number beyond double", R"({"id":1,"revenue":1e400})", R"({"id":1,"_quarry_extra":{"revenue":"1e400"}})"},
      {"a string in a number field", R"({"id":1,"revenue":"1.5"})", R"({"id":1,"_quarry_extra":{"revenue":"1.5"}})"},
      {"a number in a boolean field", R"({"id":1,"active":1})", R"({"id":1,"_quarry_extra":{"active":"1"}})"},
      {"a number in a string field", R"({"id":1,"email":5})", R"({"id":1,"_quarry_extra":{"email":"5"}})"},
      {"an unreadable date-time", R"({"id":1,"updatedAt":"yesterday"})",
       R"({"id":1,"_quarry_extra":{"updatedAt":"yesterday"}})"},
      {"a date-time without a zone", R"({"id":1,"updatedAt":"2024-05-01T10:00:00"})",
       R"({"id":1,"_quarry_extra":{"updatedAt":"2024-05-01T10:00:00"}})"},
      {"a date beyond parse_instant's years", R"({"id":1,"birthday":"9999-12-31"})",
       R"({"id":1,"_quarry_extra":{"birthday":"9999-12-31"}})"},
      {"a date with a time of day", R"({"id":1,"birthday":"2024-05-01T10:00:00Z"})",
       R"({"id":1,"_quarry_extra":{"birthday":"2024-05-01T10:00:00Z"}})"},
      {"a number in a date-time field", R"({"id":1,"updatedAt":1714557600000})",
       R"({"id":1,"_quarry_extra":{"updatedAt":"1714557600000"}})"},
      {"a string in a struct field", R"({"id":1,"address":"Paris"})",
       R"({"id":1,"_quarry_extra":{"address":"Paris"}})"},
      {"a struct missing a required field goes whole", R"({"id":1,"address":{"city":"Paris"}})",
       R"({"id":1,"_quarry_extra":{"address":"{\"city\":\"Paris\"}"}})"},
      {"a struct's own unknown field stays in it", R"({"id":1,"address":{"zip":"1","floor":3}})",
       R"({"id":1,"address":{"zip":"1","_quarry_extra":{"floor":"3"}}})"},
      {"an array with one misfit goes whole", R"({"id":1,"tags":[1,"two",3]})",
       R"({"id":1,"_quarry_extra":{"tags":"[1,\"two\",3]"}})"},
      {"a map with one misfit goes whole", R"({"id":1,"counts":{"a":1,"b":"x"}})",
       R"({"id":1,"_quarry_extra":{"counts":"{\"a\":1,\"b\":\"x\"}"}})"},
      {"an object in an array field", R"({"id":1,"tags":{"a":1}})",
       R"({"id":1,"_quarry_extra":{"tags":"{\"a\":1}"}})"},
      {"raw text keeps its whitespace, escaped", "{\"id\":1,\"tags\":[1,\n\"x\"]}",
       R"({"id":1,"_quarry_extra":{"tags":"[1,\n\"x\"]"}})"},
      {"misfits and typed fields side by side", R"({"score":"x","id":1,"email":"e","odd":true})",
       R"({"id":1,"email":"e","_quarry_extra":{"score":"x","odd":"true"}})"},
  };
  for (const auto& r : rows) {
    const auto w = make_writer(lead_schema());
    const json got = value_payload(w, r.record);
    EXPECT_EQ(got, json::parse(r.payload)) << r.what << ": " << got.dump();
  }
}

TEST(connect_json_payload, a_field_name_that_does_not_decode_is_kept_as_written) {
  const auto w = make_writer(lead_schema());
  std::string out;
  ASSERT_TRUE(w.value(R"({"id":1,"\ud800":2})", out).ok());  // a lone surrogate
  EXPECT_NE(out.find(R"("payload":{"id":1,"_quarry_extra":{"\ud800":"2"}}})"), std::string::npos) << out;
}

TEST(connect_json_payload, a_misfit_in_a_required_field_fails_the_record) {
  struct row {
    const char* what;
    const char* record;
    const char* message;  // after "quarry.test.things: cannot write the record as Kafka Connect JSON: "
  };
  const std::vector<row> rows{
      {"a string key", R"({"id":"secret-7"})", "required field id: expected an integer, found a string"},
      {"a null key", R"({"id":null})", "required field id: expected an integer, found null"},
      {"a missing key", R"({"email":"x@example.com","address":{"zip":"1"},"tags":[],"updatedAt":"2024-05-01T10:00:00Z"})",
       "required field id: missing"},
      {"a key beyond int64", R"({"id":99999999999999999999})",
       "required field id: expected an integer, found an integer beyond int64"},
      {"a required date-time", R"({"id":1,"updatedAt":"someday"})",
       "required field updatedAt: expected a date-time, found a string that is not a date-time"},
      {"a required struct's required field", R"({"id":1,"address":{"city":"Paris"}})",
       "required field address.zip: missing"},
      {"deep inside a required array", R"({"id":1,"address":{"zip":"1"},"tags":[{"n":[1,"secret"]}]})",
       "required field tags[0].n[1]: expected an integer, found a string"},
      {"the record is not an object", R"(["secret"])", "the text is an array, not an object"},
  };
  const json schema = object_schema(
      {{"id", {{"type", "integer"}}},
       {"updatedAt", {{"type", "string"}, {"format", "date-time"}}},
       {"address",
        {{"type", "object"},
         {"properties", {{"city", {{"type", "string"}}}, {"zip", {{"type", "string"}}}}},
         {"required", {"zip"}}}},
       {"tags",
        {{"type", "array"},
         {"items",
          {{"type", "object"},
           {"properties", {{"n", {{"type", "array"}, {"items", {{"type", "integer"}}}}}}},
           {"required", {"n"}}}}}}},
      {"updatedAt", "address", "tags"});
  for (const auto& r : rows) {
    const auto w = make_writer(schema);
    std::string out = "kept";
    const auto st = w.value(r.record, out);
    ASSERT_FALSE(st.ok()) << r.what;
    EXPECT_EQ(st.error().kind, error_kind::bad_payload) << r.what;
    EXPECT_EQ(st.error().message,
              std::string{"quarry.test.things: cannot write the record as Kafka Connect JSON: "} + r.message)
        << r.what;
    EXPECT_EQ(st.error().message.find("secret"), std::string::npos) << "the value leaked: " << st.error().message;
    EXPECT_EQ(out, "kept") << r.what;
  }
}

TEST(connect_json_payload, invalid_json_is_a_bad_payload) {
  const std::vector<std::string> rows{
      "",
      "   ",
      "{",
      R"({"id":1)",
      R"({"id":1,})",
      R"({"id":1}x)",
      R"({"id":1}{})",
      R"({id:1})",
      R"({'id':1})",
      R"({"id" 1})",
      R"({"id":01})",
      R"({"id":1.})",
      R"({"id":-})",
      R"({"id":1,"email":"a\x"})",
      R"({"id":1,"email":"a\u12"})",
      "{\"id\":1,\"email\":\"a\nb\"}",
      R"({"id":1,"email":"unterminated)",
      R"({"id":1,"attrs":{"a":tru}})",
      R"({"id":1,"unknown":[1,2})",
      R"({"id":1,"tags":[1 2]})",
      R"({"id":1,"score":"x","attrs":{"a":nul}})",  // after a misfit too
      "{\"id\":1,\"email\":\"\xC3\"}",                  // not UTF-8
      "{\"id\":1,\"email\":\"\xED\xA0\x80\"}",          // an encoded surrogate
      "{\"id\":1,\"email\":\"\xC0\xAF\"}",              // overlong
      "{\"id\":1,\"email\":\"0123456789abcdefghijklmnopqrstuvwxyz\tABC\"}",  // a tab past 16 bytes
      "{\"id\":1,\"email\":\"0123456789abcdefghijklmnopqrstuvwxyz\xFF\"}",  // not UTF-8 past 16 bytes
      std::string(600, '[') + std::string(600, ']'),
      R"({"id":1,"deep":)" + std::string(600, '[') + std::string(600, ']') + "}",
  };
  const auto w = make_writer(lead_schema());
  for (const auto& r : rows) {
    std::string out = "kept";
    const auto st = w.value(r, out);
    ASSERT_FALSE(st.ok()) << r;
    EXPECT_EQ(st.error().kind, error_kind::bad_payload) << r;
    EXPECT_NE(st.error().message.find("quarry.test.things: cannot write the record as Kafka Connect JSON: not valid "
                                      "JSON ("),
              std::string::npos)
        << r << ": " << st.error().message;
    EXPECT_EQ(out, "kept") << r;
  }
}

TEST(connect_json_payload, more_than_64_required_fields) {
  json props = json::object(), required = json::array();
  std::string record = "{";
  for (int i = 0; i < 70; ++i) {
    const std::string n = "c" + std::to_string(100 + i);
    props[n] = {{"type", "integer"}};
    required.push_back(n);
    if (i > 0) record += ',';
    record += "\"" + n + "\":" + std::to_string(i);
  }
  const auto w = make_writer(object_schema(props, required), {});
  EXPECT_EQ(value_payload(w, record + "}").size(), 70U);
  // Repeating one field does not stand in for another.
  std::string out;
  const auto st = w.value(record + R"(,"c100":0})", out);
  ASSERT_TRUE(st.ok()) << st.error().message;
  record.erase(record.find(R"("c169")") - 1);
  const auto missing = w.value(record + R"(,"c100":0})", out);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("required field c169: missing"), std::string::npos)
      << missing.error().message;
}

TEST(connect_json_key, key_envelopes) {
  const auto w = make_writer(lead_schema(), {"id", "updatedAt"});
  std::string out;
  ASSERT_TRUE(w.key(R"({"id":5,"updatedAt":"2024-05-01T10:00:00Z"})", out).ok());
  EXPECT_EQ(payload_of(out, w.key_schema()), json::parse(R"({"id":5,"updatedAt":1714557600000})"));

  struct row {
    const char* key;
    const char* message;
  };
  const std::vector<row> rows{
      {R"({"id":"5","updatedAt":"2024-05-01T10:00:00Z"})", "required field id: expected an integer, found a string"},
      {R"({"id":5})", "required field updatedAt: missing"},
      {R"({"id":5,"updatedAt":"2024-05-01T10:00:00Z","email":"x"})", "field email: not one of the key fields"},
      {R"({"id":5,"updatedAt":"2024-05-01T10:00:00Z",)", "not valid JSON"},
  };
  for (const auto& r : rows) {
    std::string kept;
    const auto st = w.key(r.key, kept);
    ASSERT_FALSE(st.ok()) << r.key;
    EXPECT_EQ(st.error().kind, error_kind::bad_payload);
    EXPECT_NE(st.error().message.find("quarry.test.things: cannot write the key as Kafka Connect JSON: " +
                                      std::string{r.message}),
              std::string::npos)
        << st.error().message;
    EXPECT_TRUE(kept.empty());
  }
}

TEST(connect_json_key, a_stream_without_a_key) {
  const auto w = make_writer(lead_schema(), {});
  std::string out;
  ASSERT_TRUE(w.key("{}", out).ok());
  EXPECT_EQ(payload_of(out, w.key_schema()), json::object());
  EXPECT_EQ(json::parse(w.key_schema())["fields"], json::array());
}

// ------------------------------------------------------ nested as JSON text

json json_field(bool optional, const std::string& name) {
  return {{"type", "string"}, {"optional", optional}, {"name", json_name}, {"version", 1}, {"field", name}};
}

TEST(connect_json_nested, top_level_objects_and_arrays_become_json_text) {
  const json schema = object_schema(
      {{"id", {{"type", "integer"}}},
       {"email_address",
        {{"type", "object"},
         {"properties", {{"address", {{"type", "string"}}}, {"confirmed", {{"type", "boolean"}}}}},
         {"required", {"address"}}}},
       {"custom_fields",
        {{"type", {"array", "null"}},
         {"items", {{"type", "object"}, {"properties", {{"custom_field_id", {{"type", "string"}}}}}}}}},
       {"list_memberships", {{"type", "array"}, {"items", {{"type", "string"}}}}},
       {"attributes", {{"type", {"object", "null"}}, {"additionalProperties", {{"type", "integer"}}}}},
       {"anything", {{"type", "array"}}},
       {"created_at", {{"type", "string"}, {"format", "date-time"}}},
       {"several", {{"type", {"object", "array"}}}}},
      {"email_address"});
  const auto w = make_writer(schema, {"id"}, timestamps::logical, nested::json);
  EXPECT_EQ(json::parse(w.value_schema())["fields"],
            json::array({json_field(true, "anything"),  // in the JSON Schema's (sorted) order
                         json_field(true, "attributes"),
                         {{"type", "int64"}, {"optional", true}, {"name", timestamp_name}, {"version", 1},
                          {"field", "created_at"}},
                         json_field(true, "custom_fields"),
                         json_field(false, "email_address"),
                         {{"type", "int64"}, {"optional", false}, {"field", "id"}},
                         json_field(true, "list_memberships"),
                         {{"type", "string"}, {"optional", true}, {"field", "several"}},  // text, as before
                         extra_schema}));
  EXPECT_EQ(json::parse(w.key_schema())["fields"],
            json::parse(R"([{"type":"int64","optional":false,"field":"id"}])"));

  // The value's text, whitespace between tokens dropped; nothing inside is
  // checked (confirmed is a string, extra is not in the schema); a misfit
  // elsewhere still goes to _quarry_extra.
  const json p = value_payload(w, R"({"id": 7,
      "email_address": { "address" : "a@b", "confirmed": "yes", "extra": [1, 2.50, {}] },
      "custom_fields": [ {"custom_field_id": "c1", "value": "v 1"}, {"custom_field_id": "c2", "value": null} ],
      "list_memberships": ["l1", "l2"],
      "attributes": {"a": 1, "b": "not an int"},
      "anything": [1, "x", [true, null]],
      "created_at": "not a date"})");
  EXPECT_EQ(p, json::parse(R"({"id": 7,
      "email_address": "{\"address\":\"a@b\",\"confirmed\":\"yes\",\"extra\":[1,2.50,{}]}",
      "custom_fields": "[{\"custom_field_id\":\"c1\",\"value\":\"v 1\"},{\"custom_field_id\":\"c2\",\"value\":null}]",
      "list_memberships": "[\"l1\",\"l2\"]",
      "attributes": "{\"a\":1,\"b\":\"not an int\"}",
      "anything": "[1,\"x\",[true,null]]",
      "_quarry_extra": {"created_at": "not a date"}})"));

  // Empty containers; any JSON value fits (a string is its JSON text); null
  // is null.
  EXPECT_EQ(value_payload(w, R"({"id":1,"email_address":{},"custom_fields":[],"list_memberships":"l1",)"
                             R"("attributes":5,"anything":null})"),
            json::parse(R"({"id":1,"email_address":"{}","custom_fields":"[]","list_memberships":"\"l1\"",)"
                        R"("attributes":"5","anything":null})"));

  // A required one that is null or missing fails the record; so does bad JSON inside.
  for (const char* record : {R"({"id":1,"email_address":null})", R"({"id":1})",
                             R"({"id":1,"email_address":{"address":"a@b",}})",
                             R"({"id":1,"email_address":{"address":"\x"}})"}) {
    std::string out;
    const auto st = w.value(record, out);
    ASSERT_FALSE(st.ok()) << record;
    EXPECT_EQ(st.error().kind, error_kind::bad_payload) << record;
    EXPECT_TRUE(out.empty()) << record;
  }
}

TEST(connect_json_nested, key_fields_and_the_default_keep_their_mapping) {
  const json schema = object_schema({{"ref", {{"type", "object"}, {"properties", {{"n", {{"type", "integer"}}}}}}},
                                     {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}}});
  const auto structs = make_writer(schema, {"ref"});
  const auto as_json = make_writer(schema, {"ref"}, timestamps::logical, nested::json);
  EXPECT_EQ(as_json.key_schema(), structs.key_schema());
  EXPECT_EQ(field_schema(as_json, "ref"), field_schema(structs, "ref"));
  EXPECT_EQ(field_schema(structs, "tags")["type"], "array");
  EXPECT_EQ(field_schema(as_json, "tags"), json_field(true, "tags"));
  const std::string record = R"({"ref":{"n":1},"tags":["a"]})";
  EXPECT_EQ(value_payload(structs, record), json::parse(record));
  EXPECT_EQ(value_payload(as_json, record), json::parse(R"({"ref":{"n":1},"tags":"[\"a\"]"})"));
}

TEST(connect_json_nested, escapes_round_trip) {
  const auto w = make_writer(object_schema({{"id", {{"type", "integer"}}}, {"v", {{"type", "object"}}}}), {"id"},
                             timestamps::logical, nested::json);
  // Each: a JSON value as a source writes it, and its compact text.
  const std::vector<std::pair<std::string, std::string>> rows{
      {R"({"q":"say \"hi\""})", R"({"q":"say \"hi\""})"},
      {R"({"b":"C:\\dir\\", "s":"a\/b"})", R"({"b":"C:\\dir\\","s":"a\/b"})"},
      {R"({"c":"\n\t\r\b\f\u0001"})", R"({"c":"\n\t\r\b\f\u0001"})"},
      {"{\"u\": \"\\u00e9 \\ud83d\\ude00 \u00e9 \U0001F600 \u2028\"}",
       "{\"u\":\"\\u00e9 \\ud83d\\ude00 \u00e9 \U0001F600 \u2028\"}"},
      {R"({"key \"x\"": [ "a , b", " : ", "{ }" ]})", R"({"key \"x\"":["a , b"," : ","{ }"]})"},
      {"{ \r\n\t\"n\" :\n[ -0.5e-3 , 1E+2 , 0, true, false, null, { }, [ ] ] }",
       R"({"n":[-0.5e-3,1E+2,0,true,false,null,{},[]]})"},
      {R"({"\\":"\\\""})", R"({"\\":"\\\""})"},
  };
  for (const auto& [value, compact] : rows) {
    std::string out;
    const auto st = w.value(R"({"id":1,"v":)" + value + "}", out);
    ASSERT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message) << " for " << value;
    const json payload = payload_of(out, w.value_schema());
    ASSERT_TRUE(payload["v"].is_string()) << out;
    const std::string text = payload["v"];
    EXPECT_EQ(text, compact);  // strings and numbers byte for byte
    EXPECT_EQ(json::parse(text), json::parse(value)) << value;
  }
}

// ------------------------------------------------ every connector's streams

// Discovery without a network: canned Marketo answers, errors otherwise.
quarry::testing::fake_session offline_session() {
  quarry::testing::canned_files marketo(MARKETO_TEST_DATA);
  marketo.answer("GET /identity/oauth/token", {{200, "token.json"}});
  marketo.answer("GET /rest/v1/leads/describe.json", {{200, "leads_describe.json"}});
  marketo.answer("GET /rest/v1/activities/types.json", {{200, "activity_types.json"}});
  return {quarry::testing::offline_job("", {{"client_id", "id"}, {"client_secret", "secret"}}), marketo};
}

// A value of the JSON Schema `property` that fits it.
json sample(const json& property) {
  std::string type = "none";
  if (property.contains("type"))
    for (const auto& t : property["type"].is_array() ? property["type"] : json::array({property["type"]}))
      if (t != "null") {
        type = type == "none" ? t.get<std::string>() : "several";
      }
  const std::string format = property.value("format", "");
  if (type == "string" && format == "date-time") return "2024-05-01T10:00:00.123Z";
  if (type == "string" && format == "date") return "2024-05-01";
  if (type == "string") return "text \"quoted\" é";
  if (type == "integer") return -9007199254740993;
  if (type == "number") return 0.25;
  if (type == "boolean") return true;
  if (type == "array") return json::array({property.contains("items") ? sample(property["items"]) : json(1)});
  if (type == "object") {
    json o = json::object();
    if (property.contains("properties"))
      for (const auto& [n, p] : property["properties"].items()) o[n] = sample(p);
    else
      o["k"] = property.contains("additionalProperties") && property["additionalProperties"].is_object()
                   ? sample(property["additionalProperties"])
                   : json{{"nested", 1}};
    return o;
  }
  return json{{"any", {1, "x"}}};
}

// Whether `payload` holds a _quarry_extra anywhere.
bool has_extra(const json& payload) {
  if (payload.is_object()) {
    if (payload.contains("_quarry_extra")) return true;
    for (const auto& [k, v] : payload.items())
      if (has_extra(v)) return true;
  }
  if (payload.is_array())
    for (const auto& v : payload)
      if (has_extra(v)) return true;
  return false;
}

TEST(connect_json_streams, every_discoverable_stream_maps_and_round_trips) {
  int streams = 0;
  std::set<std::string> sources;
  for (const auto& source : connectors::sources()) {
    auto c = connectors::make_connector(source);
    ASSERT_TRUE(c) << source;
    auto s = offline_session();
    auto found = c->discover(s);
    if (!found) continue;  // needs the network beyond the canned answers
    sources.insert(source);
    for (const auto& d : *found) {
      ++streams;
      const std::string name = "quarry." + source + "." + d.name;
      json record = sample(d.schema);
      json key = json::object();
      for (const auto& k : d.primary_key) key[k] = record[k];
      for (const auto& [ts, n] : {std::pair{timestamps::logical, nested::structs},
                                  std::pair{timestamps::string, nested::structs},
                                  std::pair{timestamps::logical, nested::json}}) {
        auto w = envelope_writer::make(d.schema, d.primary_key, name, ts, n);
        ASSERT_TRUE(w.ok()) << name << ": " << w.error().message;
        std::string out;
        const auto st = w->value(record.dump(), out);
        ASSERT_TRUE(st.ok()) << st.error().message;
        const json payload = payload_of(out, w->value_schema());
        EXPECT_FALSE(has_extra(payload)) << name << ": a fitting record left fields untyped: " << payload.dump();
        EXPECT_EQ(payload.size(), record.size()) << name;
        for (const auto& f : json::parse(w->value_schema())["fields"])
          if (f.value("name", "") == json_name) {
            const std::string field = f["field"];
            EXPECT_EQ(json::parse(payload[field].get<std::string>()), record[field]) << name << "." << field;
          }
        out.clear();
        const auto kt = w->key(key.dump(), out);
        ASSERT_TRUE(kt.ok()) << kt.error().message;
        EXPECT_EQ(payload_of(out, w->key_schema()).size(), d.primary_key.size()) << name;
        // All nullable fields null.
        json nulls = json::object();
        for (const auto& [n, p] : d.schema["properties"].items()) nulls[n] = record[n];
        const json schema = json::parse(w->value_schema());
        for (const auto& f : schema["fields"])
          if (f["optional"] == true && nulls.contains(f["field"].get<std::string>()))
            nulls[f["field"].get<std::string>()] = nullptr;
        out.clear();
        ASSERT_TRUE(w->value(nulls.dump(), out).ok()) << name;
        payload_of(out, w->value_schema());
      }
    }
  }
  for (const char* expected : {"noop", "synthetic", "marketo", "constant_contact", "bronto", "kustomer", "listrak"})
    EXPECT_TRUE(sources.contains(expected)) << expected << " did not discover offline";
  EXPECT_GT(streams, 20);
}

} // namespace
} // namespace quarry::sinks::connect
