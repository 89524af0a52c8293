// The Listrak SOAP API v31 on the wire (apis.md section 3). One endpoint:
//
//   POST /v31/IntegrationService.asmx
//   Content-Type: text/xml; charset=utf-8
//   SOAPAction: "http://webservices.listrak.com/v31/<Method>"
//   <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
//     <soap:Header><WSUser xmlns="http://webservices.listrak.com/v31/">
//       <UserName>u</UserName><Password>p</Password></WSUser></soap:Header>
//     <soap:Body><Method xmlns="http://webservices.listrak.com/v31/">params</Method></soap:Body>
//   </soap:Envelope>
//
// Dispatch is by SOAPAction, as ASMX does; the Body's element must be the
// same method in the v31 namespace. Answers (HTTP 200):
//
//   <MethodResponse xmlns="http://webservices.listrak.com/v31/">
//     [<WSException xsi:nil="true" />]   ReportListMessageActivity, ReportMessageContactSent
//     <MethodResult><WSItem>...</WSItem>...</MethodResult>
//   </MethodResponse>
//
//   GetContactListCollection()                       -> WSContactList[]
//   ReportListMessageActivity(ListID, StartDate, EndDate, IncludeTestMessages)
//     unpaged: messages with StartDate <= SendDate <= EndDate -> WSMessageActivity[]
//   ReportRangeMessageContact{Open,Click,Read,Removal,Bounces}(MsgID, StartDate, EndDate, Page)
//     events with StartDate <= date <= EndDate, by date (ties in the order
//     they happened) -> WSContact{Open,Click,Read,RemovalInfo,Bounce}[]
//   ReportMessageContactSent(MsgID, Page)            -> WSMessageRecipient[] in send order
//   ReportRangeSubscribedContacts(ListID, StartDate, EndDate, Page)
//     subscribers by AdditionDate in range           -> WSContactSubscriptionInfo[]
//
// Paged methods: Page 1.. of page_size records; a page past the end is an
// empty <MethodResult /> (clients stop on it, not on a short page). Dates
// are xsd:dateTime without a zone, in UTC ("2024-03-05T07:08:09"); request
// dates may carry a zone. [GUESS: page size, inclusive ranges.]
//
// Errors:
//   - no or unknown SOAPAction, a Body element that is not that method:
//     soap:Client fault "Server did not recognize the value of HTTP Header
//     SOAPAction: X." (ASMX's text), HTTP 500;
//   - missing or bad WSUser credentials: soap:Client fault
//     "System.Web.Services.Protocols.SoapException: [InvalidLogonAttempt]
//     Invalid user name or password." [GUESS: exact text, apis.md 3.1];
//   - a missing or unreadable parameter, Page < 1: soap:Client fault
//     "Server was unable to read request. ---> ..." (ASMX's prefix);
//   - unknown ListID or MsgID: in band, HTTP 200, an empty Result and
//     <WSException><SoapMethod>Method</SoapMethod><DateTime>now</DateTime>
//     <Description>[InvalidListID] List 9 does not exist.</Description>
//     </WSException> (or [InvalidMsgID] Message 9 does not exist.) [GUESS].
//
// GET /v31/IntegrationService.asmx?WSDL serves listrak_wsdl (sim/wsdl.hpp).
//
// Control (uncounted):
//   GET  /_sim/dataset/<stream>  records as the connector should emit them:
//        lists, messages, subscribed_contacts (+ListID), message_sends,
//        message_opens, message_clicks, message_reads, message_unsubs,
//        message_bounces (+MsgID); dates with "Z".
//   POST /_sim/mutate {"touch_messages":K,"events_per_message":E,
//        "add_messages":M,"add_subscribers":S} at the sim clock's now; answers
//        {"touched_messages":[ids],"added_messages":[ids],"added_events":{stream:n},
//        "added_subscribers":n}.
//   POST /_sim/xml_faults {"operation":"ReportRangeMessageContactOpen","kind":
//        "malformed"|"truncated"|"entity_bomb"|"external_entity","count":n}
//        the next n answers of that operation come back broken (HTTP 200).

