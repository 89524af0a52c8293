#include "connectors/core/soap.hpp"

#include <algorithm>
#include <cstring>

namespace quarry::soap {
namespace {

namespace jt = connectors::json_text;

constexpr std::string_view soap12_ns = "http://www.w3.org/2003/05/soap-envelope";

std::string excerpt(std::string_view body) {
  std::string out{body.substr(0, 120)};
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return "\"" + out + (body.size() > 120 ? "...\"" : "\"");
}

quarry::error bad(std::string_view what, std::string_view why, std::string_view body) {
  return make_error(error_kind::bad_payload,
                    std::string{what} + ": " + std::string{why} + ": " + excerpt(body));
}

// The namespace URI bound to `node`'s prefix, looked up through its ancestors.
std::string_view namespace_of(pugi::xml_node node) {
  const std::string_view name = node.name();
  const auto colon = name.find(':');
  const std::string attr =
      colon == std::string_view::npos ? std::string{"xmlns"} : "xmlns:" + std::string{name.substr(0, colon)};
  for (auto n = node; n; n = n.parent())
    if (auto a = n.attribute(attr.c_str())) return a.value();
  return {};
}

bool is_nil(pugi::xml_node element) {
  for (auto a : element.attributes()) {
    const std::string_view name = a.name();
    if ((name == "nil" || name.ends_with(":nil")) && std::strcmp(a.value(), "true") == 0) return true;
  }
  return false;
}

bool has_element_children(pugi::xml_node element) {
  for (auto c : element.children())
    if (c.type() == pugi::node_element) return true;
  return false;
}

bool is_selected(std::string_view name, const std::vector<std::string>* selected) {
  return selected == nullptr || std::find(selected->begin(), selected->end(), name) != selected->end();
}

} // namespace

void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
}

// --- envelope ---------------------------------------------------------------

envelope::envelope(std::initializer_list<std::pair<std::string_view, std::string_view>> namespaces) {
  out_ = R"(<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv=")";
  out_ += envelope_ns;
  out_ += '"';
  for (const auto& [prefix, uri] : namespaces) {
    out_ += " xmlns:";
    out_ += prefix;
    out_ += "=\"";
    append_escaped(out_, uri);
    out_ += '"';
  }
  out_ += '>';
}

envelope& envelope::header() {
  open("soapenv:Header");
  in_header_ = true;
  return *this;
}

envelope& envelope::body() {
  if (in_header_) {
    while (!open_.empty() && open_.back() != "soapenv:Header") close();
    close();
    in_header_ = false;
  }
  return open("soapenv:Body");
}

envelope& envelope::open(std::string_view name, std::string_view default_ns) {
  out_ += '<';
  out_ += name;
  if (!default_ns.empty()) {
    out_ += " xmlns=\"";
    append_escaped(out_, default_ns);
    out_ += '"';
  }
  out_ += '>';
  open_.emplace_back(name);
  return *this;
}

envelope& envelope::close() {
  if (open_.empty()) return *this;
  out_ += "</";
  out_ += open_.back();
  out_ += '>';
  open_.pop_back();
  return *this;
}

envelope& envelope::leaf(std::string_view name, std::string_view text) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  append_escaped(out_, text);
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

std::string envelope::str() {
  while (!open_.empty()) close();
  return out_ + "</soapenv:Envelope>";
}

// --- answers ----------------------------------------------------------------

std::string describe(const fault& f) {
  std::string out = "SOAP fault";
  if (!f.code.empty()) out += " " + f.code;
  out += ": " + f.message.substr(0, 160);
  if (f.message.size() > 160) out += "...";
  return out;
}

result<answer> parse(std::string_view what, std::string_view body) {
  answer a;
  const unsigned flags = pugi::parse_default | pugi::parse_doctype;
  const pugi::xml_parse_result parsed = a.doc.load_buffer(body.data(), body.size(), flags, pugi::encoding_utf8);
  if (!parsed) {
    return bad(what,
               std::string{"XML is not well formed ("} + parsed.description() + " at byte " +
                   std::to_string(parsed.offset) + ")",
               body);
  }
  for (auto n : a.doc.children())
    if (n.type() == pugi::node_doctype)
      return bad(what, "a DOCTYPE in the answer (DTDs and entities are not accepted)", body);
  const pugi::xml_node root = a.doc.document_element();
  if (local_name(root) != "Envelope") return bad(what, "not a SOAP envelope", body);
  const std::string_view ns = namespace_of(root);
  if (ns != envelope_ns)
    return bad(what,
               ns == soap12_ns ? "a SOAP 1.2 envelope (1.1 expected)"
                               : "the Envelope is not in the SOAP 1.1 namespace",
               body);
  const pugi::xml_node body_el = child(root, "Body");
  if (!body_el) return bad(what, "the Envelope has no Body", body);
  for (auto c : body_el.children())
    if (c.type() == pugi::node_element) {
      a.payload = c;
      break;
    }
  if (a.payload && local_name(a.payload) == "Fault") {
    fault f;
    f.code = child_text(a.payload, "faultcode");
    f.message = child_text(a.payload, "faultstring");
    if (auto detail = child(a.payload, "detail")) {
      const auto code = detail.find_node([](pugi::xml_node n) { return local_name(n) == "errorCode"; });
      if (code) f.detail = code.text().get();
    }
    a.fault = std::move(f);
  }
  return a;
}

http::request request(std::string url, std::string_view what, std::string envelope_text,
                      std::string_view soap_action) {
  http::request req;
  req.method = "POST";
  req.url = std::move(url);
  req.describe = what;
  req.body = std::move(envelope_text);
  req.headers.emplace_back("Content-Type", "text/xml; charset=utf-8");
  if (!soap_action.empty()) req.headers.emplace_back("SOAPAction", "\"" + std::string{soap_action} + "\"");
  req.also_accept = {500};
  req.max_response_bytes = max_answer_bytes;
  return req;
}

