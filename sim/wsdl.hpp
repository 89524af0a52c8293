#pragma once

// WSDL 1.1 documents for the SOAP simulators, so that WSDL-driven clients
// (zeep in tap-bronto and tap-listrak, bench/bronto and bench/listrak) can be
// pointed at a simulator unmodified but for the WSDL URL. The simulators
// serve them at GET /v4?wsdl (Bronto) and GET /v31/IntegrationService.asmx?WSDL
// (Listrak).
//
// Each covers only what the taps call, document/literal, SOAP 1.1:
//   Bronto v4 (apis.md 2): login, readContacts, readLists, readUnsubscribes,
//     readRecentInboundActivities, readRecentOutboundActivities; the
//     sessionHeader SOAP header and the ApiException fault. Target namespace
//     http://api.bronto.com/v4, elementFormDefault unqualified (top-level
//     elements namespaced, their children not), soapAction "".
//   Listrak v31 (apis.md 3): GetContactListCollection, ReportListMessageActivity,
//     ReportRangeMessageContact{Click,Open,Read,Removal,Bounces},
//     ReportMessageContactSent, ReportRangeSubscribedContacts; the WSUser SOAP
//     header. Target namespace http://webservices.listrak.com/v31/,
//     elementFormDefault qualified, soapAction "<namespace><Method>".
//
// Element order inside each record type is the order the API writes its
// elements (Bronto: the v4 Java SDK's propOrder; Listrak: apis.md 3.2): a
// strict WSDL client rejects an answer whose children come out of order.

#include <string>
#include <string_view>
#include <vector>

namespace quarry::sim {

// The WSDL of each API, with `location` (e.g. "http://127.0.0.1:PORT/v4") as
// its soap:address.
std::string bronto_wsdl(std::string_view location);
std::string listrak_wsdl(std::string_view location);

// --- the writer both documents share -----------------------------------------

// An element of a complex type's sequence.
struct xsd_element {
  std::string name;
  std::string type;  // "xs:string", "tns:contactFilter", ...
  bool required = false;   // minOccurs 1 (else 0)
  bool repeated = false;   // maxOccurs unbounded
  bool nillable = false;
};

// <xs:complexType name="..."><xs:sequence>elements</xs:sequence></xs:complexType>
// (anonymous, for use inside an xs:element, when `name` is empty).
std::string xsd_complex_type(std::string_view name, const std::vector<xsd_element>& elements);

// A document/literal operation: input element `name`, output element
// `name`Response (both declared in the schema), every header element of the
// service on its input, and the service's fault, if any.
struct wsdl_service {
  std::string target_namespace;
  bool qualified = false;          // elementFormDefault
  std::string schema_body;         // xs:element and xs:complexType declarations
  std::string service_name;        // wsdl:service, "<service_name>Soap" names the rest
  std::vector<std::string> headers;  // header elements every call carries
  std::string fault;               // fault element, or "" for none
  bool soap_action_is_namespace_plus_name = false;  // else soapAction=""
  std::vector<std::string> operations;
};

std::string write_wsdl(const wsdl_service& service, std::string_view location);

} // namespace quarry::sim