#include "sim/listrak.hpp"

#include "sim/soap.hpp"
#include "sim/timestamps.hpp"
#include "sim/wsdl.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace quarry::sim {

using nlohmann::json;

namespace {

constexpr const char* v31_ns = "http://webservices.listrak.com/v31/";
constexpr const char* asmx_path = "/v31/IntegrationService.asmx";

// --- records, written once for the wire and once for /_sim/dataset --------

enum class kind { string, integer, number, boolean, date };

struct field {
  const char* name;
  std::string text;
  kind k = kind::string;
};
using record = std::vector<field>;

std::string wire_time(std::int64_t t) {
  auto s = format_rfc3339(t);
  s.pop_back();  // the API writes no zone
  return s;
}

std::string percent(std::int64_t part, std::int64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buf;
}

record list_record(const listrak_list& l) {
  return {{"ListID", std::to_string(l.id), kind::integer},
          {"ListName", l.name},
          {"CreateDate", wire_time(l.create_date), kind::date},
          {"FromName", "Shop & Co"},
          {"FromEmail", "news@example.com"},
          {"BounceUnsubscribeCount", std::to_string(3 + l.id % 3), kind::integer},
          {"bounceHandling", std::to_string(l.id % 2), kind::integer},
          {"EnableDoubleOptin", l.id % 2 == 0 ? "true" : "false", kind::boolean},
          {"EnableGoogleAnalytics", "false", kind::boolean},
          {"EnableListHygiene", "true", kind::boolean},
          {"DomainAliasEmail", "mail.example.com"},
          {"DomainAliasLink", "links.example.com"}};
}

// Vmta is the one nested element: {VmtaID, Description}.
constexpr const char* vmta_description = "Shared pool";

record message_record(const listrak_message& m) {
  std::int64_t clickers = 0, repeat_clickers = 0;
  std::map<std::int64_t, int> per_clicker;
  for (const auto& e : m.of(listrak_event_kind::click)) ++per_clicker[e.contact];
  for (const auto& [c, n] : per_clicker) {
    ++clickers;
    if (n > 1) ++repeat_clickers;
  }
  const auto deliver = static_cast<std::int64_t>(m.recipients.size());
  const auto opens = static_cast<std::int64_t>(m.of(listrak_event_kind::open).size());
  const auto reads = static_cast<std::int64_t>(m.of(listrak_event_kind::read).size());
  const auto clicks = static_cast<std::int64_t>(m.of(listrak_event_kind::click).size());
  const auto removes = static_cast<std::int64_t>(m.of(listrak_event_kind::removal).size());
  const auto conversions = clickers / 3;
  const auto order_cents = conversions * 4999;
  char total[32], average[32];
  std::snprintf(total, sizeof total, "%.2f", static_cast<double>(order_cents) / 100.0);
  std::snprintf(average, sizeof average, "%.2f",
                conversions > 0 ? static_cast<double>(order_cents) / 100.0 / static_cast<double>(conversions) : 0.0);
  return {{"MsgID", std::to_string(m.id), kind::integer},
          {"ListID", std::to_string(m.list_id), kind::integer},
          {"Subject", m.subject},
          {"SendDate", wire_time(m.send_date), kind::date},
          {"DeliverCount", std::to_string(deliver), kind::integer},
          {"OpenCount", std::to_string(opens), kind::integer},
          {"OpenPercent", percent(opens, deliver), kind::number},
          {"ReadCount", std::to_string(reads), kind::integer},
          {"ReadPercent", percent(reads, deliver), kind::number},
          {"ClickCount", std::to_string(clicks), kind::integer},
          {"ClickerCount", std::to_string(clickers), kind::integer},
          {"ClickerPercent", percent(clickers, deliver), kind::number},
          {"NewClickerCount", std::to_string(clickers), kind::integer},
          {"RepeatClickerCount", std::to_string(repeat_clickers), kind::integer},
          {"RemoveCount", std::to_string(removes), kind::integer},
          {"RemovePercent", percent(removes, deliver), kind::number},
          {"ConversionCount", std::to_string(conversions), kind::integer},
          {"OrderTotal", total, kind::number},
          {"AverageOrderValue", average, kind::number}};
}

std::int64_t addition_date_of(const listrak_list* list, std::int64_t contact) {
  if (list == nullptr) return 0;
  const auto it = std::lower_bound(list->subscribers.begin(), list->subscribers.end(), contact,
                                   [](const listrak_subscriber& s, std::int64_t c) { return s.contact < c; });
  return it != list->subscribers.end() && it->contact == contact ? it->addition_date : 0;
}

record event_record(listrak_event_kind k, const listrak_event& e, const listrak_list* list) {
  record r{{"ContactID", std::to_string(e.contact)}, {"EmailAddress", listrak_data::email_of(e.contact)}};
  switch (k) {
    case listrak_event_kind::open: r.push_back({"OpenDate", wire_time(e.date), kind::date}); break;
    case listrak_event_kind::click:
      r.push_back({"LinkUrl", listrak_data::link_url(e.variant)});
      r.push_back({"LinkDescription", listrak_data::link_description(e.variant)});
      r.push_back({"ClickDate", wire_time(e.date), kind::date});
      break;
    case listrak_event_kind::read: r.push_back({"ReadDate", wire_time(e.date), kind::date}); break;
    case listrak_event_kind::removal:
      r.push_back({"AdditionDate", wire_time(addition_date_of(list, e.contact)), kind::date});
      r.push_back({"RemovalDate", wire_time(e.date), kind::date});
      r.push_back({"RemovalMethod", listrak_data::removal_method(e.variant)});
      break;
    case listrak_event_kind::bounce:
      r.push_back({"BounceReason", listrak_data::bounce_reason(e.variant)});
      r.push_back({"BounceDetail", listrak_data::bounce_detail(e.variant)});
      r.push_back({"BounceDate", wire_time(e.date), kind::date});  // xsd:string in the WSDL
      r.push_back({"BounceCount", std::to_string(1 + e.variant), kind::integer});
      break;
  }
  return r;
}

record subscriber_record(const listrak_subscriber& s) {
  return {{"ContactID", std::to_string(s.contact)},
          {"EmailAddress", listrak_data::email_of(s.contact)},
          {"AdditionDate", wire_time(s.addition_date), kind::date},
          {"AdditionMethod", listrak_data::addition_method(s.method)}};
}

void add_xml(pugi::xml_node parent, const char* element, const record& r) {
  auto n = parent.append_child(element);
  for (const auto& f : r) add_leaf(n, f.name, f.text);
}

json to_json(const record& r, json out = json::object()) {
  for (const auto& f : r) {
    switch (f.k) {
      case kind::string: out[f.name] = f.text; break;
      case kind::integer: out[f.name] = std::stoll(f.text); break;
      case kind::number: out[f.name] = std::stod(f.text); break;
      case kind::boolean: out[f.name] = f.text == "true"; break;
      case kind::date: out[f.name] = f.text + "Z"; break;
    }
  }
  return out;
}

struct event_stream {
  const char* operation;  // ReportRangeMessageContact<X>
  const char* element;    // the record element
  const char* stream;     // the connector's stream
  listrak_event_kind kind;
};

constexpr event_stream event_streams[] = {
    {"ReportRangeMessageContactOpen", "WSContactOpen", "message_opens", listrak_event_kind::open},
    {"ReportRangeMessageContactClick", "WSContactClick", "message_clicks", listrak_event_kind::click},
    {"ReportRangeMessageContactRead", "WSContactRead", "message_reads", listrak_event_kind::read},
    {"ReportRangeMessageContactRemoval", "WSContactRemovalInfo", "message_unsubs",
     listrak_event_kind::removal},
    {"ReportRangeMessageContactBounces", "WSContactBounce", "message_bounces", listrak_event_kind::bounce},
};

const listrak_list* find_list(const std::vector<listrak_list>& lists, std::int64_t id) {
  for (const auto& l : lists)
    if (l.id == id) return &l;
  return nullptr;
}

// --- requests -------------------------------------------------------------

// A soap:Client fault answered by the handler.
struct client_fault {
  std::string message;
};

std::string namespace_uri(pugi::xml_node node) {
  const std::string_view name = node.name();
  const auto colon = name.find(':');
  const std::string attr =
      colon == std::string_view::npos ? std::string{"xmlns"} : "xmlns:" + std::string{name.substr(0, colon)};
  for (auto n = node; n; n = n.parent())
    if (auto a = n.attribute(attr.c_str())) return a.value();
  return {};
}

std::int64_t int_param(pugi::xml_node op, const char* name) {
  const auto text = child_text(op, name);
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || p != text.data() + text.size())
    throw client_fault{"Server was unable to read request. ---> There is an error in XML document. ---> " +
                       std::string{name} + ": input string \"" + text + "\" was not in a correct format."};
  return v;
}

