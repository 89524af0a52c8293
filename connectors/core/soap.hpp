#pragma once

// SOAP 1.1 over HTTP, once for every SOAP source (Bronto, Listrak): request
// envelopes, answers parsed defensively, faults read in one place, and
// records written from XML elements straight to JSON text.
//
// One call, as a connector makes it:
//
//   envelope e{{"v4", "http://api.bronto.com/v4"}};   // namespaces on Envelope
//   e.header().open("v4:sessionHeader").leaf("sessionId", id).close();
//   e.body().open("v4:readContacts")...;
//   auto req = soap::request(url, "bronto readContacts", e.str());
//   auto res = session.call(req, soap::classifier("bronto readContacts", reader));
//   auto ans = soap::parse("bronto readContacts", res->body);
//   if (ans->fault) ...          // a fault the reader let through (e.g. 116)
//   for (auto r : soap::children(ans->payload, "return")) ...
//
// Hostile XML. pugixml never loads a DTD or an external entity and expands
// only the five predefined entities and character references, so neither an
// entity bomb nor XXE can reach anything; a DOCTYPE is refused outright all
// the same (no SOAP answer has one). Answers are capped per call
// (request::max_response_bytes, max_answer_bytes by default). Every error
// names the operation and quotes at most 120 bytes of the answer.

#include "connectors/core/http_client.hpp"
#include "connectors/core/json_text.hpp"
#include "proto/error.hpp"

#include <pugixml.hpp>

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quarry::soap {

inline constexpr std::string_view envelope_ns = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr std::size_t max_answer_bytes = std::size_t{64} << 20;

// Appends `text` escaped for XML element content or a quoted attribute.
void append_escaped(std::string& out, std::string_view text);

// A request envelope written as text. Element names are written as given
// (with their prefix); text is escaped. Header, if any, comes before body.
class envelope {
 public:
  // Declares soapenv plus each (prefix, uri) on the Envelope element.
  explicit envelope(std::initializer_list<std::pair<std::string_view, std::string_view>> namespaces = {});

  envelope& header();  // opens soapenv:Header
  envelope& body();    // closes the header if open, opens soapenv:Body
  // <name> or <name xmlns="default_ns">
  envelope& open(std::string_view name, std::string_view default_ns = {});
  envelope& close();  // the innermost open element
  envelope& leaf(std::string_view name, std::string_view text);
  // Closes whatever is open and returns the document.
  std::string str();

 private:
  std::string out_;
  std::vector<std::string> open_;
  bool in_header_ = false;
};

// A SOAP Fault, read from an answer's Body.
struct fault {
  std::string code;     // faultcode, e.g. "soap:Server"
  std::string message;  // faultstring
  std::string detail;   // text of the first errorCode element in detail, or ""
};

// "SOAP fault soap:Server: 103: Your session is invalid..." (message cut to 160 bytes).
std::string describe(const fault& f);

// A parsed answer: the first element inside soap:Body (the operation's
// response element, or the Fault) and the fault if it is one.
struct answer {
  pugi::xml_document doc;
  pugi::xml_node payload;
  std::optional<soap::fault> fault;
};

// Parses an answer. bad_payload, naming `what` and quoting an excerpt, for
// XML that is not well formed, a DOCTYPE, a root that is not a SOAP 1.1
// Envelope, or an Envelope without a Body element.
result<answer> parse(std::string_view what, std::string_view body);

// How a connector reads a fault: the error to fail the call with, or nullopt
// to hand the answer to the caller (a fault that means something, such as
// Bronto's 116 "end of results").
using fault_reader = std::function<std::optional<quarry::error>(const fault&)>;

// POST to `url` as text/xml with SOAPAction (quoted) when given; accepts
// HTTP 500 so that faults reach the classifier; capped at max_answer_bytes.
// `what` is the request's describe (it names no credential).
http::request request(std::string url, std::string_view what, std::string envelope_text,
                      std::string_view soap_action = {});

// For session::call. Leaves 2xx answers to the caller. A 500 whose body is a
// SOAP fault goes to `reader`; any other 500 (a proxy's page, an outage) is
// retriable, quoting the body.
http::classifier classifier(std::string what, fault_reader reader);

// Element navigation by local name: prefixes are ignored, because servers
// choose them freely (ns2:, soap:, none).
std::string_view local_name(pugi::xml_node node);
pugi::xml_node child(pugi::xml_node parent, std::string_view local);
std::string_view child_text(pugi::xml_node parent, std::string_view local);  // "" if absent
// Every child element of `record` as "name=text" and `separator`, in
// document order: a row's whole content, to compare or hash.
void append_fields(std::string& out, pugi::xml_node record, char separator);

// Iterates the element children of `parent` named `local` (any prefix).
class children {
 public:
  class iterator {
   public:
    iterator(pugi::xml_node at, std::string_view local) : at_(at), local_(local) { skip(); }
    pugi::xml_node operator*() const { return at_; }
    iterator& operator++() {
      at_ = at_.next_sibling();
      skip();
      return *this;
    }
    bool operator!=(const iterator& other) const { return at_ != other.at_; }

   private:
    void skip();
    pugi::xml_node at_;
    std::string_view local_;
  };
  children(pugi::xml_node parent, std::string_view local) : parent_(parent), local_(local) {}
  iterator begin() const { return {parent_.first_child(), local_}; }
  iterator end() const { return {pugi::xml_node(), local_}; }

 private:
  pugi::xml_node parent_;
  std::string_view local_;
};

// How the children of a record element become JSON fields.
struct column {
  std::string name;  // the element's local name, also the JSON field name
  connectors::json_text::kind kind = connectors::json_text::kind::string;
  bool repeated = false;  // every occurrence gathered in an array ([] if none)
  bool flatten = false;   // the element's own children become top-level fields
};

// Writes record elements as JSON text without a DOM on the JSON side.
//   - a listed leaf element becomes a field of its kind; xsi:nil="true" and
//     an empty element become null (an empty string column stays "");
//   - an unlisted element is kept: a string if it has text only, an object
//     (recursively, strings) if it has element children;
//   - an element with element children under a listed column becomes an
//     object of its children, typed by the table where they are listed;
//   - `repeated` columns are arrays, present even when the record has none;
//     an unlisted element repeated in a run is an array too;
//   - `flatten` columns (Bronto's readOnlyContactData) lend their children
//     to the record itself.
class record_writer {
 public:
  explicit record_writer(std::vector<column> columns);

  // Appends `"name":value,` for each field of `record`; `selected` (nullptr:
  // all) limits the top-level fields written. Close the object with
  // close_object.
  void append_fields(std::string& out, pugi::xml_node record,
                     const std::vector<std::string>* selected = nullptr) const;

  const std::vector<column>& columns() const { return columns_; }

 private:
  int find(std::string_view name) const;  // index in columns_, or -1
  void append_value(std::string& out, pugi::xml_node element, const column* col) const;
  void append_element_fields(std::string& out, pugi::xml_node parent,
                             const std::vector<std::string>* selected, std::vector<bool>& seen) const;

  std::vector<column> columns_;
  std::vector<std::string> keys_;  // `"name":` of each column
};

// Turns `{... "k":v,` into `{... "k":v}` (or `{` into `{}`).
void close_object(std::string& out);

} // namespace quarry::soap
