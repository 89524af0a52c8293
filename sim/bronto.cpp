// The Bronto SOAP API v4 on the wire (apis.md section 2). Document/literal:
// every call is POST /v4 with a SOAP 1.1 envelope whose Body holds one
// operation element in the namespace http://api.bronto.com/v4; its children
// are unqualified. Answers (HTTP 200, with a Date header from the sim clock):
//   <soap:Envelope><soap:Body><ns2:readContactsResponse xmlns:ns2="http://api.bronto.com/v4">
//     <return>...</return><return>...</return>     (none: the end of the pages)
//   </ns2:readContactsResponse></soap:Body></soap:Envelope>
// Errors are SOAP faults (HTTP 500):
//   <soap:Fault><faultcode>soap:Server</faultcode>
//     <faultstring>103: Your session is invalid. Please log in again.</faultstring>
//     <detail><ns2:ApiException xmlns:ns2="..."><errorCode>103</errorCode></ns2:ApiException></detail>
//   </soap:Fault>
// An envelope that does not parse: soap:Client fault 107. Injected faults
// (--fault-rate): fault 101 "There was an unknown API error...".
//
// login(apiToken) -> return: a new session id; a wrong token: 102
//   "102: Authentication failed for token: <token>". Every
//   other operation needs soap:Header/sessionHeader/sessionId; an unknown or
//   expired session (idle session_idle_s, 20 minutes) answers 103.
// readContacts(filter, includeLists, fields*, pageNumber, includeSMSKeywords,
//   includeGeoIPData, includeTechnologyData, includeRFMData,
//   includeEngagementData, includeSegments): filter = contactFilter{type AND|OR
//   (else 112), created*, modified* as dateValue{value, operator}}; other
//   conditions are ignored. Operators on instants: After, GreaterThan,
//   GreaterThanEqualTo, Before, LessThan, LessThanEqualTo, EqualTo,
//   NotEqualTo; on days of the account's zone: AfterOrSameDay,
//   BeforeOrSameDay, SameDay, NotSameDay; others: 106. page_size per page;
//   pageNumber from 1 (missing: 110). The include flags add listIds,
//   segmentIds, SMSKeywordIDs and the parts of readOnlyContactData (geoIP*,
//   browsers/clients/OS, orders, last delivery/open/click) only when true;
//   `fields` (field ids) adds fields{fieldId, content} for those ids.
// readFields(filter, pageNumber) -> fieldObject{id, name, label, type, visibility}.
// readLists(filter, pageNumber, pageSize): pageSize 10..5000 (below: 115
//   "Page size is lower than the minimum allowed limit of 10"; above: capped
//   [GUESS]; absent: 5000 [GUESS]), also capped by page_size.
// readUnsubscribes(filter{start, end}, pageNumber): created from start to
//   end (bounds: readings), created order, page_size per page.
// readRecentInboundActivities / readRecentOutboundActivities(filter{start,
//   end, size, readDirection, types*}): createdDate from start to end (end
//   absent: now; bounds: readings); size 1000..5000 (below: 115, above:
//   capped, and by activity_page_size); FIRST reads the first `size`, NEXT
//   the next `size` of the last FIRST of that operation (per session or per
//   token: reading). NEXT without a FIRST: 107 [GUESS]. NEXT past the last
//   record: 116 "116: End of result set." [GUESS on the text] or an empty
//   answer (reading). A start older than horizon_days (30) before now is
//   moved up to it: older activities are gone [GUESS: Bronto documents the
//   30 days, not how an older start is answered]. See bronto_data.hpp for
//   which types are inbound and which outbound.
// GET /v4?wsdl: the WSDL (sim/wsdl.hpp), its soap:address this server's /v4.
//
// Readings (GET/POST /_sim/readings; the first value is the default). Each
// is something apis.md leaves open; the connector must be right under all:
//   since_bound     inclusive | exclusive   filter.start of readUnsubscribes
//                                           and readRecent*Activities
//   until_bound     exclusive | inclusive   their filter.end
//   date_operators  instant | day           readContacts' dateValue operators
//                                           compare instants, or (all of them)
//                                           calendar days of the account's zone
//   subsecond       milliseconds | seconds  dates keep milliseconds
//                                           ("...:05.042"), or are whole
//                                           seconds (stored and written so)
//   date_zone       offset | utc | none     dates are written in the account's
//                                           zone with its offset ("-05:00", as
//                                           apis.md's example), in UTC ("Z"),
//                                           or as the account's wall time with
//                                           no zone at all
//   contact_order   created | modified      readContacts pages in created
//                                           order, or in modified order (a
//                                           contact modified while a client
//                                           pages moves to the end)
//   page_fill       full | ragged           pageNumber pages hold page_size
//                                           records, or some fewer (never none)
//                                           before the last
//   activity_cursor session | token         NEXT continues the session's own
//                                           FIRST, or the token's latest FIRST
//                                           of the operation from any session
//   activity_end    fault_116 | empty       NEXT past the end
//   activity_order  ascending | descending  createdDate order of a read
//   activity_visibility immediate | delayed an activity is readable at once,
//                                           or (every third) 5 minutes after
//                                           its createdDate, as a tracking
//                                           pipeline would deliver it
// The account's zone is UTC-05:00 all year [GUESS: a fixed offset keeps the
// sim simple; the connector reads any IANA zone].
// Pages are computed per call from the data as it is then (no snapshot): a
// record modified between two pages can move across a page boundary.
//
// Control (uncounted):
//   GET  /_sim/dataset/contact|list|unsubscribe|inbound_activity|outbound_activity
//        the records as the connector emits them (dates RFC 3339 in UTC with
//        the fraction digits the server writes; activities: the last
//        horizon_days only, visible ones, with tap-bronto's md5 `id` and
//        quarry's `event_id`)
//   POST /_sim/mutate {"touch_contacts", "first_contact"?, "add_unsubscribes",
//        "add_inbound", "add_outbound", "at"?: RFC 3339}: at the sim clock's
//        now, or at "at"
//   POST /_sim/xml_faults {"operation", "kind": malformed|truncated|entity_bomb|
//        external_entity|bad_date, "count"}: the next `count` answers of the
//        operation are hostile (HTTP 200; truncated: the real answer cut in
//        half; bad_date: one record whose dates read "yesterday")
//   POST /_sim/expire_sessions {"operation"?, "after_calls"?}: expires every
//        session now, or once that many more calls of the operation are answered
//   GET  /_sim/sessions {"logins", "answered_102", "answered_103", "live"}

