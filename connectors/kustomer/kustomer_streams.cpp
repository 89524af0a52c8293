#include "connectors/kustomer/kustomer_streams.hpp"

#include "connectors/core/schema.hpp"

#include "connectors/core/snake_case.hpp"

namespace quarry::connectors::kustomer {
namespace {

using nlohmann::json;

using schema::nullable;
json time_column() { return schema::date_time(); }
json reference() {  // a lifted relationship: {type, id}, or a list of them
  return {{"type", {"object", "array", "null"}}};
}

// Columns every Kustomer record has, plus the stream's own.
json schema(std::initializer_list<std::pair<const char*, json>> own) {
  json properties = {{"id", {{"type", "string"}}},
                     {"type", nullable("string")},
                     {"links", nullable("object")},
                     {"created_at", time_column()},
                     {"updated_at", time_column()},
                     {"org", reference()}};
  for (const auto& [name, type] : own) properties[name] = type;
  // Kustomer orgs add custom attributes: columns not listed are kept.
  return {{"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", true}};
}

json stream_schema(std::string_view name) {
  const auto text = nullable("string");
  const auto integer = nullable("integer");
  const auto boolean = nullable("boolean");
  const auto list = nullable("array");
  const auto object = nullable("object");
  if (name == "customers")
    return schema({{"name", text}, {"display_name", text}, {"first_name", text}, {"last_name", text},
                   {"external_ids", list}, {"emails", list}, {"phones", list}, {"tags", list},
                   {"modified_at", time_column()}, {"deleted", boolean}, {"conversation_counts", object},
                   {"verified", boolean}, {"rev", integer}, {"created_by", reference()}});
  if (name == "conversations")
    return schema({{"name", text}, {"channels", list}, {"status", text}, {"priority", integer},
                   {"message_count", integer}, {"tags", list}, {"rev", integer}, {"customer", reference()},
                   {"created_by", reference()}, {"assigned_teams", reference()}});
  if (name == "messages")
    return schema({{"channel", text}, {"direction", text}, {"preview", text}, {"subject", text},
                   {"sent_at", time_column()}, {"rev", integer}, {"conversation", reference()},
                   {"customer", reference()}});
  if (name == "notes")
    return schema({{"body", text}, {"conversation", reference()}, {"customer", reference()},
                   {"created_by", reference()}});
  if (name == "kobjects")
    return schema({{"external_id", text}, {"title", text}, {"description", text}, {"data", object},
                   {"custom", object}, {"tags", list}, {"rev", integer}, {"klass", reference()},
                   {"customer", reference()}});
  if (name == "users")
    return schema({{"name", text}, {"display_name", text}, {"email", text}, {"user_type", text},
                   {"roles", list}});
  if (name == "teams") return schema({{"name", text}, {"display_name", text}, {"icon", text}, {"members", reference()}});
  if (name == "tags") return schema({{"name", text}, {"color", text}, {"deleted", boolean}, {"created_by", reference()}});
  return schema({{"name", text}, {"text", text}, {"deleted", boolean}});  // shortcuts
}

} // namespace

const std::vector<stream_spec>& streams() {
  static const std::vector<stream_spec> table{
      {"customers", "customer", "", 500},   {"conversations", "conversation", "", 500},
      {"messages", "message", "", 500},     {"notes", "note", "", 500},
      {"kobjects", "kobject", "", 500},     {"users", "", "/v1/users", 500},
      {"teams", "", "/v1/teams", 500},      {"tags", "", "/v1/tags", 100},
      {"shortcuts", "", "/v1/shortcuts", 100},
  };
  return table;
}

const stream_spec* find_stream(std::string_view name) {
  for (const auto& s : streams())
    if (s.name == name) return &s;
  return nullptr;
}

stream_descriptor descriptor(const stream_spec& spec) {
  return {std::string(spec.name), {"id"}, replication_method::incremental, "updated_at",
          stream_schema(spec.name)};
}

std::optional<json> stitch_record(const json& wire) {
  if (!wire.is_object() || !wire.contains("id") || !wire["id"].is_string() ||
      !wire.contains("attributes") || !wire["attributes"].is_object())
    return std::nullopt;
  json out = json::object();
  for (const auto& [key, value] : wire.items())
    if (key != "attributes" && key != "relationships") out[snake_case(key)] = snake_case_keys(value);
  for (const auto& [key, value] : wire["attributes"].items()) out[snake_case(key)] = snake_case_keys(value);
  if (const auto it = wire.find("relationships"); it != wire.end() && it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      if (!value.is_object() || !value.contains("data")) continue;
      const auto name = snake_case(key);
      out[name == "sla" ? "sla_data" : name] = snake_case_keys(value["data"]);
    }
  }
  return out;
}

} // namespace quarry::connectors::kustomer
