#include "connectors/marketo/marketo_streams.hpp"

#include <cctype>
#include <charconv>

namespace quarry::connectors::marketo {
namespace {

using nlohmann::json;

json nullable(const char* type) { return {{"type", {type, "null"}}}; }
json date_time() { return {{"type", {"string", "null"}}, {"format", "date-time"}}; }

json object_schema(json properties) {
  return {{"type", "object"}, {"properties", std::move(properties)}};
}

bool has_type(const json& property, const char* type) {
  if (!property.is_object() || !property.contains("type")) return false;
  const auto& t = property["type"];
  if (t.is_string()) return t == type;
  if (t.is_array())
    for (const auto& e : t)
      if (e == type) return true;
  return false;
}

} // namespace

std::string snake(std::string_view name) {
  std::string out;
  for (unsigned char c : name) out += c == ' ' ? '_' : static_cast<char>(std::tolower(c));
  return out;
}

json schema_for_type(std::string_view t) {
  if (t == "datetime" || t == "date") return date_time();
  if (t == "integer" || t == "percent" || t == "score") return nullable("integer");
  if (t == "float" || t == "currency") return nullable("number");
  if (t == "boolean") return nullable("boolean");
  if (t == "array")
    return {{"type", {"array", "null"}},
            {"items", {{"type", {"integer", "number", "string", "null"}}}}};
  return nullable("string");
}

stream_descriptor activity_types_stream() {
  return {"activity_types", {"id"}, replication_method::full_table, "",
          object_schema({{"id", {{"type", "integer"}}},
                         {"name", nullable("string")},
                         {"description", nullable("string")},
                         {"primaryAttribute", {{"type", {"object", "null"}}}},
                         {"attributes", {{"type", {"array", "null"}}}}})};
}

stream_descriptor campaigns_stream() {
  return {"campaigns", {"id"}, replication_method::incremental, "updatedAt",
          object_schema({{"id", {{"type", "integer"}}},
                         {"name", nullable("string")},
                         {"description", nullable("string")},
                         {"type", nullable("string")},
                         {"active", nullable("boolean")},
                         {"programId", nullable("integer")},
                         {"programName", nullable("string")},
                         {"workspaceName", nullable("string")},
                         {"createdAt", date_time()},
                         {"updatedAt", date_time()}})};
}

stream_descriptor lists_stream() {
  return {"lists", {"id"}, replication_method::incremental, "updatedAt",
          object_schema({{"id", {{"type", "integer"}}},
                         {"name", nullable("string")},
                         {"description", nullable("string")},
                         {"programName", nullable("string")},
                         {"workspaceName", nullable("string")},
                         {"createdAt", date_time()},
                         {"updatedAt", date_time()}})};
}

stream_descriptor programs_stream() {
  // createdAt/updatedAt come as "2015-11-18T15:25:35Z+0000": kept as text.
  return {"programs", {"id"}, replication_method::incremental, "updatedAt",
          object_schema({{"id", {{"type", "integer"}}},
                         {"name", nullable("string")},
                         {"description", nullable("string")},
                         {"createdAt", nullable("string")},
                         {"updatedAt", nullable("string")},
                         {"url", nullable("string")},
                         {"type", nullable("string")},
                         {"channel", nullable("string")},
                         {"folder", {{"type", {"object", "null"}}}},
                         {"status", nullable("string")},
                         {"workspace", nullable("string")},
                         {"headStart", nullable("boolean")}})};
}

const std::vector<rest_stream>& rest_streams() {
  static const std::vector<rest_stream> table{
      {"campaigns", "/rest/v1/campaigns.json", paging::next_page_token, 300, "", "",
       &campaigns_stream},
      {"lists", "/rest/v1/lists.json", paging::next_page_token, 300, "", "", &lists_stream},
      {"programs", "/rest/asset/v1/programs.json", paging::offset_until_warning, 200,
       "earliestUpdatedAt", "latestUpdatedAt", &programs_stream},
  };
  return table;
}

stream_descriptor leads_stream(const json& describe) {
  json props = {{"id", {{"type", "integer"}}},
                {"createdAt", {{"type", "string"}, {"format", "date-time"}}},
                {"updatedAt", {{"type", "string"}, {"format", "date-time"}}}};
  if (describe.contains("result") && describe["result"].is_array()) {
    for (const auto& field : describe["result"]) {
      if (!field.is_object() || !field.contains("rest") || !field["rest"].is_object()) continue;
      const auto name = field["rest"].value("name", std::string{});
      if (name.empty() || props.contains(name)) continue;
      props[name] = schema_for_type(field.value("dataType", std::string{"string"}));
    }
  }
  return {"leads", {"id"}, replication_method::incremental, "updatedAt", object_schema(props)};
}

std::string activity_stream_name(const json& type) {
  return "activities_" + snake(type.value("name", std::string{}));
}

stream_descriptor activity_stream(const json& type) {
  json props = {{"marketoGUID", {{"type", "string"}}},
                {"leadId", {{"type", "integer"}}},
                {"activityDate", {{"type", "string"}, {"format", "date-time"}}},
                {"activityTypeId", {{"type", "integer"}}},
                {"campaignId", nullable("integer")}};
  if (type.contains("primaryAttribute") && type["primaryAttribute"].is_object()) {
    props["primary_attribute_value"] = nullable("string");
    props["primary_attribute_value_id"] = nullable("string");
    props["primary_attribute_name"] = nullable("string");
  }
  if (type.contains("attributes") && type["attributes"].is_array())
    for (const auto& a : type["attributes"])
      if (a.is_object())
        props[snake(a.value("name", std::string{}))] =
            schema_for_type(a.value("dataType", std::string{"string"}));
  return {activity_stream_name(type), {"marketoGUID"}, replication_method::incremental,
          "activityDate", object_schema(props)};
}

json typed_value(std::string_view text, const json& property) {
  if (text.empty() || text == "null") return nullptr;
  if (has_type(property, "integer")) {
    const auto dot = text.find('.');
    const auto digits = text.substr(0, dot);
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc{} && p == digits.data() + digits.size()) return v;
    return std::string(text);
  }
  if (has_type(property, "number")) {
    const std::string s(text);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end && *end == '\0') return v;
    return s;
  }
  if (has_type(property, "boolean")) {
    if (text == "true" || text == "1") return true;
    if (text == "false" || text == "0") return false;
    return std::string(text);
  }
  if (has_type(property, "array") || has_type(property, "object")) {
    auto v = json::parse(text, nullptr, false);
    if (!v.is_discarded()) return v;
  }
  return std::string(text);
}