#include "sim/bronto.hpp"

#include "sim/soap.hpp"
#include "sim/wsdl.hpp"
#include "sim/timestamps.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace quarry::sim {

using nlohmann::json;

namespace {

constexpr const char* api_ns = "http://api.bronto.com/v4";
constexpr std::int64_t day_seconds = 86400;
constexpr std::int64_t day_ms = day_seconds * 1000;
constexpr std::int64_t max_page = 5000;
constexpr std::int64_t zone_offset_ms = -5 * 3'600'000;  // the account's zone, UTC-05:00
constexpr std::int64_t visibility_delay_ms = 5 * 60'000;

// An ApiException the handler answers with.
struct api_fault {
  int code;
  std::string message;
};

[[noreturn]] void fail(int code, std::string message) { throw api_fault{code, std::move(message)}; }

void send_api_fault(response& res, const api_fault& f) {
  send_soap_fault(res, "soap:Server", std::to_string(f.code) + ": " + f.message,
                  std::string{"<ns2:ApiException xmlns:ns2=\""} + api_ns + "\"><errorCode>" +
                      std::to_string(f.code) + "</errorCode></ns2:ApiException>");
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t n = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  return n;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

bool flag(pugi::xml_node op, std::string_view name) {
  const auto v = child_text(op, name);
  return v == "true" || v == "1";
}

std::int64_t page_number(pugi::xml_node op) {
  const auto text = child_text(op, "pageNumber");
  if (text.empty()) fail(110, "Required fields are missing: pageNumber");
  const auto n = parse_int(text);
  if (!n || *n < 1) fail(106, "Unable to verify parameter: pageNumber");
  return *n;
}

// A dateTime parameter in unix microseconds.
std::int64_t instant_us(std::string_view text, std::string_view what) {
  const auto us = parse_rfc3339_us(text);
  if (!us) fail(106, "Unable to verify parameter: " + std::string{what});
  return *us;
}

// The readings in force for one call.
struct how {
  bool since_exclusive = false;
  bool until_inclusive = false;
  bool day_operators = false;
  bool whole_seconds = false;
  enum class zone { offset, utc, none } dates = zone::offset;
  bool by_modified = false;
  bool ragged = false;
  bool cursor_per_token = false;
  bool empty_at_end = false;
  bool descending = false;
  bool delayed = false;

  static how of(const server& s) {
    how h;
    h.since_exclusive = s.reading("since_bound") == "exclusive";
    h.until_inclusive = s.reading("until_bound") == "inclusive";
    h.day_operators = s.reading("date_operators") == "day";
    h.whole_seconds = s.reading("subsecond") == "seconds";
    const auto z = s.reading("date_zone");
    h.dates = z == "utc" ? zone::utc : z == "none" ? zone::none : zone::offset;
    h.by_modified = s.reading("contact_order") == "modified";
    h.ragged = s.reading("page_fill") == "ragged";
    h.cursor_per_token = s.reading("activity_cursor") == "token";
    h.empty_at_end = s.reading("activity_end") == "empty";
    h.descending = s.reading("activity_order") == "descending";
    h.delayed = s.reading("activity_visibility") == "delayed";
    return h;
  }

  // A time as the server holds it (whole seconds under subsecond=seconds).
  std::int64_t stored(std::int64_t ms) const { return whole_seconds ? floor_div(ms, 1000) * 1000 : ms; }

  // "2026-11-14T10:05:37.042-05:00" (or ...Z, or no zone; no fraction under
  // subsecond=seconds): how answers write a date-time.
  std::string api_time(std::int64_t ms) const {
    const auto t = stored(ms);
    return text(dates == zone::utc ? t : t + zone_offset_ms,
                dates == zone::utc ? "Z" : dates == zone::offset ? "-05:00" : "");
  }
  // The same instant as the connector must emit it: RFC 3339 in UTC.
  std::string json_time(std::int64_t ms) const { return text(stored(ms), "Z"); }

  std::string text(std::int64_t wall_ms, const char* suffix) const {
    auto s = format_rfc3339(floor_div(wall_ms, 1000));  // ...SSZ
    s.pop_back();
    if (!whole_seconds) {
      char frac[8];
      std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(wall_ms - floor_div(wall_ms, 1000) * 1000));
      s += frac;
    }
    return s + suffix;
  }
};

// Where page `page` (from 1) of a result starts and how many it holds:
// `size` each, or under page_fill=ragged size, size-1, size-2, size, ...
// (at least 1).
std::pair<std::int64_t, std::int64_t> page_slice(std::int64_t page, std::int64_t size, bool ragged) {
  if (!ragged) return {(page - 1) * size, size};
  auto len = [size](std::int64_t k) { return std::max<std::int64_t>(1, size - k % 3); };
  const auto k = page - 1;
  std::int64_t offset = (k / 3) * (len(0) + len(1) + len(2));
  for (std::int64_t j = 0; j < k % 3; ++j) offset += len(j);
  return {offset, len(k)};
}

// One dateValue condition on a record's time.
struct date_condition {
  std::string field;  // created | modified
  std::string op;
  std::int64_t value_us;

