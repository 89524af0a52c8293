#include "connectors/constant_contact/cc_streams.hpp"

#include "connectors/core/schema.hpp"

#include "connectors/core/timestamp.hpp"

#include <nlohmann/json.hpp>

#include <utility>

namespace quarry::connectors::constant_contact {
namespace {

using nlohmann::json;

using schema::date_time;
using schema::nullable;
json string_array() { return {{"type", {"array", "null"}}, {"items", {{"type", "string"}}}}; }

json object_schema(std::vector<std::pair<const char*, json>> properties) {
  return schema::object(std::move(properties));
}

json nullable_object(std::vector<std::pair<const char*, json>> properties) {
  auto out = object_schema(std::move(properties));
  out["type"] = {"object", "null"};
  return out;
}

json object_array(std::vector<std::pair<const char*, json>> properties) {
  return {{"type", {"array", "null"}}, {"items", object_schema(std::move(properties))}};
}

// A postal address as the account summary and an activity's footer give it.
std::vector<std::pair<const char*, json>> address_fields() {
  return {{"address_line1", nullable("string")}, {"address_line2", nullable("string")},
          {"address_line3", nullable("string")}, {"city", nullable("string")},
          {"state_code", nullable("string")},    {"state_name", nullable("string")},
          {"postal_code", nullable("string")},   {"country_code", nullable("string")}};
}

// A contact's email address (EmailAddress in the Swagger file).
json email_address() {
  auto out = object_schema({{"address", nullable("string")},
                            {"permission_to_send", nullable("string")},
                            {"created_at", date_time()},
                            {"updated_at", date_time()},
                            {"opt_in_source", nullable("string")},
                            {"opt_in_date", date_time()},
                            {"opt_out_source", nullable("string")},
                            {"opt_out_date", date_time()},
                            {"opt_out_reason", nullable("string")},
                            {"confirm_status", nullable("string")}});
  out["type"] = {"object", "null"};
  return out;
}

// A tracking report: every report has the columns of a tracking activity,
// some a few of their own.
stream_spec report_stream(std::string name, replication_method replication) {
  std::vector<std::pair<const char*, json>> props = {
      {"contact_id", nullable("string")},           {"campaign_activity_id", nullable("string")},
      {"tracking_activity_type", nullable("string")}, {"email_address", nullable("string")},
      {"first_name", nullable("string")},           {"last_name", nullable("string")},
      {"created_time", date_time()},                {"deleted_at", nullable("string")}};
  std::vector<std::string> key = {"campaign_activity_id", "contact_id"};
  if (name == "opens" || name == "clicks") props.emplace_back("device_type", nullable("string"));
  if (name == "clicks") {
    props.emplace_back("url_id", nullable("string"));
    props.emplace_back("link_url", nullable("string"));
  }
  if (name == "bounces") {
    props.emplace_back("bounce_code", nullable("string"));
    props.emplace_back("current_email_address", nullable("string"));
  }
  // A contact opens, clicks and forwards an email more than once.
  if (name == "opens" || name == "clicks" || name == "forwards") key.emplace_back("created_time");
  if (name == "clicks") key.emplace_back("url_id");
  const bool incremental = replication == replication_method::incremental;
  return {.stream = {.name = std::move(name),
                     .primary_key = std::move(key),
                     .replication = replication,
                     .replication_key = incremental ? "created_time" : "",
                     .schema = object_schema(std::move(props))},
          .read = {.how = reading::report}};
}

std::vector<stream_spec> make_streams() {
  std::vector<stream_spec> out;
  out.push_back({
      .stream = {.name = "contacts", .primary_key = {"contact_id"}, .replication_key = "updated_at",
                 .schema = object_schema({{"contact_id", {{"type", "string"}}},
                                          {"email_address", email_address()},
                                          {"first_name", nullable("string")},
                                          {"last_name", nullable("string")},
                                          {"job_title", nullable("string")},
                                          {"company_name", nullable("string")},
                                          {"birthday_month", nullable("integer")},
                                          {"birthday_day", nullable("integer")},
                                          {"anniversary", nullable("string")},
                                          {"create_source", nullable("string")},
                                          {"update_source", nullable("string")},
                                          {"created_at", date_time()},
                                          {"updated_at", date_time()},
                                          {"custom_fields",
                                           {{"type", {"array", "null"}}, {"items", {{"type", "object"}}}}},
                                          {"list_memberships", string_array()},
                                          // The include extras (requested only when selected).
                                          {"taggings", string_array()},
                                          {"notes", object_array({{"note_id", nullable("string")},
                                                                  {"created_at", date_time()},
                                                                  {"content", nullable("string")}})},
                                          {"phone_numbers", object_array({{"phone_number_id", nullable("string")},
                                                                          {"phone_number", nullable("string")},
                                                                          {"kind", nullable("string")},
                                                                          {"created_at", date_time()},
                                                                          {"updated_at", date_time()},
                                                                          {"update_source", nullable("string")},
                                                                          {"create_source", nullable("string")}})},
                                          {"street_addresses", object_array({{"street_address_id", nullable("string")},
                                                                             {"kind", nullable("string")},
                                                                             {"street", nullable("string")},
                                                                             {"city", nullable("string")},
                                                                             {"state", nullable("string")},
                                                                             {"postal_code", nullable("string")},
                                                                             {"country", nullable("string")},
                                                                             {"created_at", date_time()},
                                                                             {"updated_at", date_time()}})},
                                          // A deleted contact's; a date or a date-time [GUESS: the
                                          // docs show "2022-08-15"], delivered as the API wrote it.
                                          {"deleted_at", nullable("string")},
                                          // settings.deletes "flag" or "both": true on a deleted
                                          // contact's record, false on every other.
                                          {"deleted", nullable("boolean")}})}});
  out.push_back({
      .stream = {.name = "contact_lists", .primary_key = {"list_id"}, .replication = replication_method::full_table,
                 .schema = object_schema({{"list_id", {{"type", "string"}}},
                                          {"name", nullable("string")},
                                          {"description", nullable("string")},
                                          {"favorite", nullable("boolean")},
                                          {"created_at", date_time()},
                                          {"updated_at", date_time()},
                                          {"membership_count", nullable("integer")}})}});
  out.push_back({
      .stream = {.name = "contact_custom_fields", .primary_key = {"custom_field_id"},
                 .replication = replication_method::full_table,
                 .schema = object_schema({{"custom_field_id", {{"type", "string"}}},
                                          {"label", nullable("string")},
                                          {"name", nullable("string")},
                                          {"type", nullable("string")},
                                          {"created_at", date_time()},
                                          {"updated_at", date_time()}})}});
  out.push_back({
      .stream = {.name = "campaigns", .primary_key = {"campaign_id"}, .replication_key = "updated_at",
                 .schema = object_schema({{"campaign_id", {{"type", "string"}}},
                                          {"name", nullable("string")},
                                          {"current_status", nullable("string")},
                                          {"type", nullable("string")},
                                          {"type_code", nullable("integer")},
                                          {"created_at", date_time()},
                                          {"updated_at", date_time()}})}});
  // Read per campaign, and only for campaigns that changed: incremental by
  // its parent, never a whole snapshot (a full-table stream's missing keys
  // would be deleted).
  out.push_back({
      .stream = {.name = "campaign_activities", .primary_key = {"campaign_activity_id"},
                 .schema = object_schema({{"campaign_activity_id", {{"type", "string"}}},
                                          {"campaign_id", nullable("string")},
                                          {"role", nullable("string")},
                                          {"contact_list_ids", string_array()},
                                          {"segment_ids", string_array()},
                                          {"current_status", nullable("string")},
                                          {"format_type", nullable("integer")},
                                          {"from_email", nullable("string")},
                                          {"from_name", nullable("string")},
                                          {"reply_to_email", nullable("string")},
                                          {"subject", nullable("string")},
                                          {"preheader", nullable("string")},
                                          // The include extras, asked for only when selected.
                                          {"html_content", nullable("string")},
                                          {"permalink_url", nullable("string")},
                                          {"physical_address_in_footer", [] {
                                             auto fields = address_fields();
                                             fields.emplace_back("organization_name", nullable("string"));
                                             fields.emplace_back("country_name", nullable("string"));
                                             fields.emplace_back("address_optional", nullable("string"));
                                             return nullable_object(std::move(fields));
                                           }()},
                                          {"document_properties", {{"type", {"object", "null"}}}}})},
      .read = {.how = reading::with_campaign}});
  for (const auto* name : {"sends", "opens", "unique_opens", "clicks", "bounces", "optouts", "forwards"})
    out.push_back(report_stream(name, replication_method::incremental));
  out.push_back(report_stream("didnotopens", replication_method::full_table));  // it shrinks
  // Per activity, read with its campaign (see constant_contact_connector.hpp).
  out.push_back({
      .stream = {.name = "email_links", .primary_key = {"campaign_activity_id", "url_id"},
                 .schema = object_schema({{"campaign_activity_id", {{"type", "string"}}},
                                          {"url_id", {{"type", "string"}}},
                                          {"link_url", nullable("string")},
                                          {"link_tag", nullable("string")},
                                          {"list_id", nullable("string")},
                                          {"list_action", nullable("string")},
                                          {"unique_clicks", nullable("integer")}})},
      .read = {.how = reading::with_campaign}});
  out.push_back({
      .stream = {.name = "email_previews", .primary_key = {"campaign_activity_id"},
                 .schema = object_schema({{"campaign_activity_id", {{"type", "string"}}},
                                          {"from_email", nullable("string")},
                                          {"from_name", nullable("string")},
                                          {"reply_to_email", nullable("string")},
                                          {"subject", nullable("string")},
                                          {"preheader", nullable("string")},
                                          {"preview_html_content", nullable("string")},
                                          {"preview_text_content", nullable("string")}})},
      .read = {.how = reading::with_campaign}});
  out.push_back({
      .stream = {.name = "campaign_activity_schedules", .primary_key = {"campaign_activity_id", "scheduled_date"},
                 .schema = object_schema({{"campaign_activity_id", {{"type", "string"}}},
                                          {"scheduled_date", {{"type", "string"}, {"format", "date-time"}}}})},
      .read = {.how = reading::with_campaign}});
  out.push_back({
      .stream = {.name = "campaign_activity_send_history", .primary_key = {"campaign_activity_id", "send_id"},
                 .schema = object_schema({{"campaign_activity_id", {{"type", "string"}}},
                                          {"send_id", {{"type", "integer"}}},
                                          {"contact_list_ids", string_array()},
                                          {"segment_ids",
                                           {{"type", {"array", "null"}}, {"items", {{"type", {"integer", "string"}}}}}},
                                          {"count", nullable("integer")},
                                          {"run_date", date_time()},
                                          {"send_status", nullable("string")},
                                          {"reason_code", nullable("integer")}})},
      .read = {.how = reading::with_campaign}});
  // Account-wide, each a full table.
  out.push_back({
      .stream = {.name = "account_summary", .primary_key = {"encoded_account_id"},
                 .replication = replication_method::full_table,
                 .schema = object_schema({{"encoded_account_id", {{"type", "string"}}},
                                          {"organization_name", nullable("string")},
                                          {"organization_phone", nullable("string")},
                                          {"contact_email", nullable("string")},
                                          {"contact_phone", nullable("string")},
                                          {"first_name", nullable("string")},
                                          {"last_name", nullable("string")},
                                          {"website", nullable("string")},
                                          {"time_zone_id", nullable("string")},
                                          {"country_code", nullable("string")},
                                          {"state_code", nullable("string")},
                                          {"physical_address", nullable_object(address_fields())}})},
      .read = {.how = reading::account_table,
               .first = "/v3/account/summary?extra_fields=physical_address",
               .list_key = "."}});
  out.push_back({
      .stream = {.name = "account_emails", .primary_key = {"email_id"}, .replication = replication_method::full_table,
                 .schema = object_schema({{"email_id", {{"type", "integer"}}},
                                          {"email_address", nullable("string")},
                                          {"confirm_status", nullable("string")},
                                          {"confirm_time", date_time()},
                                          {"confirm_source_type", nullable("string")},
                                          {"roles", string_array()},
                                          {"pending_roles", string_array()}})},
      // [GUESS: /account/emails answers a bare array and is not paged, as
      // the docs show; /account/summary one object.]
      .read = {.how = reading::account_table,
               .first = "/v3/account/emails",
               .list_key = ""}});
  out.push_back({
      .stream = {.name = "contact_tags", .primary_key = {"tag_id"}, .replication = replication_method::full_table,
                 .schema = object_schema({{"tag_id", {{"type", "string"}}},
                                          {"name", nullable("string")},
                                          {"tag_source", nullable("string")},
                                          {"contacts_count", nullable("integer")},
                                          {"created_at", date_time()},
                                          {"updated_at", date_time()}})},
      .read = {.how = reading::account_table,
               .first = "/v3/contact_tags?limit=500&include_count=true",
               .list_key = "tags"}});
  out.push_back({
      .stream = {.name = "segments", .primary_key = {"segment_id"}, .replication = replication_method::full_table,
                 .schema = object_schema({{"segment_id", {{"type", "integer"}}},
                                          {"name", nullable("string")},
                                          {"created_at", date_time()},
                                          {"edited_at", date_time()}})},
      .read = {.how = reading::account_table,
               .first = "/v3/segments?limit=1000&sort_by=date",
               .list_key = "segments"}});
  json counts = json::object();
  for (const auto* n : {"sends", "opens", "clicks", "forwards", "optouts", "abuse", "bounces", "not_opened"})
    counts[n] = nullable("integer");
  out.push_back({
      .stream = {.name = "email_campaign_summaries", .primary_key = {"campaign_id"},
                 .replication = replication_method::full_table,
                 .schema = object_schema({{"campaign_id", {{"type", "string"}}},
                                          {"campaign_type", nullable("string")},
                                          {"last_sent_date", date_time()},
                                          {"unique_counts", {{"type", {"object", "null"}}, {"properties", counts}}}})},
      // [GUESS: limit up to 500, the docs' "up to 500 email campaigns"]
      .read = {.how = reading::account_table,
               .first = "/v3/reports/summary_reports/email_campaign_summaries?limit=500",
               .list_key = "bulk_email_campaign_summaries"}});
  // Per contact, one row per campaign activity sent to it (the v3
  // reference's CampaignActivitySummary; see constant_contact_connector.hpp).
  out.push_back({
      .stream = {.name = "contact_activity_summaries", .primary_key = {"contact_id", "campaign_activity_id"},
                 .schema = object_schema({{"contact_id", {{"type", "string"}}},
                                          {"campaign_activity_id", {{"type", "string"}}},
                                          {"start_on", date_time()},
                                          {"em_sends", nullable("integer")},
                                          {"em_opens", nullable("integer")},
                                          {"em_clicks", nullable("integer")},
                                          {"em_bounces", nullable("integer")},
                                          {"em_forwards", nullable("integer")},
                                          {"em_unsubscribes", nullable("integer")}}),
                 .selected_by_default = false}});  // a call per contact: named only
  return out;
}

} // namespace

void normalise_times(const json& schema, json& value, const std::string& where,
                     const std::function<void(const std::string&)>& warn) {
  if (!schema.is_object()) return;
  if (value.is_string() && schema.value("format", "") == "date-time") {
    const auto& text = value.get_ref<const std::string&>();
    if (const auto t = parse_instant(text)) {
      value = format_rfc3339(*t);
    } else {
      warn(where + " is not a date-time, delivered as null: \"" + text.substr(0, 40) + "\"");
      value = nullptr;
    }
  } else if (value.is_object() && schema.contains("properties")) {
    for (const auto& [name, property] : schema["properties"].items())
      if (const auto it = value.find(name); it != value.end()) normalise_times(property, *it, where + "." + name, warn);
  } else if (value.is_array() && schema.contains("items")) {
    for (std::size_t i = 0; i < value.size(); ++i)
      normalise_times(schema["items"], value[i], where + "[" + std::to_string(i) + "]", warn);
  }
}

const std::vector<stream_spec>& streams() {
  static const std::vector<stream_spec> all = make_streams();
  return all;
}

} // namespace quarry::connectors::constant_contact