// xsd:dateTime, a zone optional (none: UTC), as Unix microseconds.
std::int64_t time_param(pugi::xml_node op, const char* name) {
  auto text = child_text(op, name);
  const bool zoned = text.size() > 19 && (text.back() == 'Z' || text.find_first_of("+-", 19) != std::string::npos);
  const auto us = parse_rfc3339_us(zoned ? text : text + "Z");
  if (!us)
    throw client_fault{"Server was unable to read request. ---> There is an error in XML document. ---> " +
                       std::string{name} + ": the string \"" + text + "\" is not a valid AllXsd value."};
  return *us;
}

int page_param(pugi::xml_node op) {
  const auto page = int_param(op, "Page");
  if (page < 1) throw client_fault{"Server was unable to read request. ---> Page must be 1 or more."};
  return static_cast<int>(std::min<std::int64_t>(page, 1 << 30));
}

// [first, last) of page `page` within `total` items.
std::pair<std::size_t, std::size_t> page_slice(std::size_t total, int page, int page_size) {
  const auto first = std::min(total, static_cast<std::size_t>(page - 1) * static_cast<std::size_t>(page_size));
  return {first, std::min(total, first + static_cast<std::size_t>(page_size))};
}

// --- hostile answers --------------------------------------------------------

std::string broken(const std::string& kind_name, const std::string& good) {
  if (kind_name == "malformed") {
    auto out = good;
    const auto at = out.find("<soap:Body>");
    out.insert(at == std::string::npos ? 0 : at + 11, "<Broken attr=>");
    return out;
  }
  if (kind_name == "truncated") return good.substr(0, good.size() / 2);
  const std::string head = R"(<?xml version="1.0" encoding="utf-8"?>)";
  const std::string env = R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>)";
  if (kind_name == "entity_bomb") {
    std::string dtd = "<!DOCTYPE lolz [<!ENTITY lol0 \"lol\">";
    for (int i = 1; i <= 9; ++i) {
      dtd += "<!ENTITY lol" + std::to_string(i) + " \"";
      for (int j = 0; j < 10; ++j) dtd += "&lol" + std::to_string(i - 1) + ";";
      dtd += "\">";
    }
    dtd += "]>";
    return head + dtd + env + "<x>&lol9;</x></soap:Body></soap:Envelope>";
  }
  return head + R"(<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>)" + env +
         "<x>&xxe;</x></soap:Body></soap:Envelope>";
}

} // namespace