  bool holds(std::int64_t t_ms, bool day_operators) const {
    const std::int64_t t = t_ms * 1000;
    auto day = [](std::int64_t us) { return floor_div(us + zone_offset_ms * 1000, day_ms * 1000); };
    const bool on_days = day_operators || op.ends_with("SameDay");
    const auto a = on_days ? day(t) : t;
    const auto b = on_days ? day(value_us) : value_us;
    if (op == "After" || op == "GreaterThan") return a > b;
    if (op == "GreaterThanEqualTo" || op == "AfterOrSameDay") return a >= b;
    if (op == "Before" || op == "LessThan") return a < b;
    if (op == "LessThanEqualTo" || op == "BeforeOrSameDay") return a <= b;
    if (op == "EqualTo" || op == "SameDay") return a == b;
    return a != b;  // NotEqualTo, NotSameDay
  }
};

struct contact_filter {
  bool any = false;  // OR
  std::vector<date_condition> conditions;

  static contact_filter read(pugi::xml_node filter) {
    contact_filter f;
    const auto type = child_text(filter, "type");
    if (type == "OR") f.any = true;
    else if (!type.empty() && type != "AND") fail(112, "Invalid filter type (must be AND or OR).");
    static const std::vector<std::string> ops{
        "After",   "GreaterThan",   "GreaterThanEqualTo", "Before",   "LessThan",   "LessThanEqualTo",
        "EqualTo", "NotEqualTo",    "AfterOrSameDay",     "BeforeOrSameDay", "SameDay", "NotSameDay"};
    for (auto c : filter.children()) {
      const auto name = local_name(c);
      if (name != "created" && name != "modified") continue;
      date_condition d{std::string{name}, child_text(c, "operator"), 0};
      if (std::find(ops.begin(), ops.end(), d.op) == ops.end())
        fail(106, "Unable to verify parameter: " + d.field + ".operator");
      d.value_us = instant_us(child_text(c, "value"), d.field + ".value");
      f.conditions.push_back(std::move(d));
    }
    return f;
  }

  bool matches(std::int64_t created_ms, std::int64_t modified_ms, bool day_operators) const {
    if (conditions.empty()) return true;
    for (const auto& c : conditions) {
      const bool ok = c.holds(c.field == "created" ? created_ms : modified_ms, day_operators);
      if (ok && any) return true;
      if (!ok && !any) return false;
    }
    return !any;
  }
};

// A start/end filter on one time (readUnsubscribes, readRecent*Activities).
struct time_range {
  std::optional<std::int64_t> from_us, until_us;
  bool since_exclusive = false, until_inclusive = false;

