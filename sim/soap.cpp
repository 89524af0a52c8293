#include "sim/soap.hpp"

#include <sstream>

namespace quarry::sim {

std::string_view local_name(pugi::xml_node node) {
  const std::string_view name = node.name();
  const auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child_named(pugi::xml_node parent, std::string_view local) {
  for (auto c : parent.children())
    if (c.type() == pugi::node_element && local_name(c) == local) return c;
  return {};
}

std::string child_text(pugi::xml_node parent, std::string_view local) {
  const auto c = child_named(parent, local);
  return c ? std::string{c.text().get()} : std::string{};
}

std::optional<soap_call> parse_soap_call(const std::string& body, std::string& why) {
  soap_call call;
  const auto parsed = call.doc.load_buffer(body.data(), body.size(),
                                           pugi::parse_default | pugi::parse_doctype);
  if (!parsed) {
    why = std::string{"malformed XML: "} + parsed.description() + " at byte " +
          std::to_string(parsed.offset);
    return std::nullopt;
  }
  for (auto n : call.doc.children())
    if (n.type() == pugi::node_doctype) {
      why = "DOCTYPE is not allowed";
      return std::nullopt;
    }
  const auto root = call.doc.document_element();
  if (local_name(root) != "Envelope") {
    why = "the root element is not a SOAP Envelope";
    return std::nullopt;
  }
  call.header = child_named(root, "Header");
  const auto body_el = child_named(root, "Body");
  for (auto c : body_el.children())
    if (c.type() == pugi::node_element) {
      call.operation = c;
      break;
    }
  if (!call.operation) {
    why = "the Envelope has no operation in its Body";
    return std::nullopt;
  }
  return call;
}

std::string soap_operation(const request& req) {
  if (auto action = req.header("SOAPAction")) {
    std::string a = *action;
    if (!a.empty() && a.front() == '"') a.erase(0, 1);
    if (!a.empty() && a.back() == '"') a.pop_back();
    const auto slash = a.rfind('/');
    if (slash != std::string::npos) a = a.substr(slash + 1);
    if (!a.empty()) return a;
  }
  std::string why;
  if (auto call = parse_soap_call(req.body, why)) return std::string{local_name(call->operation)};
  return {};
}

soap_reply::soap_reply() {
  auto decl = doc_.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "utf-8";
  auto env = doc_.append_child("soap:Envelope");
  env.append_attribute("xmlns:soap") = soap_envelope_ns;
  env.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
  env.append_attribute("xmlns:xsd") = "http://www.w3.org/2001/XMLSchema";
  body_ = env.append_child("soap:Body");
}

void soap_reply::send(response& res, int status) const {
  std::ostringstream out;
  doc_.save(out, "", pugi::format_raw);
  res.status = status;
  res.body = std::move(out).str();
  res.content_type = "text/xml; charset=utf-8";
}

void send_soap_fault(response& res, std::string_view faultcode, std::string_view faultstring,
                     std::string_view detail_xml) {
  soap_reply reply;
  auto f = reply.body().append_child("soap:Fault");
  add_leaf(f, "faultcode", faultcode);
  add_leaf(f, "faultstring", faultstring);
  if (!detail_xml.empty()) {
    auto detail = f.append_child("detail");
    detail.append_buffer(detail_xml.data(), detail_xml.size());
  }
  reply.send(res, 500);
}

pugi::xml_node add_leaf(pugi::xml_node parent, const char* name, std::string_view text) {
  auto n = parent.append_child(name);
  n.text().set(std::string{text}.c_str());
  return n;
}

} // namespace quarry::sim