struct listrak_simulator::xml_faults {
  std::mutex mu;
  std::map<std::string, std::pair<std::string, int>> armed;  // operation -> (kind, count)

  // The kind to break this answer with, if any (counts down).
  std::optional<std::string> take(const std::string& operation) {
    std::lock_guard lock(mu);
    auto it = armed.find(operation);
    if (it == armed.end() || it->second.second <= 0) return std::nullopt;
    auto kind_name = it->second.first;
    if (--it->second.second == 0) armed.erase(it);
    return kind_name;
  }
};

listrak_simulator::listrak_simulator(listrak_options options)
    : options_(std::move(options)),
      data_(std::make_unique<listrak_data>(options_.data)),
      faults_(std::make_unique<xml_faults>()),
      server_([this] {
        if (options_.page_size < 1) throw std::invalid_argument("listrak page_size must be 1 or more");
        auto s = options_.server;
        s.operation_of = soap_operation;
        return s;
      }()) {
  add_routes();
}

listrak_simulator::~listrak_simulator() { server_.stop(); }

void listrak_simulator::start() { server_.start(); }
void listrak_simulator::stop() { server_.stop(); }
std::string listrak_simulator::endpoint() const { return base_url() + asmx_path; }

listrak_mutation listrak_simulator::mutate(std::int64_t touch_messages, std::int64_t events_per_message,
                                           std::int64_t add_messages, std::int64_t add_subscribers) {
  return data_->mutate(touch_messages, events_per_message, add_messages, add_subscribers,
                       server_.clock().now_unix_seconds());
}