  bool after_start(std::int64_t t_ms) const {
    return !from_us || (since_exclusive ? t_ms * 1000 > *from_us : t_ms * 1000 >= *from_us);
  }
  bool before_end(std::int64_t t_ms) const {
    return !until_us || (until_inclusive ? t_ms * 1000 <= *until_us : t_ms * 1000 < *until_us);
  }
};

void append_record(pugi::xml_node parent, const bronto_record& fields, const how& h) {
  for (const auto& f : fields) {
    if (f.kind == 'o') append_record(parent.append_child(f.name.c_str()), f.children, h);
    else add_leaf(parent, f.name.c_str(), f.kind == 'd' ? h.api_time(bronto_ms(f)) : f.text);
  }
}

json value_json(const bronto_field& f, const how& h) {
  switch (f.kind) {
    case 'i': return parse_int(f.text).value_or(0);
    case 'n': return std::stod(f.text);
    case 'b': return f.text == "true";
    case 'd': return h.json_time(bronto_ms(f));
    case 'o': {
      json o = json::object();
      for (const auto& c : f.children) o[c.name] = value_json(c, h);
      return o;
    }
    default: return f.text;
  }
}

// A record as the connector emits it: `repeated` names become arrays (present
// even when empty), readOnlyContactData lends its children to the record.
json record_json(const bronto_record& fields, const how& h, const std::vector<std::string>& repeated = {}) {
  json out = json::object();
  for (const auto& name : repeated) out[name] = json::array();
  for (const auto& f : fields) {
    if (f.name == "readOnlyContactData") {
      for (const auto& c : f.children) out[c.name] = value_json(c, h);
    } else if (std::find(repeated.begin(), repeated.end(), f.name) != repeated.end()) {
      out[f.name].push_back(value_json(f, h));
    } else {
      out[f.name] = value_json(f, h);
    }
  }
  return out;
}

std::string field_text(const bronto_record& r, std::string_view name) {
  for (const auto& f : r)
    if (f.name == name) return f.text;
  return {};
}

// The hostile answers of /_sim/xml_faults.
std::string hostile_body(const std::string& kind, const std::string& operation) {
  const std::string open = std::string{R"(<?xml version="1.0" encoding="utf-8"?>)"};
  const std::string env = R"(<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ns2:)" +
                          operation + R"(Response xmlns:ns2="http://api.bronto.com/v4">)";
  const std::string end = "</ns2:" + operation + "Response></soap:Body></soap:Envelope>";
  if (kind == "malformed") return open + env + "<return><id>1</id></retrun>" + end;
  if (kind == "bad_date")
    return open + env + "<return><id>0bc403ec0000000000000000000000000bad</id><createdDate>yesterday</createdDate>"
                        "<contactId>0bc403ec0000000000000000000000000bad</contactId><created>yesterday</created>"
                        "<modified>yesterday</modified></return>" + end;
  if (kind == "entity_bomb") {
    std::string dtd = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">";
    std::string prev = "lol";
    for (int i = 1; i <= 9; ++i) {
      const std::string name = "lol" + std::to_string(i);
      dtd += "<!ENTITY " + name + " \"";
      for (int k = 0; k < 10; ++k) dtd += "&" + prev + ";";
      dtd += "\">";
      prev = name;
    }
    dtd += "]>";
    return open + dtd + env + "<return><name>&lol9;</name></return>" + end;
  }
  // external_entity
  return open + R"(<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>)" + env +
         "<return><name>&xxe;</name></return>" + end;
}

// A reply: <ns2:{operation}Response> filled by `fill`.
void respond(response& res, const std::string& operation, const std::function<void(pugi::xml_node)>& fill) {
  soap_reply reply;
  auto r = reply.body().append_child(("ns2:" + operation + "Response").c_str());
  r.append_attribute("xmlns:ns2") = api_ns;
  fill(r);
  reply.send(res);
}

time_range range_of(const how& h, pugi::xml_node filter) {
  time_range r{{}, {}, h.since_exclusive, h.until_inclusive};
  if (const auto start = child_text(filter, "start"); !start.empty()) r.from_us = instant_us(start, "filter.start");
  if (const auto end = child_text(filter, "end"); !end.empty()) r.until_us = instant_us(end, "filter.end");
  return r;
}

// The first activity index in [0, count) for which `past` holds (it holds
// from some index on: createdDate order).
template <class Past>
std::int64_t first_where(const bronto_data& data, activity_direction d, const Past& past) {
  std::int64_t lo = 0, hi = data.activity_count(d);
  while (lo < hi) {
    const auto mid = lo + (hi - lo) / 2;
    if (past(mid)) hi = mid; else lo = mid + 1;
  }
  return lo;
}

// Every third activity of a direction turns up 5 minutes late under
// activity_visibility=delayed.
bool visible(const bronto_data& data, const how& h, activity_direction d, std::int64_t index, std::int64_t now_ms) {
  return !h.delayed || data.activity_identity(d, index) % 3 != 0 ||
         data.activity_created(d, index) + visibility_delay_ms <= now_ms;
}

} // namespace

struct bronto_simulator::state {
  // One FIRST/NEXT read: indices [lo, hi) of the operation's activities,
  // `pos` the next to look at (descending: the one after it).
  struct cursor {
    std::int64_t lo = 0, hi = 0, pos = 0, size = 0, as_of_ms = 0;
    bool descending = false;
    std::vector<std::string> types;
    bool done() const { return descending ? pos <= lo : pos >= hi; }
  };
  struct session {
    std::int64_t last_used = 0;  // sim clock, unix seconds
    bool expired = false;
    std::map<std::string, cursor> reads;  // by operation
  };
  struct xml_fault {
    std::string kind;
    std::int64_t count = 0;
  };
  struct held_call {
    std::string operation;
    std::int64_t calls_left = 0;
    bool armed = false, holding = false;
    std::promise<void> arrived;
  };

  std::mutex mu;
  std::condition_variable released;         // held.holding turned false
  std::map<std::string, session> sessions;  // guarded by mu
  std::map<std::string, cursor> token_reads;  // by operation (activity_cursor=token), guarded by mu
  std::uint64_t session_seq = 0;            // guarded by mu
  std::int64_t logins = 0, answered_102 = 0, answered_103 = 0;  // guarded by mu
  std::map<std::string, xml_fault> xml_faults;                  // by operation, guarded by mu
  std::map<std::string, std::int64_t> expire_after;  // operation -> calls left, guarded by mu
  held_call held;                                    // guarded by mu

  void expire_all() {
    for (auto& [id, s] : sessions) s.expired = true;
  }
};

