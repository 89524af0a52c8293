// The Listrak v31 WSDL (apis.md 3), served by `quarry sim listrak` at
// GET /v31/IntegrationService.asmx?WSDL. ASMX style: every element qualified in
// http://webservices.listrak.com/v31/, request elements are anonymous
// sequences of the method's parameters (value types required, as .NET writes
// them), answers are <MethodResponse><MethodResult>ArrayOfX</MethodResult>,
// with a nillable in-band <WSException> before the result on the non-Range
// reports:
//   <ReportRangeMessageContactClick><MsgID>1</MsgID><StartDate>...</StartDate>
//     <EndDate>...</EndDate><Page>1</Page></ReportRangeMessageContactClick>
//   <ReportRangeMessageContactClickResponse><ReportRangeMessageContactClickResult>
//     <WSContactClick>...</WSContactClick>...</...Result></...Response>
// Auth is the WSUser header (UserName, Password) on every call; SOAPAction is
// "http://webservices.listrak.com/v31/<Method>".

#include "sim/wsdl.hpp"

namespace quarry::sim {
namespace {

xsd_element opt(std::string name, std::string type) { return {std::move(name), std::move(type)}; }
xsd_element req(std::string name, std::string type) {
  return {std::move(name), std::move(type), true};
}

std::string anonymous_element(std::string_view name, const std::vector<xsd_element>& elements) {
  std::string out = "<xs:element name=\"";
  out.append(name).append("\">\n");
  return out + xsd_complex_type("", elements) + "</xs:element>\n";
}

// ArrayOf<item>: a sequence of nillable <item> elements of type tns:<item>.
std::string array_of(const std::string& item) {
  return xsd_complex_type("ArrayOf" + item, {{item, "tns:" + item, false, true, true}});
}

std::string record_types() {
  std::vector<xsd_element> list{opt("ListID", "xs:int"), opt("ListName", "xs:string"),
                                opt("CreateDate", "xs:dateTime"), opt("FromName", "xs:string"),
                                opt("FromEmail", "xs:string"),
                                opt("BounceUnsubscribeCount", "xs:int"),
                                opt("bounceHandling", "xs:int")};
  for (const char* flag :
       {"EnableDoubleOptin", "EnableDynamicContent", "EnableGoogleAnalytics",
        "EnableInternationalization", "EnableListHygiene", "EnableListRemoveHeader",
        "EnableRemovalLink", "EnableBrowserLink", "EnableRSS", "ShowAdvancedPersonalization",
        "ShowEmailList"})
    list.push_back(opt(flag, "xs:boolean"));
  for (auto e : {opt("DomainAliasEmail", "xs:string"), opt("DomainAliasLink", "xs:string"),
                 opt("Vmta", "tns:WSVmta"), opt("GoogleTrackingDomains", "tns:ArrayOfString")})
    list.push_back(std::move(e));

  std::vector<xsd_element> activity{opt("MsgID", "xs:int"), opt("ListID", "xs:int"),
                                    opt("Subject", "xs:string"), opt("SendDate", "xs:dateTime")};
  for (const char* count : {"DeliverCount", "OpenCount", "OpenPercent", "ReadCount",
                            "ReadPercent", "ClickCount", "ClickerCount", "ClickerPercent",
                            "NewClickerCount", "RepeatClickerCount", "RemoveCount",
                            "RemovePercent", "ConversionCount", "OrderTotal",
                            "AverageOrderValue"}) {
    const std::string_view name = count;
    const bool ratio = name.ends_with("Percent") || name == "OrderTotal" ||
                       name == "AverageOrderValue";
    activity.push_back(opt(count, ratio ? "xs:double" : "xs:int"));
  }

  const auto who = [](std::vector<xsd_element> rest) {
    rest.insert(rest.begin(), {opt("ContactID", "xs:string"), opt("EmailAddress", "xs:string")});
    return rest;
  };
  return xsd_complex_type("ArrayOfString", {{"string", "xs:string", false, true, true}}) +
         xsd_complex_type("WSVmta", {opt("VmtaID", "xs:int"), opt("Description", "xs:string")}) +
         xsd_complex_type("WSContactList", list) +
         xsd_complex_type("WSMessageActivity", activity) +
         xsd_complex_type("WSContactClick",
                          who({opt("LinkUrl", "xs:string"), opt("LinkDescription", "xs:string"),
                               opt("ClickDate", "xs:dateTime")})) +
         xsd_complex_type("WSContactOpen", who({opt("OpenDate", "xs:dateTime")})) +
         xsd_complex_type("WSContactRead", who({opt("ReadDate", "xs:dateTime")})) +
         xsd_complex_type("WSContactRemovalInfo",
                          who({opt("AdditionDate", "xs:dateTime"),
                               opt("RemovalDate", "xs:dateTime"),
                               opt("RemovalMethod", "xs:string")})) +
         xsd_complex_type("WSContactBounce",
                          who({opt("BounceReason", "xs:string"), opt("BounceDetail", "xs:string"),
                               opt("BounceDate", "xs:string"), opt("BounceCount", "xs:int")})) +
         xsd_complex_type("WSMessageRecipient", {opt("EmailAddress", "xs:string")}) +
         xsd_complex_type("WSContactSubscriptionInfo",
                          who({opt("AdditionDate", "xs:dateTime"),
                               opt("AdditionMethod", "xs:string")}));
}

struct report {
  const char* method;
  const char* item;  // the result's ArrayOf<item>
  std::vector<xsd_element> parameters;
  bool in_band_exception;  // <WSException> before the result
};

std::vector<report> reports() {
  const auto range = [](const char* id) {
    return std::vector<xsd_element>{req(id, "xs:int"), req("StartDate", "xs:dateTime"),
                                    req("EndDate", "xs:dateTime"), req("Page", "xs:int")};
  };
  return {
      {"GetContactListCollection", "WSContactList", {}, false},
      {"ReportListMessageActivity", "WSMessageActivity",
       {req("ListID", "xs:int"), req("StartDate", "xs:dateTime"), req("EndDate", "xs:dateTime"),
        req("IncludeTestMessages", "xs:boolean")},
       true},
      {"ReportRangeMessageContactClick", "WSContactClick", range("MsgID"), false},
      {"ReportRangeMessageContactOpen", "WSContactOpen", range("MsgID"), false},
      {"ReportRangeMessageContactRead", "WSContactRead", range("MsgID"), false},
      {"ReportRangeMessageContactRemoval", "WSContactRemovalInfo", range("MsgID"), false},
      {"ReportRangeMessageContactBounces", "WSContactBounce", range("MsgID"), false},
      {"ReportMessageContactSent", "WSMessageRecipient",
       {req("MsgID", "xs:int"), req("Page", "xs:int")}, true},
      {"ReportRangeSubscribedContacts", "WSContactSubscriptionInfo", range("ListID"), false},
  };
}

std::string schema(const std::vector<report>& all) {
  std::string out = "<xs:element name=\"WSUser\" type=\"tns:WSUser\"/>\n" +
                    xsd_complex_type("WSUser", {opt("UserName", "xs:string"),
                                                opt("Password", "xs:string")}) +
                    xsd_complex_type("WSException", {opt("SoapMethod", "xs:string"),
                                                     opt("DateTime", "xs:dateTime"),
                                                     opt("Description", "xs:string")}) +
                    record_types();
  for (const auto& r : all) {
    const std::string method = r.method;
    out += array_of(r.item);
    out += anonymous_element(method, r.parameters);
    std::vector<xsd_element> answer;
    if (r.in_band_exception) answer.push_back({"WSException", "tns:WSException", false, false, true});
    answer.push_back(opt(method + "Result", std::string("tns:ArrayOf") + r.item));
    out += anonymous_element(method + "Response", answer);
  }
  return out;
}

} // namespace

std::string listrak_wsdl(std::string_view location) {
  const auto all = reports();
  wsdl_service service{.target_namespace = "http://webservices.listrak.com/v31/",
                       .qualified = true,
                       .schema_body = schema(all),
                       .service_name = "IntegrationService",
                       .headers = {"WSUser"},
                       .fault = "",
                       .soap_action_is_namespace_plus_name = true,
                       .operations = {}};
  for (const auto& r : all) service.operations.emplace_back(r.method);
  return write_wsdl(service, location);
}

} // namespace quarry::sim