std::optional<std::string> listrak_simulator::dataset_json(const std::string& stream) const {
  return data_->read([&](const std::vector<listrak_list>& lists,
                         const std::vector<listrak_message>& messages) -> std::optional<std::string> {
    json out = json::array();
    if (stream == "lists") {
      for (const auto& l : lists) {
        auto r = to_json(list_record(l));
        r["Vmta"] = {{"VmtaID", l.id % 4 + 1}, {"Description", vmta_description}};
        out.push_back(std::move(r));
      }
    } else if (stream == "messages") {
      for (const auto& m : messages) out.push_back(to_json(message_record(m)));
    } else if (stream == "subscribed_contacts") {
      for (const auto& l : lists)
        for (const auto& s : l.subscribers) out.push_back(to_json(subscriber_record(s), {{"ListID", l.id}}));
    } else if (stream == "message_sends") {
      for (const auto& m : messages)
        for (const auto c : m.recipients)
          out.push_back({{"MsgID", m.id}, {"EmailAddress", listrak_data::email_of(c)}});
    } else {
      const auto* es = std::find_if(std::begin(event_streams), std::end(event_streams),
                                    [&](const event_stream& e) { return stream == e.stream; });
      if (es == std::end(event_streams)) return std::nullopt;
      for (const auto& m : messages) {
        const auto* list = find_list(lists, m.list_id);
        for (const auto& e : m.of(es->kind)) out.push_back(to_json(event_record(es->kind, e, list), {{"MsgID", m.id}}));
      }
    }
    return out.dump();
  });
}