http::classifier classifier(std::string what, fault_reader reader) {
  return [what = std::move(what), reader = std::move(reader)](
             const http::request&, const http::response& res) -> std::optional<quarry::error> {
    if (res.status >= 200 && res.status < 300) return std::nullopt;
    auto parsed = parse(what, res.body);
    if (!parsed || !parsed->fault) {
      auto e = make_error(error_kind::retriable,
                          what + ": HTTP " + std::to_string(res.status) + " without a SOAP fault: " +
                              excerpt(res.body));
      if (auto after = res.header("retry-after")) e.retry_after_s = std::atof(after->c_str());
      return e;
    }
    return reader ? reader(*parsed->fault) : std::optional<quarry::error>{};
  };
}

// --- navigation -------------------------------------------------------------

std::string_view local_name(pugi::xml_node node) {
  const std::string_view name = node.name();
  const auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

void append_fields(std::string& out, pugi::xml_node record, char separator) {
  for (auto e = record.first_child(); e; e = e.next_sibling()) {
    if (e.type() != pugi::node_element) continue;
    out += local_name(e);
    out += '=';
    out += e.text().get();
    out += separator;
  }
}

pugi::xml_node child(pugi::xml_node parent, std::string_view local) {
  for (auto c : parent.children())
    if (c.type() == pugi::node_element && local_name(c) == local) return c;
  return {};
}

std::string_view child_text(pugi::xml_node parent, std::string_view local) {
  const auto c = child(parent, local);
  return c ? std::string_view{c.text().get()} : std::string_view{};
}

void children::iterator::skip() {
  while (at_ && (at_.type() != pugi::node_element || local_name(at_) != local_)) at_ = at_.next_sibling();
}

// --- records ----------------------------------------------------------------

record_writer::record_writer(std::vector<column> columns) : columns_(std::move(columns)) {
  keys_.reserve(columns_.size());
  for (const auto& c : columns_) keys_.push_back(jt::key(c.name));
}

int record_writer::find(std::string_view name) const {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name.size() == name.size() && columns_[i].name == name) return static_cast<int>(i);
  return -1;
}

void record_writer::append_value(std::string& out, pugi::xml_node element, const column* col) const {
  if (is_nil(element)) {
    out += "null";
    return;
  }
  if (has_element_children(element)) {
    out += '{';
    std::vector<bool> seen(columns_.size());
    append_element_fields(out, element, nullptr, seen);
    close_object(out);
    return;
  }
  const std::string_view text = element.text().get();
  const jt::kind k = col != nullptr ? col->kind : jt::kind::string;
  if (k == jt::kind::string)
    jt::append_string(out, text);
  else
    jt::append_typed(out, text, k);
}

// One pass over the children. A repeated column is written whole at its
// first occurrence (the rest of the siblings gathered into its array) and
// marked in `seen`; an unlisted element repeated in a run becomes an array,
// not a duplicate key.
void record_writer::append_element_fields(std::string& out, pugi::xml_node parent,
                                          const std::vector<std::string>* selected,
                                          std::vector<bool>& seen) const {
  for (auto e = parent.first_child(); e; e = e.next_sibling()) {
    if (e.type() != pugi::node_element) continue;
    const std::string_view name = local_name(e);
    const int i = find(name);
    const column* col = i >= 0 ? &columns_[static_cast<std::size_t>(i)] : nullptr;
    if (col != nullptr && col->flatten) {
      append_element_fields(out, e, selected, seen);
      continue;
    }
    if (col != nullptr && col->repeated) {
      if (seen[static_cast<std::size_t>(i)]) continue;
      seen[static_cast<std::size_t>(i)] = true;
      if (!is_selected(name, selected)) continue;
      out += keys_[static_cast<std::size_t>(i)];
      out += '[';
      append_value(out, e, col);
      for (auto n = e.next_sibling(); n; n = n.next_sibling())
        if (n.type() == pugi::node_element && local_name(n) == name) {
          out += ',';
          append_value(out, n, col);
        }
      out += "],";
      continue;
    }
    auto next = e.next_sibling();
    while (next && next.type() != pugi::node_element) next = next.next_sibling();
    const bool run = col == nullptr && next && local_name(next) == name;
    if (!is_selected(name, selected)) {
      while (run && e.next_sibling() && local_name(e.next_sibling()) == name) e = e.next_sibling();
      continue;
    }
    if (col != nullptr) {
      out += keys_[static_cast<std::size_t>(i)];
    } else {
      jt::append_string(out, name);
      out += ':';
    }
    if (!run) {
      append_value(out, e, col);
    } else {
      out += '[';
      append_value(out, e, col);
      for (auto n = e.next_sibling(); n && local_name(n) == name; n = n.next_sibling()) {
        out += ',';
        append_value(out, n, col);
        e = n;
      }
      out += ']';
    }
    out += ',';
  }
}

void record_writer::append_fields(std::string& out, pugi::xml_node record,
                                  const std::vector<std::string>* selected) const {
  std::vector<bool> seen(columns_.size());
  append_element_fields(out, record, selected, seen);
  // Repeated columns are present on the record even when it has none.
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].repeated && !seen[i] && is_selected(columns_[i].name, selected)) {
      out += keys_[i];
      out += "[],";
    }
}

void close_object(std::string& out) {
  if (!out.empty() && out.back() == ',')
    out.back() = '}';
  else
    out += '}';
}

} // namespace quarry::soap
