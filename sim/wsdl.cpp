// The WSDL 1.1 writer behind bronto_wsdl and listrak_wsdl (sim/wsdl.hpp).
//
// Layout of every document written here (document/literal, SOAP 1.1):
//
//   <wsdl:definitions targetNamespace=NS xmlns:tns=NS ...>
//     <wsdl:types><xs:schema targetNamespace=NS [elementFormDefault]>
//       schema_body (request, response, header and fault elements; types)
//     </xs:schema></wsdl:types>
//     <wsdl:message name="OpIn">  part "parameters" element tns:Op
//     <wsdl:message name="OpOut"> part "parameters" element tns:OpResponse
//     <wsdl:message name="H">     part "H" element tns:H   (each header)
//     <wsdl:message name="F">     part "fault" element tns:F (the fault)
//     <wsdl:portType name="SSoap">   operation Op: input OpIn, output OpOut, fault F
//     <wsdl:binding name="SSoap" type="tns:SSoap">  soap:binding document/http;
//       operation Op: soap:operation soapAction, input soap:body literal +
//       soap:header per header, output soap:body literal, soap:fault literal
//     <wsdl:service name="S"><wsdl:port name="SSoap"><soap:address location=L>

#include "sim/wsdl.hpp"

namespace quarry::sim {
namespace {

void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
}

std::string message(std::string_view name, std::string_view part, std::string_view element) {
  std::string out = "  <wsdl:message name=\"";
  out.append(name).append("\"><wsdl:part name=\"").append(part);
  out.append("\" element=\"tns:").append(element).append("\"/></wsdl:message>\n");
  return out;
}

std::string port_type(const wsdl_service& s) {
  std::string out = "  <wsdl:portType name=\"" + s.service_name + "Soap\">\n";
  for (const auto& op : s.operations) {
    out += "    <wsdl:operation name=\"" + op + "\">";
    out += "<wsdl:input message=\"tns:" + op + "In\"/>";
    out += "<wsdl:output message=\"tns:" + op + "Out\"/>";
    if (!s.fault.empty())
      out += "<wsdl:fault name=\"" + s.fault + "\" message=\"tns:" + s.fault + "\"/>";
    out += "</wsdl:operation>\n";
  }
  return out + "  </wsdl:portType>\n";
}

std::string binding(const wsdl_service& s) {
  std::string out = "  <wsdl:binding name=\"" + s.service_name + "Soap\" type=\"tns:" +
                    s.service_name + "Soap\">\n";
  out += "    <soap:binding transport=\"http://schemas.xmlsoap.org/soap/http\" "
         "style=\"document\"/>\n";
  for (const auto& op : s.operations) {
    const std::string action =
        s.soap_action_is_namespace_plus_name ? s.target_namespace + op : std::string();
    out += "    <wsdl:operation name=\"" + op + "\">\n";
    out += "      <soap:operation soapAction=\"" + action + "\" style=\"document\"/>\n";
    out += "      <wsdl:input><soap:body use=\"literal\"/>";
    for (const auto& h : s.headers)
      out += "<soap:header message=\"tns:" + h + "\" part=\"" + h + "\" use=\"literal\"/>";
    out += "</wsdl:input>\n";
    out += "      <wsdl:output><soap:body use=\"literal\"/></wsdl:output>\n";
    if (!s.fault.empty())
      out += "      <wsdl:fault name=\"" + s.fault + "\"><soap:fault name=\"" + s.fault +
             "\" use=\"literal\"/></wsdl:fault>\n";
    out += "    </wsdl:operation>\n";
  }
  return out + "  </wsdl:binding>\n";
}

} // namespace

std::string xsd_complex_type(std::string_view name, const std::vector<xsd_element>& elements) {
  std::string out = "<xs:complexType";
  if (!name.empty()) out.append(" name=\"").append(name).append("\"");
  out += "><xs:sequence>\n";
  for (const auto& e : elements) {
    out += "  <xs:element name=\"" + e.name + "\" type=\"" + e.type + "\"";
    out += e.required ? " minOccurs=\"1\"" : " minOccurs=\"0\"";
    out += e.repeated ? " maxOccurs=\"unbounded\"" : " maxOccurs=\"1\"";
    if (e.nillable) out += " nillable=\"true\"";
    out += "/>\n";
  }
  return out + "</xs:sequence></xs:complexType>\n";
}

std::string write_wsdl(const wsdl_service& s, std::string_view location) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  out += "<wsdl:definitions xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\" "
         "xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\" "
         "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:tns=\"" +
         s.target_namespace + "\" targetNamespace=\"" + s.target_namespace + "\" name=\"" +
         s.service_name + "\">\n";
  out += "  <wsdl:types>\n<xs:schema targetNamespace=\"" + s.target_namespace + "\"";
  if (s.qualified) out += " elementFormDefault=\"qualified\"";
  out += ">\n" + s.schema_body + "</xs:schema>\n  </wsdl:types>\n";
  for (const auto& op : s.operations) {
    out += message(op + "In", "parameters", op);
    out += message(op + "Out", "parameters", op + "Response");
  }
  for (const auto& h : s.headers) out += message(h, h, h);
  if (!s.fault.empty()) out += message(s.fault, "fault", s.fault);
  out += port_type(s);
  out += binding(s);
  out += "  <wsdl:service name=\"" + s.service_name + "\"><wsdl:port name=\"" + s.service_name +
         "Soap\" binding=\"tns:" + s.service_name + "Soap\"><soap:address location=\"";
  append_escaped(out, location);
  out += "\"/></wsdl:port></wsdl:service>\n</wsdl:definitions>\n";
  return out;
}

} // namespace quarry::sim
