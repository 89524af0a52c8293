#include "connectors/listrak/listrak_streams.hpp"

#include <algorithm>

namespace quarry::connectors::listrak {
namespace {

using nlohmann::json;
using k = json_text::kind;

soap::column col(std::string name, k kind = k::string) { return {std::move(name), kind}; }

std::vector<soap::column> who(std::vector<soap::column> rest) {
  rest.insert(rest.begin(), {col("ContactID"), col("EmailAddress")});
  return rest;
}

std::vector<soap::column> list_columns() {
  std::vector<soap::column> out{col("ListID", k::integer), col("ListName"), col("CreateDate"),
                                col("FromName"), col("FromEmail"),
                                col("BounceUnsubscribeCount", k::integer), col("bounceHandling", k::integer)};
  for (const char* flag : {"EnableDoubleOptin", "EnableDynamicContent", "EnableGoogleAnalytics",
                           "EnableInternationalization", "EnableListHygiene", "EnableListRemoveHeader",
                           "EnableRemovalLink", "EnableBrowserLink", "EnableRSS",
                           "ShowAdvancedPersonalization", "ShowEmailList"})
    out.push_back(col(flag, k::boolean));
  for (auto c : {col("DomainAliasEmail"), col("DomainAliasLink"), col("Vmta"), col("VmtaID", k::integer),
                 col("Description")})
    out.push_back(std::move(c));
  out.push_back({"GoogleTrackingDomains", k::string, true, false});
  return out;
}

std::vector<soap::column> message_columns() {
  std::vector<soap::column> out{col("MsgID", k::integer), col("ListID", k::integer), col("Subject"),
                                col("SendDate")};
  for (const char* count : {"DeliverCount", "OpenCount", "ReadCount", "ClickCount", "ClickerCount",
                            "NewClickerCount", "RepeatClickerCount", "RemoveCount", "ConversionCount"})
    out.push_back(col(count, k::integer));
  for (const char* ratio : {"OpenPercent", "ReadPercent", "ClickerPercent", "RemovePercent", "OrderTotal",
                            "AverageOrderValue"})
    out.push_back(col(ratio, k::number));
  return out;
}

// Every stream; its schema follows from its row (record_schema).
std::vector<stream_spec> stream_table() {
  return {
      {.stream = {.name = "lists", .primary_key = {"ListID"}, .replication = replication_method::full_table},
       .read = {.how = reading::lists,
                .operation = "GetContactListCollection",
                .item = "WSContactList",
                .columns = list_columns(),
                .date_columns = {"CreateDate"},
                .string_arrays = {"GoogleTrackingDomains"}}},
      {.stream = {.name = "messages", .primary_key = {"MsgID"}, .replication = replication_method::full_table},
       .read = {.how = reading::messages,
                .operation = "ReportListMessageActivity",
                .item = "WSMessageActivity",
                .columns = message_columns(),
                .date_columns = {"SendDate"}}},
      {.stream = {.name = "subscribed_contacts", .primary_key = {"ListID", "ContactID"},
                  .replication_key = "AdditionDate"},
       .read = {.how = reading::range,
                .operation = "ReportRangeSubscribedContacts",
                .item = "WSContactSubscriptionInfo",
                .parent = "ListID",
                .columns = who({col("AdditionDate"), col("AdditionMethod")}),
                .date_columns = {"AdditionDate"}}},
      // message_sends resumes from a count, not a date.
      {.stream = {.name = "message_sends", .primary_key = {"MsgID", "EmailAddress"}},
       .read = {.how = reading::sends,
                .operation = "ReportMessageContactSent",
                .item = "WSMessageRecipient",
                .parent = "MsgID",
                .counter = "DeliverCount",
                .columns = {col("EmailAddress")}}},
      {.stream = {.name = "message_opens", .primary_key = {"MsgID", "EmailAddress", "OpenDate", ordinal_field},
                  .replication_key = "OpenDate"},
       .read = {.how = reading::range,
                .operation = "ReportRangeMessageContactOpen",
                .item = "WSContactOpen",
                .parent = "MsgID",
                .counter = "OpenCount",
                .columns = who({col("OpenDate")}),
                .date_columns = {"OpenDate"}}},
      {.stream = {.name = "message_clicks",
                  .primary_key = {"MsgID", "EmailAddress", "ClickDate", "LinkUrl", ordinal_field},
                  .replication_key = "ClickDate"},
       .read = {.how = reading::range,
                .operation = "ReportRangeMessageContactClick",
                .item = "WSContactClick",
                .parent = "MsgID",
                .counter = "ClickCount",
                .columns = who({col("LinkUrl"), col("LinkDescription"), col("ClickDate")}),
                .date_columns = {"ClickDate"}}},
      {.stream = {.name = "message_reads", .primary_key = {"MsgID", "EmailAddress", "ReadDate", ordinal_field},
                  .replication_key = "ReadDate"},
       .read = {.how = reading::range,
                .operation = "ReportRangeMessageContactRead",
                .item = "WSContactRead",
                .parent = "MsgID",
                .counter = "ReadCount",
                .columns = who({col("ReadDate")}),
                .date_columns = {"ReadDate"}}},
      {.stream = {.name = "message_unsubs", .primary_key = {"MsgID", "EmailAddress", "RemovalDate", ordinal_field},
                  .replication_key = "RemovalDate"},
       .read = {.how = reading::range,
                .operation = "ReportRangeMessageContactRemoval",
                .item = "WSContactRemovalInfo",
                .parent = "MsgID",
                .counter = "RemoveCount",
                .columns = who({col("AdditionDate"), col("RemovalDate"), col("RemovalMethod")}),
                .date_columns = {"AdditionDate", "RemovalDate"}}},
      {.stream = {.name = "message_bounces", .primary_key = {"MsgID", "EmailAddress", "BounceDate", ordinal_field},
                  .replication_key = "BounceDate"},
       .read = {.how = reading::range,
                .operation = "ReportRangeMessageContactBounces",
                .item = "WSContactBounce",
                .parent = "MsgID",
                .columns = who({col("BounceReason"), col("BounceDetail"), col("BounceDate"),
                                col("BounceCount", k::integer)}),
                .date_columns = {"BounceDate"}}},
  };
}

json property(const soap::column& c, bool date) {
  switch (c.kind) {
    case k::integer: return {{"type", {"integer", "null"}}};
    case k::number: return {{"type", {"number", "null"}}};
    case k::boolean: return {{"type", {"boolean", "null"}}};
    default: break;
  }
  json p = {{"type", {"string", "null"}}};
  if (date) p["format"] = "date-time";
  return p;
}

// A record as it is written: the parent's id, the typed columns, the
// string arrays and Ordinal.
json record_schema(const stream_spec& spec) {
  const auto& read = spec.read;
  json props = json::object();
  if (!read.parent.empty()) props[read.parent] = {{"type", "integer"}};
  for (const auto& c : read.columns) {
    if (c.name == "VmtaID" || c.name == "Description") continue;  // inside Vmta
    const bool date = std::find(read.date_columns.begin(), read.date_columns.end(), c.name) !=
                      read.date_columns.end();
    props[c.name] = property(c, date);
  }
  if (spec.stream.name == "lists")
    props["Vmta"] = {{"type", {"object", "null"}},
                     {"properties", {{"VmtaID", {{"type", {"integer", "null"}}}},
                                     {"Description", {{"type", {"string", "null"}}}}}}};
  for (const auto& name : read.string_arrays) props[name] = {{"type", "array"}, {"items", {{"type", "string"}}}};
  if (has_ordinal(spec)) props[ordinal_field] = {{"type", "integer"}};
  return {{"type", "object"}, {"properties", std::move(props)}};
}

std::vector<stream_spec> make_streams() {
  auto all = stream_table();
  for (auto& spec : all) spec.stream.schema = record_schema(spec);
  return all;
}

} // namespace

const std::vector<stream_spec>& streams() {
  static const std::vector<stream_spec> all = make_streams();
  return all;
}

std::vector<const stream_spec*> message_children() {
  std::vector<const stream_spec*> out;
  for (const auto& s : streams())
    if (s.read.parent == "MsgID") out.push_back(&s);
  return out;
}

bool has_ordinal(const stream_spec& spec) {
  const auto& key = spec.stream.primary_key;
  return std::find(key.begin(), key.end(), ordinal_field) != key.end();
}

} // namespace quarry::connectors::listrak
