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

// name, how, operation, item, parent, key, replication_key, counter,
// columns, date_columns, ordinal, string_arrays
std::vector<stream_spec> make_streams() {
  std::vector<stream_spec> out;
  out.push_back({"lists", reading::lists, "GetContactListCollection", "WSContactList", "", {"ListID"}, "", "",
                 list_columns(), {"CreateDate"}, false, {"GoogleTrackingDomains"}});
  out.push_back({"messages", reading::messages, "ReportListMessageActivity", "WSMessageActivity", "", {"MsgID"}, "",
                 "", message_columns(), {"SendDate"}, false, {}});
  out.push_back({"subscribed_contacts", reading::range, "ReportRangeSubscribedContacts", "WSContactSubscriptionInfo",
                 "ListID", {"ListID", "ContactID"}, "AdditionDate", "", who({col("AdditionDate"), col("AdditionMethod")}),
                 {"AdditionDate"}, false, {}});
  out.push_back({"message_sends", reading::sends, "ReportMessageContactSent", "WSMessageRecipient", "MsgID",
                 {"MsgID", "EmailAddress"}, "", "DeliverCount", {col("EmailAddress")}, {}, false, {}});
  out.push_back({"message_opens", reading::range, "ReportRangeMessageContactOpen", "WSContactOpen", "MsgID",
                 {"MsgID", "EmailAddress", "OpenDate"}, "OpenDate", "OpenCount", who({col("OpenDate")}), {"OpenDate"},
                 true, {}});
  out.push_back({"message_clicks", reading::range, "ReportRangeMessageContactClick", "WSContactClick", "MsgID",
                 {"MsgID", "EmailAddress", "ClickDate", "LinkUrl"}, "ClickDate", "ClickCount",
                 who({col("LinkUrl"), col("LinkDescription"), col("ClickDate")}), {"ClickDate"}, true, {}});
  out.push_back({"message_reads", reading::range, "ReportRangeMessageContactRead", "WSContactRead", "MsgID",
                 {"MsgID", "EmailAddress", "ReadDate"}, "ReadDate", "ReadCount", who({col("ReadDate")}), {"ReadDate"},
                 true, {}});
  out.push_back({"message_unsubs", reading::range, "ReportRangeMessageContactRemoval", "WSContactRemovalInfo",
                 "MsgID", {"MsgID", "EmailAddress", "RemovalDate"}, "RemovalDate", "RemoveCount",
                 who({col("AdditionDate"), col("RemovalDate"), col("RemovalMethod")}), {"AdditionDate", "RemovalDate"},
                 true, {}});
  out.push_back({"message_bounces", reading::range, "ReportRangeMessageContactBounces", "WSContactBounce", "MsgID",
                 {"MsgID", "EmailAddress", "BounceDate"}, "BounceDate", "",
                 who({col("BounceReason"), col("BounceDetail"), col("BounceDate"), col("BounceCount", k::integer)}),
                 {"BounceDate"}, true, {}});
  return out;
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

} // namespace

const std::vector<stream_spec>& streams() {
  static const std::vector<stream_spec> all = make_streams();
  return all;
}

const stream_spec* find_stream(const std::string& name) {
  for (const auto& s : streams())
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<const stream_spec*> message_children() {
  std::vector<const stream_spec*> out;
  for (const auto& s : streams())
    if (s.parent == "MsgID") out.push_back(&s);
  return out;
}

stream_descriptor descriptor(const stream_spec& spec) {
  json props = json::object();
  if (!spec.parent.empty()) props[spec.parent] = {{"type", "integer"}};
  for (const auto& c : spec.columns) {
    if (c.name == "VmtaID" || c.name == "Description") continue;  // inside Vmta
    const bool date = std::find(spec.date_columns.begin(), spec.date_columns.end(), c.name) !=
                      spec.date_columns.end();
    props[c.name] = property(c, date);
  }
  if (spec.name == "lists")
    props["Vmta"] = {{"type", {"object", "null"}},
                     {"properties", {{"VmtaID", {{"type", {"integer", "null"}}}},
                                     {"Description", {{"type", {"string", "null"}}}}}}};
  for (const auto& name : spec.string_arrays) props[name] = {{"type", "array"}, {"items", {{"type", "string"}}}};
  if (spec.ordinal) props[ordinal_field] = {{"type", "integer"}};
  std::vector<std::string> key = spec.key;
  if (spec.ordinal) key.emplace_back(ordinal_field);
  // Only lists and each list's messages are read whole on every run (their
  // missing keys are deleted); message_sends resumes from a count and the
  // others from a date.
  const bool whole = spec.how == reading::lists || spec.how == reading::messages;
  return {spec.name, std::move(key), whole ? replication_method::full_table : replication_method::incremental,
          spec.replication_key, {{"type", "object"}, {"properties", std::move(props)}}};
}

} // namespace quarry::connectors::listrak