bronto_simulator::bronto_simulator(bronto_options options)
    : options_([&] {
        if (options.data.start == 0)
          options.data.start = std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count() -
                               options.data.days * day_seconds;
        if (options.page_size < 1 || options.activity_page_size < 1 || options.session_idle_s < 1 ||
            options.horizon_days < 1)
          throw std::invalid_argument("invalid bronto simulator options");
        options.server.operation_of = soap_operation;
        return std::move(options);
      }()),
      data_(std::make_unique<bronto_data>(options_.data)),
      state_(std::make_unique<state>()),
      server_(options_.server) {
  server_.declare_reading("since_bound", {"inclusive", "exclusive"});
  server_.declare_reading("until_bound", {"exclusive", "inclusive"});
  server_.declare_reading("date_operators", {"instant", "day"});
  server_.declare_reading("subsecond", {"milliseconds", "seconds"});
  server_.declare_reading("date_zone", {"offset", "utc", "none"});
  server_.declare_reading("contact_order", {"created", "modified"});
  server_.declare_reading("page_fill", {"full", "ragged"});
  server_.declare_reading("activity_cursor", {"session", "token"});
  server_.declare_reading("activity_end", {"fault_116", "empty"});
  server_.declare_reading("activity_order", {"ascending", "descending"});
  server_.declare_reading("activity_visibility", {"immediate", "delayed"});
  add_routes();
}

bronto_simulator::~bronto_simulator() {
  release();
  server_.stop();
}

void bronto_simulator::start() { server_.start(); }
void bronto_simulator::stop() {
  release();
  server_.stop();
}

bronto_mutation bronto_simulator::mutate(const bronto_mutation& wanted, std::int64_t at_ms) {
  if (at_ms == 0)
    at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(server_.clock().now().time_since_epoch()).count();
  return data_->mutate(wanted, at_ms);
}

std::future<void> bronto_simulator::hold(const std::string& operation, std::int64_t after_calls) {
  std::lock_guard lock(state_->mu);
  auto& h = state_->held;
  h = {};
  h.operation = operation;
  h.calls_left = after_calls;
  h.armed = true;
  return h.arrived.get_future();
}

void bronto_simulator::release() {
  {
    std::lock_guard lock(state_->mu);
    state_->held.holding = false;
    state_->held.armed = false;
  }
  state_->released.notify_all();
}

void bronto_simulator::wait_if_held(const std::string& operation) {
  std::unique_lock lock(state_->mu);
  auto& h = state_->held;
  if (!h.armed || h.operation != operation) return;
  if (h.calls_left > 0) {
    --h.calls_left;
    return;
  }
  h.armed = false;
  h.holding = true;
  h.arrived.set_value();
  state_->released.wait(lock, [&] { return !state_->held.holding; });
}

// One read operation being answered: the readings, the session, its
// request element and the reply element its rows go into.
struct bronto_simulator::read_call {
  const how& h;
  std::string operation;
  std::string session_id;
  pugi::xml_node op;
  pugi::xml_node out;
};

// ---------------------------------------------------------------------------
// The route table.

void bronto_simulator::add_routes() {
  const auto route = [this](void (bronto_simulator::*r)(const request&, response&)) -> server::handler {
    return [this, r](const request& req, response& res) { (this->*r)(req, res); };
  };
  server_.add_api_route("POST", "/v4", route(&bronto_simulator::answer_soap));
  server_.add_control_route("GET", "/v4", route(&bronto_simulator::wsdl));
  server_.set_fault_handler([](const request&, response& res) {
    send_api_fault(res, {101, "There was an unknown API error. Please try your request again shortly."});
  });
  // Control (uncounted).
  server_.add_control_route("POST", "/_sim/mutate", route(&bronto_simulator::sim_mutate));
  server_.add_control_route("GET", "/_sim/dataset/{stream}", route(&bronto_simulator::sim_dataset));
  server_.add_control_route("POST", "/_sim/xml_faults", route(&bronto_simulator::sim_xml_faults));
  server_.add_control_route("POST", "/_sim/expire_sessions", route(&bronto_simulator::sim_expire_sessions));
  server_.add_control_route("GET", "/_sim/sessions", route(&bronto_simulator::sim_sessions));
}

// POST /v4: one SOAP call, dispatched by its operation.
void bronto_simulator::answer_soap(const request& req, response& res) {
  using read = void (bronto_simulator::*)(const read_call&);
  static const std::map<std::string, read, std::less<>> reads{
      {"readContacts", &bronto_simulator::read_contacts},
      {"readFields", &bronto_simulator::read_fields},
      {"readLists", &bronto_simulator::read_lists},
      {"readUnsubscribes", &bronto_simulator::read_unsubscribes},
      {"readRecentInboundActivities", &bronto_simulator::read_activities},
      {"readRecentOutboundActivities", &bronto_simulator::read_activities}};
  res.headers.emplace_back("Date", http_date(server_.clock().now_unix_seconds()));
  std::string why;
  auto call = parse_soap_call(req.body, why);
  if (!call) {
    send_soap_fault(res, "soap:Client",
                    "107: There was an error in your soap request. Please examine the request and "
                    "try again. (" + why + ")");
    return;
  }
  const std::string operation{local_name(call->operation)};
  wait_if_held(operation);
  const auto hostile = take_xml_fault(operation);
  if (!hostile.empty() && hostile != "truncated") {
    res.status = 200;
    res.content_type = "text/xml; charset=utf-8";
    res.body = hostile_body(hostile, operation);
    return;
  }
  const auto h = how::of(server_);
  try {
    if (operation == "login") {
      const auto id = login(*call);
      respond(res, operation, [&](pugi::xml_node r) { add_leaf(r, "return", id); });
    } else {
      const auto session_id = use_session(*call);
      if (const auto it = reads.find(operation); it != reads.end()) {
        respond(res, operation, [&](pugi::xml_node r) {
          (this->*it->second)(read_call{h, operation, session_id, call->operation, r});
        });
      } else {
        send_soap_fault(res, "soap:Client",
                        "Cannot find dispatch method for {" + std::string{api_ns} + "}" + operation);
      }
    }
  } catch (const api_fault& f) {
    send_api_fault(res, f);
  }
  after_call(operation);
  if (hostile == "truncated") res.body.resize(res.body.size() / 2);
}

