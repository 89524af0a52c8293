#pragma once

// SOAP 1.1 plumbing shared by the SOAP simulators (Bronto, Listrak), on
// pugixml: requests parsed as a server would, answers and faults written as
// DOMs. Deliberately independent of connectors/core/soap (the client's text
// writer), so that the two sides cannot share an escaping bug.

#include "sim/http_types.hpp"

#include <pugixml.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace quarry::sim {

inline constexpr const char* soap_envelope_ns = "http://schemas.xmlsoap.org/soap/envelope/";

// A parsed request envelope.
struct soap_call {
  pugi::xml_document doc;
  pugi::xml_node header;     // soap:Header, or null
  pugi::xml_node operation;  // the first element of soap:Body
};

// Parses `body`; nullopt with `why` set when it is not a SOAP 1.1 envelope
// with an operation in its Body. DOCTYPEs are refused.
std::optional<soap_call> parse_soap_call(const std::string& body, std::string& why);

// The operation of a call for call_stats: the SOAPAction header's last path
// segment, else the local name of the Body's first element, else "".
std::string soap_operation(const request& req);

// Local-name navigation (prefixes ignored).
std::string_view local_name(pugi::xml_node node);
pugi::xml_node child_named(pugi::xml_node parent, std::string_view local);
std::string child_text(pugi::xml_node parent, std::string_view local);  // "" if absent

// An answer envelope: fill body(), then send().
class soap_reply {
 public:
  soap_reply();
  pugi::xml_node body() { return body_; }
  // HTTP `status` with the envelope as text/xml; charset=utf-8.
  void send(response& res, int status = 200) const;

 private:
  pugi::xml_document doc_;
  pugi::xml_node body_;
};

// A SOAP fault (HTTP 500). `detail_xml`, if given, is a fragment placed in
// <detail> as is.
void send_soap_fault(response& res, std::string_view faultcode, std::string_view faultstring,
                     std::string_view detail_xml = {});

// Appends <name>text</name> to `parent`.
pugi::xml_node add_leaf(pugi::xml_node parent, const char* name, std::string_view text);

} // namespace quarry::sim
