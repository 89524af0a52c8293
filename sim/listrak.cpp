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
//     unpaged: messages sent in [StartDate, EndDate]  -> WSMessageActivity[]
//   ReportRangeMessageContact{Open,Click,Read,Removal,Bounces}(MsgID, StartDate, EndDate, Page)
//     events in [StartDate, EndDate], by time (ties in the order they
//     happened) -> WSContact{Open,Click,Read,RemovalInfo,Bounce}[]
//   ReportMessageContactSent(MsgID, Page)            -> WSMessageRecipient[] in send order
//   ReportRangeSubscribedContacts(ListID, StartDate, EndDate, Page)
//     subscribers by AdditionDate in range           -> WSContactSubscriptionInfo[]
//
// Paged methods: Page 1.. of page_size records; a page past the end is an
// empty <MethodResult /> (clients stop on it, not on a short page). Dates
// are xsd:dateTime without a zone, wall time in the server's time zone
// ("2024-03-05T02:08:09.042"); request dates without a zone are read in it
// too, with one as they say. WSContactList.GoogleTrackingDomains is an
// ArrayOfString: lists 201, 205, ... have two domains, 202, ... one, 203,
// ... an empty element, 204, ... none (so a naive reader sees both
// {"string":"a"} and {"string":["a","b"]}). [GUESS: page size.]
//
// Readings (sim/server.hpp; the first value is the default):
//   counters          people | events: what OpenCount, ReadCount, ClickCount
//                     and RemoveCount count (ClickerCount counts people)
//   subsecond         on | off: dates carry milliseconds as .NET writes them
//                     ("...09.042", ".19"), or whole seconds (two clicks at
//                     .19 and .93 are then identical rows)
//   server_time_zone  UTC | Etc/GMT+5 (a fixed UTC-05:00, IANA's name)
//   range_bound       inclusive | exclusive | half_open: StartDate and
//                     EndDate of every ranged report
//   bounce_date       iso | dotnet: BounceDate (xsd:string in the WSDL) as
//                     an xsd:dateTime, or as DateTime.ToString()
//                     ("3/5/2024 2:08:09 AM", whole seconds)
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
//   GET  /_sim/dataset/<stream>  records as the connector should emit them
//        under the readings now set: lists, messages, subscribed_contacts
//        (+ListID), message_sends, message_opens, message_clicks,
//        message_reads, message_unsubs, message_bounces (+MsgID, and Ordinal
//        on the event streams: 0, or 1, 2, ... for rows identical to an
//        earlier one); dates RFC 3339 in UTC with "Z".
//   POST /_sim/mutate {"touch_messages":K,"events_per_message":E,
//        "repeat_messages":R,"add_messages":M,"add_subscribers":S,
//        "at":"<RFC 3339>"} at `at` (whole seconds; default the sim clock's
//        now), see listrak_changes; answers {"touched_messages":[ids],
//        "repeated_messages":[ids],"added_messages":[ids],
//        "added_events":{stream:n},"added_subscribers":n}.
//   POST /_sim/xml_faults {"operation":"ReportRangeMessageContactOpen","kind":
//        "malformed"|"truncated"|"entity_bomb"|"external_entity"|"repeat_page",
//        "count":n} the next n answers of that operation come back broken
//        (HTTP 200), or (repeat_page) as page 1 whatever Page asked.
//   POST /_sim/hold {"operation":"ReportRangeMessageContactOpen","after_calls":N}
//        holds that operation's calls (sim/server.hpp): a test holds the page
//        after a checkpoint to `kill -9` quarry there.

#include "sim/listrak.hpp"

#include "sim/soap.hpp"
#include "sim/timestamps.hpp"
#include "sim/wsdl.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>