// GET /v4?wsdl
void bronto_simulator::wsdl(const request& req, response& res) {
  if (!req.query.contains("wsdl")) {
    res.json(404, R"({"error":"not_found"})");
    return;
  }
  res.status = 200;
  res.content_type = "text/xml; charset=utf-8";
  res.body = bronto_wsdl(endpoint());
}

// ---------------------------------------------------------------------------
// Sessions.

// The session a call names: touched, or fault 103.
std::string bronto_simulator::use_session(const soap_call& call) {
  const auto id = child_text(child_named(call.header, "sessionHeader"), "sessionId");
  const auto now = server_.clock().now_unix_seconds();
  std::lock_guard lock(state_->mu);
  auto it = state_->sessions.find(id);
  if (it != state_->sessions.end() && now - it->second.last_used >= options_.session_idle_s)
    it->second.expired = true;
  if (it == state_->sessions.end() || it->second.expired) {
    ++state_->answered_103;
    fail(103, "Your session is invalid. Please log in again.");
  }
  it->second.last_used = now;
  return id;
}

// login: a new session, or fault 102.
std::string bronto_simulator::login(const soap_call& call) {
  const auto token = child_text(call.operation, "apiToken");
  std::lock_guard lock(state_->mu);
  if (token != options_.api_token) {
    ++state_->answered_102;
    fail(102, "Authentication failed for token: " + token);
  }
  ++state_->logins;
  char id[48];
  const auto n = ++state_->session_seq;
  std::snprintf(id, sizeof id, "%08llx-5e55-4d0e-b0a7-%012llx",
                static_cast<unsigned long long>(n * 2654435761ULL & 0xffffffffULL),
                static_cast<unsigned long long>(n));
  state_->sessions[id] = {server_.clock().now_unix_seconds(), false, {}};
  return std::string{id};
}

// After an answered call: a pending /_sim/expire_sessions may fire.
void bronto_simulator::after_call(const std::string& operation) {
  std::lock_guard lock(state_->mu);
  auto it = state_->expire_after.find(operation);
  if (it != state_->expire_after.end() && --it->second <= 0) {
    state_->expire_all();
    state_->expire_after.erase(it);
  }
}

// A pending hostile answer for `operation`: its kind, counted down.
std::string bronto_simulator::take_xml_fault(const std::string& operation) {
  std::lock_guard lock(state_->mu);
  auto it = state_->xml_faults.find(operation);
  if (it == state_->xml_faults.end()) return {};
  auto kind = it->second.kind;
  if (--it->second.count <= 0) state_->xml_faults.erase(it);
  return kind;
}

// ---------------------------------------------------------------------------
// Read operations.

void bronto_simulator::read_contacts(const read_call& call) {
  const auto& h = call.h;
  const auto op = call.op;
  auto out = call.out;
  const auto filter = contact_filter::read(child_named(op, "filter"));
  contact_parts parts;
  parts.lists = flag(op, "includeLists");
  parts.segments = flag(op, "includeSegments");
  parts.sms_keywords = flag(op, "includeSMSKeywords");
  parts.geoip = flag(op, "includeGeoIPData");
  parts.technology = flag(op, "includeTechnologyData");
  parts.rfm = flag(op, "includeRFMData");
  parts.engagement = flag(op, "includeEngagementData");
  for (auto f : op.children())
    if (local_name(f) == "fields" && *f.text().get()) parts.field_ids.emplace_back(f.text().get());
  const auto [skip, size] = page_slice(page_number(op), std::min(options_.page_size, max_page), h.ragged);
  // (modified, index) of every match, in the reading's order.
  std::vector<std::pair<std::int64_t, std::int64_t>> matched;
  for (std::int64_t i = 0; i < data_->contact_count(); ++i) {
    const auto modified = h.stored(data_->contact_modified(i));
    if (filter.matches(h.stored(data_->contact_created(i)), modified, h.day_operators))
      matched.emplace_back(h.by_modified ? modified : 0, i);
    if (!h.by_modified && static_cast<std::int64_t>(matched.size()) >= skip + size) break;
  }
  if (h.by_modified) std::sort(matched.begin(), matched.end());
  for (auto k = skip; k < static_cast<std::int64_t>(matched.size()) && k < skip + size; ++k)
    append_record(out.append_child("return"), data_->contact(matched[static_cast<std::size_t>(k)].second, parts), h);
}

