#include "connectors/bronto/bronto_streams.hpp"

#include <algorithm>

namespace quarry::connectors::bronto {

namespace {

using k = json_text::kind;

soap::column str(std::string name) { return {std::move(name), k::string, false, false}; }
soap::column typed(std::string name, k kind) { return {std::move(name), kind, false, false}; }
soap::column many(std::string name) { return {std::move(name), k::string, true, false}; }

std::vector<soap::column> contact_columns() {
  std::vector<soap::column> c{str("id"), str("email"), str("mobileNumber"), str("status"), str("msgPref"),
                              str("source"), str("customSource"), str("created"), str("modified"),
                              typed("deleted", k::boolean), many("listIds"), many("segmentIds"),
                              many("fields"), many("SMSKeywordIDs")};
  for (const char* n : {"numSends", "numBounces", "numOpens", "numClicks", "numConversions"})
    c.push_back(typed(n, k::integer));
  c.push_back(typed("conversionAmount", k::number));
  c.push_back({"readOnlyContactData", k::string, false, true});
  for (const char* n : {"consentDate", "consentIp", "lastUnsubscribeDate"}) c.push_back(str(n));
  // readOnlyContactData's children, flattened into the record as tap-bronto does.
  for (const char* n : {"geoIPCity", "geoIPStateRegion", "geoIPZip", "geoIPCountry", "geoIPCountryCode",
                        "primaryBrowser", "mobileBrowser", "primaryEmailClient", "mobileEmailClient",
                        "operatingSystem", "firstOrderDate", "lastOrderDate"})
    c.push_back(str(n));
  c.push_back(typed("lastOrderTotal", k::number));
  c.push_back(typed("totalOrders", k::integer));
  c.push_back(typed("totalRevenue", k::number));
  c.push_back(typed("averageOrderValue", k::number));
  for (const char* n : {"lastDeliveryDate", "lastOpenDate", "lastClickDate"}) c.push_back(str(n));
  return c;
}

std::vector<soap::column> activity_columns() {
  std::vector<soap::column> c;
  for (const char* n :
       {"createdDate", "contactId", "listId", "segmentId", "keywordId", "messageId", "deliveryId", "workflowId",
        "activityType", "emailAddress", "mobileNumber", "contactStatus", "messageName", "deliveryType",
        "deliveryStart", "workflowName", "segmentName", "listName", "listLabel", "automatorName",
        "smsKeywordName", "bounceType", "bounceReason", "skipReason", "linkName", "linkUrl", "orderId",
        "unsubscribeMethod", "ftafEmails", "socialNetwork", "socialActivity", "webformType", "webformAction",
        "webformName", "webformId"})
    c.push_back(str(n));
  return c;
}

std::string type_name(json_text::kind kind) {
  switch (kind) {
    case k::integer: return "integer";
    case k::number: return "number";
    case k::boolean: return "boolean";
    default: return "string";
  }
}

nlohmann::json type_of(const soap::column& c) {
  using nlohmann::json;
  const json nullable_string = {{"type", json::array({"string", "null"})}};
  if (c.repeated && c.name == "fields") {
    const json item = {{"type", "object"},
                       {"properties", {{"fieldId", nullable_string}, {"content", nullable_string}}}};
    return {{"type", json::array({"array", "null"})}, {"items", item}};
  }
  if (c.repeated) return {{"type", json::array({"array", "null"})}, {"items", {{"type", "string"}}}};
  json p = {{"type", json::array({type_name(c.kind), "null"})}};
  if (is_date_column(c.name)) p["format"] = "date-time";
  return p;
}

// The schema of a record as the columns write it, with the derived fields.
nlohmann::json record_schema(const read_spec& read) {
  nlohmann::json props = nlohmann::json::object();
  for (const auto& c : read.columns)
    if (!c.flatten) props[c.name] = type_of(c);
  for (const auto& f : read.derived) props[f] = {{"type", "string"}};
  return {{"type", "object"}, {"properties", props}};
}

std::vector<stream_spec> make_streams() {
  std::vector<stream_spec> all{
      {.stream = {.name = "contact", .primary_key = {"id"}, .replication_key = "modified"},
       .read = {.operation = "readContacts", .columns = contact_columns()}},
      {.stream = {.name = "inbound_activity", .primary_key = {"id", "event_id"}, .replication_key = "createdDate"},
       .read = {.operation = "readRecentInboundActivities",
                .columns = activity_columns(),
                .derived = {"id", "event_id"}}},
      {.stream = {.name = "outbound_activity", .primary_key = {"id", "event_id"}, .replication_key = "createdDate"},
       .read = {.operation = "readRecentOutboundActivities",
                .columns = activity_columns(),
                .derived = {"id", "event_id"}}},
      {.stream = {.name = "list", .primary_key = {"id"}, .replication = replication_method::full_table},
       .read = {.operation = "readLists",
                .columns = {str("id"), str("name"), str("label"), typed("activeCount", k::integer), str("status"),
                            str("visibility")}}},
      {.stream = {.name = "unsubscribe", .primary_key = {"contactId", "method", "created"}, .replication_key = "created"},
       .read = {.operation = "readUnsubscribes",
                .columns = {str("contactId"), str("deliveryId"), str("method"), typed("complaint", k::boolean),
                            str("created")}}},
  };
  for (auto& s : all) s.stream.schema = record_schema(s.read);
  return all;
}

} // namespace

std::vector<std::string> fields_for(const stream_spec& spec, const std::vector<std::string>* selected) {
  const auto& key = spec.stream.primary_key;
  std::vector<std::string> out;
  for (const auto& c : spec.read.columns) {
    const bool automatic = c.flatten || c.name == spec.stream.replication_key ||
                           std::find(key.begin(), key.end(), c.name) != key.end();
    if (automatic || !selected || std::find(selected->begin(), selected->end(), c.name) != selected->end())
      out.push_back(c.name);
  }
  return out;
}

const std::vector<stream_spec>& streams() {
  static const std::vector<stream_spec> all = make_streams();
  return all;
}

bool is_date_column(std::string_view name) {
  return name.ends_with("Date") || name == "created" || name == "modified" || name == "deliveryStart";
}

} // namespace quarry::connectors::bronto