json activity_record(const json& activity, const json& type, const json& props) {
  json out = json::object();
  auto put = [&](const std::string& name, const json& value) {
    if (value.is_string() && props.contains(name))
      out[name] = typed_value(value.get<std::string>(), props[name]);
    else
      out[name] = value;
  };
  for (const char* base : {"marketoGUID", "leadId", "activityDate", "activityTypeId", "campaignId"})
    if (activity.contains(base)) put(base, activity[base]);
  if (out.contains("marketoGUID") && out["marketoGUID"].is_number())
    out["marketoGUID"] = out["marketoGUID"].dump();
  if (type.contains("primaryAttribute") && type["primaryAttribute"].is_object()) {
    auto text_of = [&](const char* key) -> json {
      if (!activity.contains(key) || activity[key].is_null()) return nullptr;
      const auto& v = activity[key];
      if (v.is_string()) return v.get<std::string>() == "null" ? json(nullptr) : v;
      return v.dump();
    };
    out["primary_attribute_value"] = text_of("primaryAttributeValue");
    out["primary_attribute_value_id"] = text_of("primaryAttributeValueId");
    out["primary_attribute_name"] = type["primaryAttribute"].value("name", std::string{});
  }
  // REST: [{"name","value"}]; bulk CSV: a JSON object as text.
  json attributes = activity.value("attributes", json(nullptr));
  if (attributes.is_string()) {
    auto parsed = json::parse(attributes.get<std::string>(), nullptr, false);
    attributes = parsed.is_discarded() ? json(nullptr) : parsed;
  }
  auto put_attr = [&](const std::string& name, const json& value) {
    const auto column = snake(name);
    if (value.is_string() && props.contains(column))
      out[column] = typed_value(value.get<std::string>(), props[column]);
    else
      out[column] = value;
  };
  if (attributes.is_array()) {
    for (const auto& a : attributes)
      if (a.is_object() && a.contains("name"))
        put_attr(a["name"].get<std::string>(), a.value("value", json(nullptr)));
  } else if (attributes.is_object()) {
    for (const auto& [name, value] : attributes.items()) put_attr(name, value);
  }
  return out;
}

} // namespace quarry::connectors::marketo