void bronto_simulator::read_fields(const read_call& call) {
  const auto& h = call.h;
  const auto op = call.op;
  auto out = call.out;
  const auto& fields = bronto_data::custom_fields();
  const auto [skip, size] = page_slice(page_number(op), std::min(options_.page_size, max_page), h.ragged);
  for (auto i = skip; i < static_cast<std::int64_t>(fields.size()) && i < skip + size; ++i) {
    const auto& f = fields[static_cast<std::size_t>(i)];
    auto r = out.append_child("return");
    add_leaf(r, "id", f.id);
    add_leaf(r, "name", f.name);
    add_leaf(r, "label", f.label);
    add_leaf(r, "type", f.type);
    add_leaf(r, "visibility", "private");
  }
}

void bronto_simulator::read_lists(const read_call& call) {
  const auto& h = call.h;
  const auto op = call.op;
  auto out = call.out;
  const auto page = page_number(op);
  std::int64_t size = max_page;
  if (const auto text = child_text(op, "pageSize"); !text.empty()) {
    const auto n = parse_int(text);
    if (!n) fail(106, "Unable to verify parameter: pageSize");
    if (*n < 10) fail(115, "Page size is lower than the minimum allowed limit of 10");
    size = std::min(*n, max_page);
  }
  const auto [skip, count] = page_slice(page, std::min(size, options_.page_size), h.ragged);
  for (auto i = skip; i < options_.data.lists && i < skip + count; ++i)
    append_record(out.append_child("return"), data_->list(static_cast<int>(i)), h);
}

void bronto_simulator::read_unsubscribes(const read_call& call) {
  const auto& h = call.h;
  const auto op = call.op;
  auto out = call.out;
  const auto range = range_of(h, child_named(op, "filter"));
  const auto [skip, size] = page_slice(page_number(op), std::min(options_.page_size, max_page), h.ragged);
  std::int64_t matched = 0;
  const auto total = data_->unsubscribe_count();
  for (std::int64_t i = 0; i < total && matched < skip + size; ++i) {
    const auto t = h.stored(data_->unsubscribe_created(i));
    if (!range.after_start(t) || !range.before_end(t)) continue;
    if (matched++ >= skip) append_record(out.append_child("return"), data_->unsubscribe(i), h);
  }
}

// readRecent{Inbound,Outbound}Activities: FIRST opens a read, NEXT pages on.
void bronto_simulator::read_activities(const read_call& call) {
  using dir = activity_direction;
  const auto& h = call.h;
  const auto& operation = call.operation;
  const auto& session_id = call.session_id;
  const auto op = call.op;
  auto out = call.out;
  const auto d = operation == "readRecentInboundActivities" ? dir::inbound : dir::outbound;
  const auto filter = child_named(op, "filter");
  const auto direction = child_text(filter, "readDirection");
  const auto size_text = child_text(filter, "size");
  if (size_text.empty()) fail(110, "Required fields are missing: size");
  const auto size = parse_int(size_text);
  if (!size) fail(106, "Unable to verify parameter: size");
  if (*size < 1000) fail(115, "Page size is lower than the minimum allowed limit of 1000");
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(server_.clock().now().time_since_epoch()).count();
  auto slot = [&]() -> state::cursor& {  // under state_->mu
    return h.cursor_per_token ? state_->token_reads[operation] : state_->sessions[session_id].reads[operation];
  };
  state::cursor c;
  if (direction == "NEXT") {
    std::lock_guard lock(state_->mu);
    auto& reads = h.cursor_per_token ? state_->token_reads : state_->sessions[session_id].reads;
    auto it = reads.find(operation);
    if (it == reads.end())
      fail(107, "There was an error in your soap request. Please examine the request and try "
                "again. (readDirection NEXT without a FIRST read)");
    if (it->second.done()) {
      if (h.empty_at_end) return;
      fail(116, "End of result set.");
    }
    c = it->second;
  } else if (direction.empty() || direction == "FIRST") {
    if (child_text(filter, "start").empty()) fail(110, "Required fields are missing: start");
    auto range = range_of(h, filter);
    const auto horizon_us = (now_ms - options_.horizon_days * day_ms) * 1000;
    range.from_us = std::max(*range.from_us, horizon_us);
    if (!range.until_us) {
      range.until_us = now_ms * 1000;
      range.until_inclusive = true;
    }
    c.lo = first_where(*data_, d, [&](std::int64_t i) { return range.after_start(h.stored(data_->activity_created(d, i))); });
    c.hi = std::max(c.lo, first_where(*data_, d, [&](std::int64_t i) {
                      return !range.before_end(h.stored(data_->activity_created(d, i)));
                    }));
    c.descending = h.descending;
    c.pos = c.descending ? c.hi : c.lo;
    c.as_of_ms = now_ms;
    for (auto t : filter.children())
      if (local_name(t) == "types") c.types.emplace_back(t.text().get());
  } else {
    fail(106, "Unable to verify parameter: readDirection");
  }
  c.size = std::min({*size, max_page, options_.activity_page_size});
  std::int64_t written = 0;
  while (!c.done() && written < c.size) {
    const auto i = c.descending ? --c.pos : c.pos++;
    if (!visible(*data_, h, d, i, c.as_of_ms)) continue;
    auto r = data_->activity(d, i);
    if (!c.types.empty() &&
        std::find(c.types.begin(), c.types.end(), field_text(r, "activityType")) == c.types.end())
      continue;
    append_record(out.append_child("return"), r, h);
    ++written;
  }
  std::lock_guard lock(state_->mu);
  slot() = c;
}

