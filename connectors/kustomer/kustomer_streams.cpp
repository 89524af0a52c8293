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
json record_schema(std::initializer_list<std::pair<const char*, json>> own) {
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

std::vector<stream_spec> make_streams() {
  const auto text = nullable("string");
  const auto integer = nullable("integer");
  const auto boolean = nullable("boolean");
  const auto list = nullable("array");
  const auto object = nullable("object");
  return {
      {.stream = {.name = "customers", .primary_key = {"id"}, .replication_key = "updated_at",
                  .schema = record_schema({{"name", text}, {"display_name", text}, {"first_name", text},
                                           {"last_name", text}, {"external_ids", list}, {"emails", list},
                                           {"phones", list}, {"tags", list}, {"modified_at", time_column()},
                                           {"deleted", boolean}, {"conversation_counts", object},
                                           {"verified", boolean}, {"rev", integer}, {"created_by", reference()}})},
       .read = {.context = "customer", .page_size = 500}},
      {.stream = {.name = "conversations", .primary_key = {"id"}, .replication_key = "updated_at",
                  .schema = record_schema({{"name", text}, {"channels", list}, {"status", text},
                                           {"priority", integer}, {"message_count", integer}, {"tags", list},
                                           {"rev", integer}, {"customer", reference()},
                                           {"created_by", reference()}, {"assigned_teams", reference()}})},
       .read = {.context = "conversation", .page_size = 500}},
      {.stream = {.name = "messages", .primary_key = {"id"}, .replication_key = "updated_at",
                  .schema = record_schema({{"channel", text}, {"direction", text}, {"preview", text},
                                           {"subject", text}, {"sent_at", time_column()}, {"rev", integer},
                                           {"conversation", reference()}, {"customer", reference()}})},
       .read = {.context = "message", .page_size = 500}},
      {.stream = {.name = "notes", .primary_key = {"id"}, .replication_key = "updated_at",
                  .schema = record_schema({{"body", text}, {"conversation", reference()},
                                           {"customer", reference()}, {"created_by", reference()}})},
       .read = {.context = "note", .page_size = 500}},
      {.stream = {.name = "kobjects", .primary_key = {"id"}, .replication_key = "updated_at",
                  .schema = record_schema({{"external_id", text}, {"title", text}, {"description", text},
                                           {"data", object}, {"custom", object}, {"tags", list},
                                           {"rev", integer}, {"klass", reference()}, {"customer", reference()}})},
       .read = {.context = "kobject", .page_size = 500}},
      {.stream = {.name = "users", .primary_key = {"id"}, .replication_key = "updated_at",
                  .schema = record_schema({{"name", text}, {"display_name", text}, {"email", text},
                                           {"user_type", text}, {"roles", list}})},
       .read = {.path = "/v1/users", .page_size = 500}},
      {.stream = {.name = "teams", .primary_key = {"id"}, .replication_key = "updated_at",
                  .schema = record_schema({{"name", text}, {"display_name", text}, {"icon", text},
                                           {"members", reference()}})},
       .read = {.path = "/v1/teams", .page_size = 500}},
      {.stream = {.name = "tags", .primary_key = {"id"}, .replication_key = "updated_at",
                  .schema = record_schema({{"name", text}, {"color", text}, {"deleted", boolean},
                                           {"created_by", reference()}})},
       .read = {.path = "/v1/tags", .page_size = 100}},
      {.stream = {.name = "shortcuts", .primary_key = {"id"}, .replication_key = "updated_at",
                  .schema = record_schema({{"name", text}, {"text", text}, {"deleted", boolean}})},
       .read = {.path = "/v1/shortcuts", .page_size = 100}},
  };
}

} // namespace

const std::vector<stream_spec>& streams() {
  static const std::vector<stream_spec> table = make_streams();
  return table;
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
