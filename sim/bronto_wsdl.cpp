// The Bronto v4 WSDL (apis.md 2), served by `quarry sim bronto` at GET /v4?wsdl.
// JAX-WS style: each top-level element has a complex type of the same name;
// elementFormDefault is not set, so a call is
//   <v4:readContacts xmlns:v4="http://api.bronto.com/v4"><filter>...</filter>
//     <pageNumber>1</pageNumber></v4:readContacts>
// with the header <v4:sessionHeader><sessionId>...</sessionId></v4:sessionHeader>
// (every call but login carries it; login's is simply absent) and answers
// <ns2:readContactsResponse><return>record</return>...</ns2:readContactsResponse>.
// Faults carry <detail><ns2:ApiException><errorCode>103</errorCode>...</detail>.

#include "sim/wsdl.hpp"

namespace quarry::sim {
namespace {

xsd_element opt(std::string name, std::string type) { return {std::move(name), std::move(type)}; }
xsd_element req(std::string name, std::string type) {
  return {std::move(name), std::move(type), true};
}
xsd_element many(std::string name, std::string type) {
  return {std::move(name), std::move(type), false, true, true};
}

std::string top_level(std::string_view name, const std::vector<xsd_element>& elements) {
  std::string out = "<xs:element name=\"";
  out.append(name).append("\" type=\"tns:").append(name).append("\"/>\n");
  return out + xsd_complex_type(name, elements);
}

std::string enumeration(std::string_view name, std::initializer_list<const char*> values) {
  std::string out = "<xs:simpleType name=\"";
  out.append(name).append("\"><xs:restriction base=\"xs:string\">");
  for (const char* v : values) out.append("<xs:enumeration value=\"").append(v).append("\"/>");
  return out + "</xs:restriction></xs:simpleType>\n";
}

std::string value_types() {
  return enumeration("filterType", {"AND", "OR"}) +
         enumeration("filterOperator",
                     {"EqualTo", "NotEqualTo", "StartsWith", "EndsWith", "DoesNotStartWith",
                      "DoesNotEndWith", "GreaterThan", "LessThan", "GreaterThanEqualTo",
                      "LessThanEqualTo", "Contains", "DoesNotContain", "SameYear",
                      "NotSameYear", "SameDay", "NotSameDay", "Before", "After",
                      "BeforeOrSameDay", "AfterOrSameDay"}) +
         enumeration("readDirection", {"FIRST", "NEXT"}) +
         xsd_complex_type("stringValue", {opt("operator", "tns:filterOperator"),
                                          opt("value", "xs:string")}) +
         xsd_complex_type("dateValue", {opt("operator", "tns:filterOperator"),
                                        opt("value", "xs:dateTime")});
}

std::string contacts() {
  const auto read_only = xsd_complex_type(
      "readOnlyContactData",
      {opt("geoIPCity", "xs:string"), opt("geoIPStateRegion", "xs:string"),
       opt("geoIPZip", "xs:string"), opt("geoIPCountry", "xs:string"),
       opt("geoIPCountryCode", "xs:string"), opt("primaryBrowser", "xs:string"),
       opt("mobileBrowser", "xs:string"), opt("primaryEmailClient", "xs:string"),
       opt("mobileEmailClient", "xs:string"), opt("operatingSystem", "xs:string"),
       opt("firstOrderDate", "xs:dateTime"), opt("lastOrderDate", "xs:dateTime"),
       opt("lastOrderTotal", "xs:decimal"), opt("totalOrders", "xs:long"),
       opt("totalRevenue", "xs:decimal"), opt("averageOrderValue", "xs:decimal"),
       opt("lastDeliveryDate", "xs:dateTime"), opt("lastOpenDate", "xs:dateTime"),
       opt("lastClickDate", "xs:dateTime")});
  const auto object = xsd_complex_type(
      "contactObject",
      {opt("id", "xs:string"), opt("email", "xs:string"), opt("mobileNumber", "xs:string"),
       opt("status", "xs:string"), opt("msgPref", "xs:string"), opt("source", "xs:string"),
       opt("customSource", "xs:string"), opt("created", "xs:dateTime"),
       opt("modified", "xs:dateTime"), opt("deleted", "xs:boolean"),
       many("listIds", "xs:string"), many("segmentIds", "xs:string"),
       many("fields", "tns:contactField"), many("SMSKeywordIDs", "xs:string"),
       opt("numSends", "xs:long"), opt("numBounces", "xs:long"), opt("numOpens", "xs:long"),
       opt("numClicks", "xs:long"), opt("numConversions", "xs:long"),
       opt("conversionAmount", "xs:float"), opt("readOnlyContactData", "tns:readOnlyContactData"),
       opt("consentDate", "xs:dateTime"), opt("consentIp", "xs:string"),
       opt("lastUnsubscribeDate", "xs:dateTime")});
  const auto filter = xsd_complex_type(
      "contactFilter",
      {opt("type", "tns:filterType"), many("id", "xs:string"), many("email", "tns:stringValue"),
       many("mobileNumber", "tns:stringValue"), many("status", "xs:string"),
       many("created", "tns:dateValue"), many("modified", "tns:dateValue"),
       many("listId", "xs:string"), many("segmentId", "xs:string"),
       many("SMSKeywordID", "xs:string"), many("msgPref", "xs:string"),
       many("source", "xs:string"), many("customSource", "tns:stringValue")});
  return xsd_complex_type("contactField",
                          {opt("fieldId", "xs:string"), opt("content", "xs:string")}) +
         read_only + object + filter +
         top_level("readContacts",
                   {opt("filter", "tns:contactFilter"), opt("includeLists", "xs:boolean"),
                    many("fields", "xs:string"), req("pageNumber", "xs:int"),
                    opt("includeSMSKeywords", "xs:boolean"),
                    opt("includeGeoIPData", "xs:boolean"),
                    opt("includeTechnologyData", "xs:boolean"),
                    opt("includeRFMData", "xs:boolean"),
                    opt("includeEngagementData", "xs:boolean"),
                    opt("includeSegments", "xs:boolean")}) +
         top_level("readContactsResponse", {many("return", "tns:contactObject")});
}

std::string lists() {
  return xsd_complex_type("mailListFilter", {opt("type", "tns:filterType"),
                                             many("id", "xs:string"),
                                             many("name", "tns:stringValue")}) +
         xsd_complex_type("mailListObject",
                          {opt("id", "xs:string"), opt("name", "xs:string"),
                           opt("label", "xs:string"), opt("activeCount", "xs:long"),
                           opt("status", "xs:string"), opt("visibility", "xs:string")}) +
         top_level("readLists", {opt("filter", "tns:mailListFilter"),
                                 req("pageNumber", "xs:int"), opt("pageSize", "xs:int")}) +
         top_level("readListsResponse", {many("return", "tns:mailListObject")});
}

std::string unsubscribes() {
  return xsd_complex_type("unsubscribeFilter",
                          {opt("contactId", "xs:string"), opt("deliveryId", "xs:string"),
                           opt("start", "xs:dateTime"), opt("end", "xs:dateTime")}) +
         xsd_complex_type("unsubscribeObject",
                          {opt("contactId", "xs:string"), opt("deliveryId", "xs:string"),
                           opt("method", "xs:string"), opt("complaint", "xs:string"),
                           opt("created", "xs:dateTime")}) +
         top_level("readUnsubscribes",
                   {opt("filter", "tns:unsubscribeFilter"), req("pageNumber", "xs:int")}) +
         top_level("readUnsubscribesResponse", {many("return", "tns:unsubscribeObject")});
}

std::string activity_object() {
  std::vector<xsd_element> fields{opt("createdDate", "xs:dateTime")};
  for (const char* name :
       {"contactId", "listId", "segmentId", "keywordId", "messageId", "deliveryId",
        "workflowId", "activityType", "emailAddress", "mobileNumber", "contactStatus",
        "messageName", "deliveryType"})
    fields.push_back(opt(name, "xs:string"));
  fields.push_back(opt("deliveryStart", "xs:dateTime"));
  for (const char* name :
       {"workflowName", "segmentName", "listName", "listLabel", "automatorName",
        "smsKeywordName", "bounceType", "bounceReason", "skipReason", "linkName", "linkUrl",
        "orderId", "unsubscribeMethod", "ftafEmails", "socialNetwork", "socialActivity",
        "webformType", "webformAction", "webformName", "webformId"})
    fields.push_back(opt(name, "xs:string"));
  return xsd_complex_type("recentActivityObject", fields);
}

// readRecent{Inbound,Outbound}Activities: `direction` is "Inbound" or "Outbound".
std::string recent_activities(const std::string& direction) {
  const std::string request = "recent" + direction + "ActivitySearchRequest";
  const std::string op = "readRecent" + direction + "Activities";
  return xsd_complex_type(request,
                          {opt("start", "xs:dateTime"), opt("end", "xs:dateTime"),
                           many("contactId", "xs:string"), many("deliveryId", "xs:string"),
                           req("size", "xs:int"), opt("readDirection", "tns:readDirection"),
                           many("types", "xs:string")}) +
         top_level(op, {opt("filter", "tns:" + request)}) +
         top_level(op + "Response", {many("return", "tns:recentActivityObject")});
}

std::string schema() {
  return value_types() +
         top_level("sessionHeader",
                   {opt("sessionId", "xs:string"), opt("disableHistory", "xs:boolean")}) +
         top_level("ApiException", {opt("errorCode", "xs:int"), opt("message", "xs:string")}) +
         top_level("login", {opt("apiToken", "xs:string")}) +
         top_level("loginResponse", {opt("return", "xs:string")}) + contacts() + lists() +
         unsubscribes() + activity_object() + recent_activities("Inbound") +
         recent_activities("Outbound");
}

} // namespace

std::string bronto_wsdl(std::string_view location) {
  const wsdl_service service{
      .target_namespace = "http://api.bronto.com/v4",
      .qualified = false,
      .schema_body = schema(),
      .service_name = "BrontoSoapApiImplService",
      .headers = {"sessionHeader"},
      .fault = "ApiException",
      .soap_action_is_namespace_plus_name = false,
      .operations = {"login", "readContacts", "readLists", "readUnsubscribes",
                     "readRecentInboundActivities", "readRecentOutboundActivities"}};
  return write_wsdl(service, location);
}

} // namespace quarry::sim