// ---------------------------------------------------------------------------
// Control.

void bronto_simulator::sim_mutate(const request& req, response& res) {
  const auto body = control_body(req);
  std::int64_t at_ms = 0;
  if (body.contains("at")) {
    const auto us = body["at"].is_string() ? parse_rfc3339_us(body["at"].get<std::string>()) : std::nullopt;
    if (!us) throw std::invalid_argument("at must be an RFC 3339 date-time");
    at_ms = floor_div(*us, 1000);
  }
  const auto done = mutate({control_count(body, "touch_contacts", 10'000'000), control_count(body, "add_unsubscribes", 10'000'000),
                            control_count(body, "add_inbound", 10'000'000), control_count(body, "add_outbound", 10'000'000),
                            body.contains("first_contact") ? control_count(body, "first_contact", 10'000'000) : -1},
                           at_ms);
  res.json(200, json{{"touched_contacts", done.touched_contacts},
                     {"added_unsubscribes", done.added_unsubscribes},
                     {"added_inbound", done.added_inbound},
                     {"added_outbound", done.added_outbound}}
                    .dump());
}

void bronto_simulator::sim_dataset(const request& req, response& res) {
  using dir = activity_direction;
  const auto& stream = req.path_param("stream");
  const auto h = how::of(server_);
  json out = json::array();
  if (stream == "contact") {
    const auto parts = contact_parts::all();
    for (std::int64_t i = 0; i < data_->contact_count(); ++i)
      out.push_back(record_json(data_->contact(i, parts), h, {"listIds", "segmentIds", "fields", "SMSKeywordIDs"}));
  } else if (stream == "list") {
    for (int i = 0; i < options_.data.lists; ++i) out.push_back(record_json(data_->list(i), h));
  } else if (stream == "unsubscribe") {
    for (std::int64_t i = 0; i < data_->unsubscribe_count(); ++i)
      out.push_back(record_json(data_->unsubscribe(i), h));
  } else if (stream == "inbound_activity" || stream == "outbound_activity") {
    const auto d = stream == "inbound_activity" ? dir::inbound : dir::outbound;
    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(server_.clock().now().time_since_epoch()).count();
    const auto horizon = now_ms - options_.horizon_days * day_ms;
    for (auto i = data_->first_activity_at(d, horizon); i < data_->activity_count(d); ++i) {
      if (!visible(*data_, h, d, i, now_ms)) continue;
      const auto r = data_->activity(d, i);
      auto j = record_json(r, h);
      // The connector's two ids, from the values it emits.
      std::string tap_id, event;
      for (const char* name : {"createdDate", "activityType", "contactId", "listId", "segmentId", "keywordId", "messageId"}) {
        if (!j.contains(name)) continue;
        if (!tap_id.empty()) tap_id += '|';
        tap_id += j[name].get<std::string>();
      }
      for (const auto& f : r) event += f.name + "=" + j[f.name].get<std::string>() + "\n";
      j["id"] = md5_hex(tap_id);
      j["event_id"] = md5_hex(event);
      out.push_back(std::move(j));
    }
  } else {
    res.json(404, R"({"error":"not_found"})");
    return;
  }
  res.json(200, out.dump());
}

void bronto_simulator::sim_xml_faults(const request& req, response& res) {
  const auto body = control_body(req);
  const auto operation = body.value("operation", std::string{});
  const auto kind = body.value("kind", std::string{});
  if (operation.empty()) throw std::invalid_argument("operation is required");
  if (kind != "malformed" && kind != "truncated" && kind != "entity_bomb" && kind != "external_entity" &&
      kind != "bad_date")
    throw std::invalid_argument("kind must be malformed, truncated, entity_bomb, external_entity or bad_date");
  const auto count = body.contains("count") ? control_count(body, "count", 10'000'000) : 1;
  std::lock_guard lock(state_->mu);
  state_->xml_faults[operation] = {kind, count};
  res.json(200, R"({"ok":true})");
}

void bronto_simulator::sim_expire_sessions(const request& req, response& res) {
  const auto body = control_body(req);
  const auto after = control_count(body, "after_calls", 10'000'000);
  std::lock_guard lock(state_->mu);
  if (after == 0) {
    state_->expire_all();
  } else {
    const auto operation = body.value("operation", std::string{});
    if (operation.empty()) throw std::invalid_argument("operation is required with after_calls");
    state_->expire_after[operation] = after;
  }
  res.json(200, R"({"ok":true})");
}

void bronto_simulator::sim_sessions(const request&, response& res) {
  const auto now = server_.clock().now_unix_seconds();
  std::lock_guard lock(state_->mu);
  std::int64_t live = 0;
  for (const auto& [id, s] : state_->sessions)
    live += !s.expired && now - s.last_used < options_.session_idle_s;
  res.json(200, json{{"logins", state_->logins},
                     {"answered_102", state_->answered_102},
                     {"answered_103", state_->answered_103},
                     {"live", live}}
                    .dump());
}

} // namespace quarry::sim