void listrak_simulator::add_routes() {
  // The answer to one call, or throws client_fault.
  auto answer = [this](const std::string& method, pugi::xml_node op, soap_reply& reply) {
    auto response = reply.body().append_child((method + "Response").c_str());
    response.append_attribute("xmlns") = v31_ns;
    const auto now = server_.clock().now_unix_seconds();
    auto exception = [&](const std::string& description) {
      auto ex = response.append_child("WSException");
      add_leaf(ex, "SoapMethod", method);
      add_leaf(ex, "DateTime", wire_time(now));
      add_leaf(ex, "Description", description);
      response.append_child((method + "Result").c_str());
    };
    const auto in_range = [](std::int64_t t, std::int64_t from_us, std::int64_t to_us) {
      return t * 1000000 >= from_us && t * 1000000 <= to_us;
    };
    const int page_size = options_.page_size;

    data_->read([&](const std::vector<listrak_list>& lists, const std::vector<listrak_message>& messages) {
      if (method == "GetContactListCollection") {
        auto result = response.append_child("GetContactListCollectionResult");
        for (const auto& l : lists) {
          add_xml(result, "WSContactList", list_record(l));
          auto vmta = result.last_child().append_child("Vmta");
          add_leaf(vmta, "VmtaID", std::to_string(l.id % 4 + 1));
          add_leaf(vmta, "Description", vmta_description);
        }
        return;
      }
      if (method == "ReportListMessageActivity") {
        const auto list_id = int_param(op, "ListID");
        const auto from = time_param(op, "StartDate"), to = time_param(op, "EndDate");
        if (find_list(lists, list_id) == nullptr)
          return exception("[InvalidListID] List " + std::to_string(list_id) + " does not exist.");
        response.append_child("WSException").append_attribute("xsi:nil") = "true";
        auto result = response.append_child("ReportListMessageActivityResult");
        for (const auto& m : messages)
          if (m.list_id == list_id && in_range(m.send_date, from, to))
            add_xml(result, "WSMessageActivity", message_record(m));
        return;
      }
      if (method == "ReportRangeSubscribedContacts") {
        const auto list_id = int_param(op, "ListID");
        const auto from = time_param(op, "StartDate"), to = time_param(op, "EndDate");
        const int page = page_param(op);
        const auto* list = find_list(lists, list_id);
        if (list == nullptr)
          return exception("[InvalidListID] List " + std::to_string(list_id) + " does not exist.");
        std::vector<const listrak_subscriber*> hits;
        for (const auto& s : list->subscribers)
          if (in_range(s.addition_date, from, to)) hits.push_back(&s);
        auto result = response.append_child("ReportRangeSubscribedContactsResult");
        const auto [a, b] = page_slice(hits.size(), page, page_size);
        for (auto i = a; i < b; ++i) add_xml(result, "WSContactSubscriptionInfo", subscriber_record(*hits[i]));
        return;
      }
      if (method == "ReportMessageContactSent") {
        const auto msg_id = int_param(op, "MsgID");
        const int page = page_param(op);
        const auto* m = listrak_data::find_message(messages, msg_id);
        if (m == nullptr)
          return exception("[InvalidMsgID] Message " + std::to_string(msg_id) + " does not exist.");
        response.append_child("WSException").append_attribute("xsi:nil") = "true";
        auto result = response.append_child("ReportMessageContactSentResult");
        const auto [a, b] = page_slice(m->recipients.size(), page, page_size);
        for (auto i = a; i < b; ++i)
          add_leaf(result.append_child("WSMessageRecipient"), "EmailAddress", listrak_data::email_of(m->recipients[i]));
        return;
      }
      for (const auto& es : event_streams) {
        if (method != es.operation) continue;
        const auto msg_id = int_param(op, "MsgID");
        const auto from = time_param(op, "StartDate"), to = time_param(op, "EndDate");
        const int page = page_param(op);
        const auto* m = listrak_data::find_message(messages, msg_id);
        if (m == nullptr)
          return exception("[InvalidMsgID] Message " + std::to_string(msg_id) + " does not exist.");
        const auto& events = m->of(es.kind);
        const auto first = std::lower_bound(events.begin(), events.end(), from,
                                            [](const listrak_event& e, std::int64_t us) { return e.date * 1000000 < us; });
        auto last = first;
        while (last != events.end() && in_range(last->date, from, to)) ++last;
        auto result = response.append_child((method + "Result").c_str());
        const auto [a, b] = page_slice(static_cast<std::size_t>(last - first), page, page_size);
        const auto* list = find_list(lists, m->list_id);
        for (auto i = a; i < b; ++i) add_xml(result, es.element, event_record(es.kind, first[static_cast<std::ptrdiff_t>(i)], list));
        return;
      }
      throw client_fault{"Server did not recognize the value of HTTP Header SOAPAction: " + std::string{v31_ns} +
                         method + "."};
    });
  };

  server_.add_api_route("POST", asmx_path, [this, answer](const request& req, response& res) {
    auto action = req.header("SOAPAction").value_or("");
    if (action.size() >= 2 && action.front() == '"' && action.back() == '"') action = action.substr(1, action.size() - 2);
    const std::string unknown = "Server did not recognize the value of HTTP Header SOAPAction: " + action + ".";
    if (!action.starts_with(v31_ns)) return send_soap_fault(res, "soap:Client", unknown);
    const auto method = action.substr(std::string_view{v31_ns}.size());
    std::string why;
    auto call = parse_soap_call(req.body, why);
    if (!call) return send_soap_fault(res, "soap:Client", "Server was unable to read request. ---> " + why);
    if (local_name(call->operation) != method || namespace_uri(call->operation) != v31_ns)
      return send_soap_fault(res, "soap:Client", unknown);
    const auto user = child_named(call->header, "WSUser");
    if (!user || namespace_uri(user) != v31_ns || child_text(user, "UserName") != options_.username ||
        child_text(user, "Password") != options_.password)
      return send_soap_fault(res, "soap:Client",
                             "System.Web.Services.Protocols.SoapException: [InvalidLogonAttempt] Invalid "
                             "user name or password.");
    soap_reply reply;
    try {
      answer(method, call->operation, reply);
    } catch (const client_fault& f) {
      return send_soap_fault(res, "soap:Client", f.message);
    }
    reply.send(res);
    if (const auto kind_name = faults_->take(method)) res.body = broken(*kind_name, res.body);
  });

  server_.add_control_route("GET", asmx_path, [this](const request& req, response& res) {
    if (!req.query.contains("WSDL") && !req.query.contains("wsdl")) {
      res.status = 404;
      res.content_type = "text/plain";
      res.body = "GET " + std::string{asmx_path} + "?WSDL for the service description";
      return;
    }
    res.status = 200;
    res.content_type = "text/xml; charset=utf-8";
    res.body = listrak_wsdl(endpoint());
  });

  server_.add_control_route("GET", "/_sim/dataset/{stream}", [this](const request& req, response& res) {
    if (auto out = dataset_json(req.path_param("stream")))
      res.json(200, std::move(*out));
    else
      res.json(404, R"({"error":"unknown stream"})");
  });

  server_.add_control_route("POST", "/_sim/mutate", [this](const request& req, response& res) {
    const auto body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) throw std::invalid_argument("expected a JSON object");
    auto count = [&](const char* name) -> std::int64_t {
      if (!body.contains(name)) return 0;
      const auto& v = body[name];
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
        throw std::invalid_argument(std::string(name) + " must be a non-negative integer");
      return std::min<std::int64_t>(v.get<std::int64_t>(), 1'000'000);
    };
    const auto changed = mutate(count("touch_messages"), body.contains("events_per_message") ? count("events_per_message") : 1,
                                count("add_messages"), count("add_subscribers"));
    json added = json::object();
    for (const auto& es : event_streams) added[es.stream] = changed.added_events[static_cast<int>(es.kind)];
    res.json(200, json{{"touched_messages", changed.touched_messages},
                       {"added_messages", changed.added_messages},
                       {"added_events", added},
                       {"added_subscribers", changed.added_subscribers}}
                      .dump());
  });

  server_.add_control_route("POST", "/_sim/xml_faults", [this](const request& req, response& res) {
    const auto body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("operation") || !body["operation"].is_string())
      throw std::invalid_argument("expected {\"operation\":..., \"kind\":..., \"count\":n}");
    const auto kind_name = body.value("kind", std::string{});
    if (kind_name != "malformed" && kind_name != "truncated" && kind_name != "entity_bomb" &&
        kind_name != "external_entity")
      throw std::invalid_argument("kind must be malformed, truncated, entity_bomb or external_entity");
    const int count = body.value("count", 1);
    if (count < 0) throw std::invalid_argument("count must be non-negative");
    std::lock_guard lock(faults_->mu);
    faults_->armed[body["operation"].get<std::string>()] = {kind_name, count};
    res.json(200, R"({"ok":true})");
  });
}

} // namespace quarry::sim