namespace quarry::sim {

using nlohmann::json;

namespace {

constexpr const char* v31_ns = "http://webservices.listrak.com/v31/";
constexpr const char* asmx_path = "/v31/IntegrationService.asmx";

// --- records, written once for the wire and once for /_sim/dataset --------

// How one answer writes dates and counters: the readings it was made under,
// and whether it is the wire or the dataset (UTC with "Z", as the connector
// should write it).
struct dialect {
  std::int64_t offset_s = 0;  // server time zone: wall time = UTC + offset
  bool subsecond = true;
  bool dotnet_bounce = false;
  bool people = true;  // counters count people
  bool dataset = false;
};

// ".042", ".19", "" for whole seconds.
std::string fraction(std::int32_t micros) {
  if (micros <= 0) return {};
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%06d", static_cast<int>(micros % 1'000'000));
  std::string out = buf;
  while (out.back() == '0') out.pop_back();
  return out;
}

// DateTime.ToString() in en-US: "3/5/2024 2:08:09 AM".
std::string dotnet_text(std::int64_t t) {
  auto iso = format_rfc3339(t);  // YYYY-MM-DDTHH:MM:SSZ
  const int y = std::stoi(iso.substr(0, 4)), mo = std::stoi(iso.substr(5, 2)), d = std::stoi(iso.substr(8, 2));
  const int h = std::stoi(iso.substr(11, 2));
  char buf[48];
  std::snprintf(buf, sizeof buf, "%d/%d/%d %d:%s %s", mo, d, y, h % 12 == 0 ? 12 : h % 12, iso.substr(14, 5).c_str(),
                h < 12 ? "AM" : "PM");
  return buf;
}

std::string date_text(const dialect& d, std::int64_t t, std::int32_t micros = 0, bool bounce = false) {
  const bool dotnet = bounce && d.dotnet_bounce;
  if (dotnet && !d.dataset) return dotnet_text(t + d.offset_s);
  auto s = format_rfc3339(d.dataset ? t : t + d.offset_s);
  s.pop_back();  // the API writes no zone
  if (d.subsecond && !dotnet) s += fraction(micros);
  return d.dataset ? s + "Z" : s;
}

// Microseconds of an event as the server compares it.
std::int64_t event_us(const listrak_event& e, const dialect& d) {
  return e.date * 1'000'000 + (d.subsecond ? e.micros : 0);
}

enum class kind { string, integer, number, boolean, date };

struct field {
  const char* name;
  std::string text;
  kind k = kind::string;
};
using record = std::vector<field>;

std::string percent(std::int64_t part, std::int64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buf;
}

record list_record(const listrak_list& l, const dialect& d) {
  return {{"ListID", std::to_string(l.id), kind::integer},
          {"ListName", l.name},
          {"CreateDate", date_text(d, l.create_date), kind::date},
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

// GoogleTrackingDomains of a list: two, one, none (an empty element) or no
// element at all, by ListID.
std::optional<std::vector<std::string>> tracking_domains(const listrak_list& l) {
  switch (l.id % 4) {
    case 1: return std::vector<std::string>{"shop.example.com", "blog.example.com"};
    case 2: return std::vector<std::string>{"shop.example.com"};
    case 3: return std::vector<std::string>{};
    default: return std::nullopt;
  }
}

std::int64_t people(const std::vector<listrak_event>& events) {
  std::set<std::int64_t> who;
  for (const auto& e : events) who.insert(e.contact);
  return static_cast<std::int64_t>(who.size());
}

record message_record(const listrak_message& m, const dialect& d) {
  std::int64_t repeat_clickers = 0;
  std::map<std::int64_t, int> per_clicker;
  for (const auto& e : m.of(listrak_event_kind::click)) ++per_clicker[e.contact];
  for (const auto& [c, n] : per_clicker) repeat_clickers += n > 1;
  const auto clickers = static_cast<std::int64_t>(per_clicker.size());
  auto count = [&](listrak_event_kind k) {
    return d.people ? people(m.of(k)) : static_cast<std::int64_t>(m.of(k).size());
  };
  const auto deliver = static_cast<std::int64_t>(m.recipients.size());
  const auto opens = count(listrak_event_kind::open), reads = count(listrak_event_kind::read);
  const auto clicks = count(listrak_event_kind::click), removes = count(listrak_event_kind::removal);
  const auto conversions = clickers / 3;
  const auto order_cents = conversions * 4999;
  char total[32], average[32];
  std::snprintf(total, sizeof total, "%.2f", static_cast<double>(order_cents) / 100.0);
  std::snprintf(average, sizeof average, "%.2f",
                conversions > 0 ? static_cast<double>(order_cents) / 100.0 / static_cast<double>(conversions) : 0.0);
  return {{"MsgID", std::to_string(m.id), kind::integer},
          {"ListID", std::to_string(m.list_id), kind::integer},
          {"Subject", m.subject},
          {"SendDate", date_text(d, m.send_date), kind::date},
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

record event_record(listrak_event_kind k, const listrak_event& e, const listrak_list* list, const dialect& d) {
  record r{{"ContactID", std::to_string(e.contact)}, {"EmailAddress", listrak_data::email_of(e.contact)}};
  const auto when = date_text(d, e.date, e.micros, k == listrak_event_kind::bounce);
  switch (k) {
    case listrak_event_kind::open: r.push_back({"OpenDate", when, kind::date}); break;
    case listrak_event_kind::click:
      r.push_back({"LinkUrl", listrak_data::link_url(e.variant)});
      r.push_back({"LinkDescription", listrak_data::link_description(e.variant)});
      r.push_back({"ClickDate", when, kind::date});
      break;
    case listrak_event_kind::read: r.push_back({"ReadDate", when, kind::date}); break;
    case listrak_event_kind::removal:
      r.push_back({"AdditionDate", date_text(d, addition_date_of(list, e.contact)), kind::date});
      r.push_back({"RemovalDate", when, kind::date});
      r.push_back({"RemovalMethod", listrak_data::removal_method(e.variant)});
      break;
    case listrak_event_kind::bounce:
      r.push_back({"BounceReason", listrak_data::bounce_reason(e.variant)});
      r.push_back({"BounceDetail", listrak_data::bounce_detail(e.variant)});
      r.push_back({"BounceDate", when, kind::date});  // xsd:string in the WSDL
      r.push_back({"BounceCount", std::to_string(1 + e.variant), kind::integer});
      break;
  }
  return r;
}

record subscriber_record(const listrak_subscriber& s, const dialect& d) {
  return {{"ContactID", std::to_string(s.contact)},
          {"EmailAddress", listrak_data::email_of(s.contact)},
          {"AdditionDate", date_text(d, s.addition_date), kind::date},
          {"AdditionMethod", listrak_data::addition_method(s.method)}};
}

void add_xml(pugi::xml_node parent, const char* element, const record& r) {
  auto n = parent.append_child(element);
  for (const auto& f : r) add_leaf(n, f.name, f.text);
}

json to_json(const record& r, json out = json::object()) {
  for (const auto& f : r) {
    switch (f.k) {
      case kind::string:
      case kind::date: out[f.name] = f.text; break;
      case kind::integer: out[f.name] = std::stoll(f.text); break;
      case kind::number: out[f.name] = std::stod(f.text); break;
      case kind::boolean: out[f.name] = f.text == "true"; break;
    }
  }
  return out;
}

// Every field's text: equal for rows identical in every field.
std::string content_of(const record& r) {
  std::string out;
  for (const auto& f : r) out.append(f.name).append("=").append(f.text).append("\x1f");
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

// xsd:dateTime as Unix microseconds: without a zone, wall time in the
// server's time zone; with one, as it says.
std::int64_t time_param(pugi::xml_node op, const char* name, const dialect& d) {
  auto text = child_text(op, name);
  const bool zoned = text.size() > 19 && (text.back() == 'Z' || text.find_first_of("+-", 19) != std::string::npos);
  const auto us = parse_rfc3339_us(zoned ? text : text + "Z");
  if (!us)
    throw client_fault{"Server was unable to read request. ---> There is an error in XML document. ---> " +
                       std::string{name} + ": the string \"" + text + "\" is not a valid AllXsd value."};
  return zoned ? *us : *us - d.offset_s * 1'000'000;
}

// `first_only`: a hostile server that ignores Page.
int page_param(pugi::xml_node op, bool first_only) {
  const auto page = int_param(op, "Page");
  if (page < 1) throw client_fault{"Server was unable to read request. ---> Page must be 1 or more."};
  return first_only ? 1 : static_cast<int>(std::min<std::int64_t>(page, 1 << 30));
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
  server_.declare_reading("counters", {"people", "events"});
  server_.declare_reading("subsecond", {"on", "off"});
  server_.declare_reading("server_time_zone", {"UTC", "Etc/GMT+5"});
  server_.declare_reading("range_bound", {"inclusive", "exclusive", "half_open"});
  server_.declare_reading("bounce_date", {"iso", "dotnet"});
  add_routes();
}

listrak_simulator::~listrak_simulator() { server_.stop(); }

void listrak_simulator::start() { server_.start(); }
void listrak_simulator::stop() { server_.stop(); }
std::string listrak_simulator::endpoint() const { return base_url() + asmx_path; }

listrak_mutation listrak_simulator::mutate(const listrak_changes& changes, std::optional<std::int64_t> at) {
  return data_->mutate(changes, at.value_or(server_.clock().now_unix_seconds()));
}

namespace {

// The readings now set, as a dialect of the wire (or of the dataset).
dialect readings_of(const server& s, bool dataset) {
  dialect d;
  d.offset_s = s.reading("server_time_zone") == "Etc/GMT+5" ? -5 * 3600 : 0;
  d.subsecond = s.reading("subsecond") == "on";
  d.dotnet_bounce = s.reading("bounce_date") == "dotnet";
  d.people = s.reading("counters") == "people";
  d.dataset = dataset;
  return d;
}

} // namespace

std::optional<std::string> listrak_simulator::dataset_json(const std::string& stream) const {
  const auto d = readings_of(server_, true);
  return data_->read([&](const std::vector<listrak_list>& lists,
                         const std::vector<listrak_message>& messages) -> std::optional<std::string> {
    json out = json::array();
    if (stream == "lists") {
      for (const auto& l : lists) {
        auto r = to_json(list_record(l, d));
        r["Vmta"] = {{"VmtaID", l.id % 4 + 1}, {"Description", vmta_description}};
        r["GoogleTrackingDomains"] = tracking_domains(l).value_or(std::vector<std::string>{});
        out.push_back(std::move(r));
      }
    } else if (stream == "messages") {
      for (const auto& m : messages) out.push_back(to_json(message_record(m, d)));
    } else if (stream == "subscribed_contacts") {
      for (const auto& l : lists)
        for (const auto& s : l.subscribers) out.push_back(to_json(subscriber_record(s, d), {{"ListID", l.id}}));
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
        std::map<std::string, int> copies;  // rows identical in every field
        for (const auto& e : m.of(es->kind)) {
          const auto r = event_record(es->kind, e, list, d);
          out.push_back(to_json(r, {{"MsgID", m.id}, {"Ordinal", copies[content_of(r)]++}}));
        }
      }
    }
    return out.dump();
  });
}

void listrak_simulator::add_routes() {
  using self = listrak_simulator;
  const auto plain = [this](route r) -> server::handler {
    return [this, r](const request& req, response& res) { (this->*r)(req, res); };
  };
  server_.add_api_route("POST", asmx_path, plain(&self::soap_call));
  server_.add_control_route("GET", asmx_path, plain(&self::wsdl));
  server_.add_control_route("GET", "/_sim/dataset/{stream}", plain(&self::sim_dataset));
  server_.add_control_route("POST", "/_sim/mutate", plain(&self::sim_mutate));
  server_.add_control_route("POST", "/_sim/xml_faults", plain(&self::sim_xml_faults));
}

void listrak_simulator::soap_call(const request& req, response& res) {
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
  const auto fault = faults_->take(method);
  const bool first_page_only = fault == "repeat_page";
  soap_reply reply;
  try {
    answer(method, call->operation, reply, first_page_only);
  } catch (const client_fault& f) {
    return send_soap_fault(res, "soap:Client", f.message);
  }
  reply.send(res);
  if (fault && !first_page_only) res.body = broken(*fault, res.body);
}

void listrak_simulator::wsdl(const request& req, response& res) {
  if (!req.query.contains("WSDL") && !req.query.contains("wsdl")) {
    res.status = 404;
    res.content_type = "text/plain";
    res.body = "GET " + std::string{asmx_path} + "?WSDL for the service description";
    return;
  }
  res.status = 200;
  res.content_type = "text/xml; charset=utf-8";
  res.body = listrak_wsdl(endpoint());
}

void listrak_simulator::sim_dataset(const request& req, response& res) {
  if (auto out = dataset_json(req.path_param("stream")))
    res.json(200, std::move(*out));
  else
    res.json(404, R"({"error":"unknown stream"})");
}

void listrak_simulator::sim_mutate(const request& req, response& res) {
  const auto body = control_body(req);
  auto count = [&](const char* name) { return control_count(body, name, 1'000'000); };
  listrak_changes changes;
  changes.touch_messages = count("touch_messages");
  changes.events_per_message = body.contains("events_per_message") ? count("events_per_message") : 1;
  changes.repeat_messages = count("repeat_messages");
  changes.add_messages = count("add_messages");
  changes.add_subscribers = count("add_subscribers");
  std::optional<std::int64_t> at;
  if (body.contains("at")) {
    const auto us = body["at"].is_string() ? parse_rfc3339_us(body["at"].get<std::string>()) : std::nullopt;
    if (!us) throw std::invalid_argument("at must be an RFC 3339 date-time");
    at = *us / 1'000'000;
  }
  const auto changed = mutate(changes, at);
  json added = json::object();
  for (const auto& es : event_streams) added[es.stream] = changed.added_events[static_cast<int>(es.kind)];
  res.json(200, json{{"touched_messages", changed.touched_messages},
                     {"repeated_messages", changed.repeated_messages},
                     {"added_messages", changed.added_messages},
                     {"added_events", added},
                     {"added_subscribers", changed.added_subscribers}}
                    .dump());
}

void listrak_simulator::sim_xml_faults(const request& req, response& res) {
  const auto body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("operation") || !body["operation"].is_string())
    throw std::invalid_argument("expected {\"operation\":..., \"kind\":..., \"count\":n}");
  const auto kind_name = body.value("kind", std::string{});
  if (kind_name != "malformed" && kind_name != "truncated" && kind_name != "entity_bomb" &&
      kind_name != "external_entity" && kind_name != "repeat_page")
    throw std::invalid_argument("kind must be malformed, truncated, entity_bomb, external_entity or repeat_page");
  const int count = body.value("count", 1);
  if (count < 0) throw std::invalid_argument("count must be non-negative");
  std::lock_guard lock(faults_->mu);
  faults_->armed[body["operation"].get<std::string>()] = {kind_name, count};
  res.json(200, R"({"ok":true})");
}

// The answer to one call, or throws client_fault. `first_page_only`: a
// hostile answer that ignores Page.
void listrak_simulator::answer(const std::string& method, pugi::xml_node op, soap_reply& reply,
                               bool first_page_only) {
  auto response = reply.body().append_child((method + "Response").c_str());
  response.append_attribute("xmlns") = v31_ns;
  const auto now = server_.clock().now_unix_seconds();
  const auto d = readings_of(server_, false);
  auto exception = [&](const std::string& description) {
    auto ex = response.append_child("WSException");
    add_leaf(ex, "SoapMethod", method);
    add_leaf(ex, "DateTime", date_text(d, now));
    add_leaf(ex, "Description", description);
    response.append_child((method + "Result").c_str());
  };
  const auto bound = server_.reading("range_bound");
  const auto in_range = [&bound](std::int64_t us, std::int64_t from_us, std::int64_t to_us) {
    if (bound == "exclusive") return us > from_us && us < to_us;
    if (bound == "half_open") return us >= from_us && us < to_us;
    return us >= from_us && us <= to_us;
  };
  const int page_size = options_.page_size;

  data_->read([&](const std::vector<listrak_list>& lists, const std::vector<listrak_message>& messages) {
    if (method == "GetContactListCollection") {
      auto result = response.append_child("GetContactListCollectionResult");
      for (const auto& l : lists) {
        add_xml(result, "WSContactList", list_record(l, d));
        auto vmta = result.last_child().append_child("Vmta");
        add_leaf(vmta, "VmtaID", std::to_string(l.id % 4 + 1));
        add_leaf(vmta, "Description", vmta_description);
        if (const auto domains = tracking_domains(l)) {
          auto array = result.last_child().append_child("GoogleTrackingDomains");
          for (const auto& domain : *domains) add_leaf(array, "string", domain);
        }
      }
      return;
    }
    if (method == "ReportListMessageActivity") {
      const auto list_id = int_param(op, "ListID");
      const auto from = time_param(op, "StartDate", d), to = time_param(op, "EndDate", d);
      if (find_list(lists, list_id) == nullptr)
        return exception("[InvalidListID] List " + std::to_string(list_id) + " does not exist.");
      response.append_child("WSException").append_attribute("xsi:nil") = "true";
      auto result = response.append_child("ReportListMessageActivityResult");
      for (const auto& m : messages)
        if (m.list_id == list_id && in_range(m.send_date * 1'000'000, from, to))
          add_xml(result, "WSMessageActivity", message_record(m, d));
      return;
    }
    if (method == "ReportRangeSubscribedContacts") {
      const auto list_id = int_param(op, "ListID");
      const auto from = time_param(op, "StartDate", d), to = time_param(op, "EndDate", d);
      const int page = page_param(op, first_page_only);
      const auto* list = find_list(lists, list_id);
      if (list == nullptr)
        return exception("[InvalidListID] List " + std::to_string(list_id) + " does not exist.");
      std::vector<const listrak_subscriber*> hits;
      for (const auto& s : list->subscribers)
        if (in_range(s.addition_date * 1'000'000, from, to)) hits.push_back(&s);
      auto result = response.append_child("ReportRangeSubscribedContactsResult");
      const auto [a, b] = page_slice(hits.size(), page, page_size);
      for (auto i = a; i < b; ++i) add_xml(result, "WSContactSubscriptionInfo", subscriber_record(*hits[i], d));
      return;
    }
    if (method == "ReportMessageContactSent") {
      const auto msg_id = int_param(op, "MsgID");
      const int page = page_param(op, first_page_only);
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
      const auto from = time_param(op, "StartDate", d), to = time_param(op, "EndDate", d);
      const int page = page_param(op, first_page_only);
      const auto* m = listrak_data::find_message(messages, msg_id);
      if (m == nullptr)
        return exception("[InvalidMsgID] Message " + std::to_string(msg_id) + " does not exist.");
      const auto& events = m->of(es.kind);
      // Events are sorted by time: from the first at or after StartDate.
      auto it = std::lower_bound(events.begin(), events.end(), from,
                                 [&d](const listrak_event& e, std::int64_t us) { return event_us(e, d) < us; });
      std::vector<const listrak_event*> hits;
      for (; it != events.end() && event_us(*it, d) <= to; ++it)
        if (in_range(event_us(*it, d), from, to)) hits.push_back(&*it);
      auto result = response.append_child((method + "Result").c_str());
      const auto [a, b] = page_slice(hits.size(), page, page_size);
      const auto* list = find_list(lists, m->list_id);
      for (auto i = a; i < b; ++i) add_xml(result, es.element, event_record(es.kind, *hits[i], list, d));
      return;
    }
    throw client_fault{"Server did not recognize the value of HTTP Header SOAPAction: " + std::string{v31_ns} +
                       method + "."};
  });
}

} // namespace quarry::sim
