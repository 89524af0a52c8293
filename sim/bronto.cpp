// The Bronto SOAP API v4 on the wire (apis.md section 2). Document/literal:
// every call is POST /v4 with a SOAP 1.1 envelope whose Body holds one
// operation element in the namespace http://api.bronto.com/v4; its children
// are unqualified. Answers (HTTP 200):
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
//   NotEqualTo; on UTC days: AfterOrSameDay, BeforeOrSameDay, SameDay,
//   NotSameDay [GUESS: the account time zone is UTC]; others: 106. Contacts
//   in created order, page_size (5000) per page; pageNumber from 1 (missing:
//   110). The include flags add listIds, segmentIds, SMSKeywordIDs and the
//   parts of readOnlyContactData (geoIP*, browsers/clients/OS, orders,
//   last delivery/open/click) only when true; `fields` (field ids) adds
//   fields{fieldId, content} for those ids.
// readFields(filter, pageNumber) -> fieldObject{id, name, label, type, visibility}.
// readLists(filter, pageNumber, pageSize): pageSize 10..5000 (below: 115
//   "Page size is lower than the minimum allowed limit of 10"; above: capped
//   [GUESS]; absent: 5000 [GUESS]), also capped by page_size.
// readUnsubscribes(filter{start, end}, pageNumber): created >= start and
//   < end [GUESS on the boundaries], created order, page_size per page.
// readRecentInboundActivities / readRecentOutboundActivities(filter{start,
//   end, size, readDirection, types*}): createdDate >= start and < end (end
//   absent: now) [GUESS on the boundaries]; size 1000..5000 (below: 115,
//   above: capped); FIRST reads the first `size`, NEXT the next `size` of
//   the session's last FIRST of that operation. NEXT without a FIRST: 107
//   [GUESS]. NEXT past the last record: 116 "116: End of result set."
//   [GUESS on the text]. A start older than horizon_days (30) before now is
//   moved up to it: older activities are gone [GUESS: Bronto documents the
//   30 days, not how an older start is answered]. See bronto_data.hpp for
//   which types are inbound and which outbound.
// GET /v4?wsdl: the WSDL (sim/wsdl.hpp), its soap:address this server's /v4.
//
// Control (uncounted):
//   GET  /_sim/dataset/contact|list|unsubscribe|inbound_activity|outbound_activity
//        the records as the connector emits them (activities: the last
//        horizon_days only, with tap-bronto's md5 `id` and quarry's `event_id`)
//   POST /_sim/mutate {"touch_contacts", "add_unsubscribes", "add_inbound", "add_outbound"}
//   POST /_sim/xml_faults {"operation", "kind": malformed|truncated|entity_bomb|
//        external_entity, "count"}: the next `count` answers of the operation
//        are hostile (HTTP 200; truncated: the real answer cut in half)
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
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace quarry::sim {

using nlohmann::json;

namespace {

constexpr const char* api_ns = "http://api.bronto.com/v4";
constexpr std::int64_t day_seconds = 86400;
constexpr std::int64_t max_page = 5000;

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
std::int64_t instant(std::string_view text, std::string_view what) {
  const auto us = parse_rfc3339_us(text);
  if (!us) fail(106, "Unable to verify parameter: " + std::string{what});
  return *us;
}

std::int64_t floor_day(std::int64_t us) {
  const auto s = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
  return s >= 0 ? s / day_seconds : (s - day_seconds + 1) / day_seconds;
}

// One dateValue condition on a record's time (unix seconds).
struct date_condition {
  std::string field;  // created | modified
  std::string op;
  std::int64_t value_us;

  bool holds(std::int64_t t_seconds) const {
    const std::int64_t t = t_seconds * 1000000;
    if (op == "After" || op == "GreaterThan") return t > value_us;
    if (op == "GreaterThanEqualTo") return t >= value_us;
    if (op == "Before" || op == "LessThan") return t < value_us;
    if (op == "LessThanEqualTo") return t <= value_us;
    if (op == "EqualTo") return t == value_us;
    if (op == "NotEqualTo") return t != value_us;
    if (op == "AfterOrSameDay") return floor_day(t) >= floor_day(value_us);
    if (op == "BeforeOrSameDay") return floor_day(t) <= floor_day(value_us);
    if (op == "SameDay") return floor_day(t) == floor_day(value_us);
    return floor_day(t) != floor_day(value_us);  // NotSameDay
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
      d.value_us = instant(child_text(c, "value"), d.field + ".value");
      f.conditions.push_back(std::move(d));
    }
    return f;
  }

  bool matches(std::int64_t created, std::int64_t modified) const {
    if (conditions.empty()) return true;
    for (const auto& c : conditions) {
      const bool ok = c.holds(c.field == "created" ? created : modified);
      if (ok && any) return true;
      if (!ok && !any) return false;
    }
    return !any;
  }
};

void append_record(pugi::xml_node parent, const bronto_record& fields) {
  for (const auto& f : fields) {
    if (f.kind == 'o') {
      append_record(parent.append_child(f.name.c_str()), f.children);
    } else {
      add_leaf(parent, f.name.c_str(), f.text);
    }
  }
}

json value_json(const bronto_field& f) {
  switch (f.kind) {
    case 'i': return parse_int(f.text).value_or(0);
    case 'n': return std::stod(f.text);
    case 'b': return f.text == "true";
    case 'o': {
      json o = json::object();
      for (const auto& c : f.children) o[c.name] = value_json(c);
      return o;
    }
    default: return f.text;
  }
}

// A record as the connector emits it: `repeated` names become arrays (present
// even when empty), readOnlyContactData lends its children to the record.
json record_json(const bronto_record& fields, const std::vector<std::string>& repeated = {}) {
  json out = json::object();
  for (const auto& name : repeated) out[name] = json::array();
  for (const auto& f : fields) {
    if (f.name == "readOnlyContactData") {
      for (const auto& c : f.children) out[c.name] = value_json(c);
    } else if (std::find(repeated.begin(), repeated.end(), f.name) != repeated.end()) {
      out[f.name].push_back(value_json(f));
    } else {
      out[f.name] = value_json(f);
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

} // namespace

struct bronto_simulator::state {
  struct cursor {
    std::int64_t next = 0, end = 0, size = 0;
    std::vector<std::string> types;
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

  std::mutex mu;
  std::map<std::string, session> sessions;  // guarded by mu
  std::uint64_t session_seq = 0;            // guarded by mu
  std::int64_t logins = 0, answered_102 = 0, answered_103 = 0;  // guarded by mu
  std::map<std::string, xml_fault> xml_faults;                  // by operation, guarded by mu
  std::map<std::string, std::int64_t> expire_after;  // operation -> calls left, guarded by mu

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
        if (options.page_size < 1 || options.session_idle_s < 1 || options.horizon_days < 1)
          throw std::invalid_argument("invalid bronto simulator options");
        options.server.operation_of = soap_operation;
        return std::move(options);
      }()),
      data_(std::make_unique<bronto_data>(options_.data)),
      state_(std::make_unique<state>()),
      server_(options_.server) {
  add_routes();
}

bronto_simulator::~bronto_simulator() { server_.stop(); }

void bronto_simulator::start() { server_.start(); }
void bronto_simulator::stop() { server_.stop(); }

bronto_mutation bronto_simulator::mutate(const bronto_mutation& wanted) {
  return data_->mutate(wanted, server_.clock().now_unix_seconds());
}

void bronto_simulator::add_routes() {
  using dir = activity_direction;

  auto respond = [](response& res, const std::string& operation,
                    const std::function<void(pugi::xml_node)>& fill) {
    soap_reply reply;
    auto r = reply.body().append_child(("ns2:" + operation + "Response").c_str());
    r.append_attribute("xmlns:ns2") = api_ns;
    fill(r);
    reply.send(res);
  };

  auto read_contacts = [this](pugi::xml_node op, pugi::xml_node out) {
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
    const auto page = page_number(op);
    const auto size = std::min(options_.page_size, max_page);
    const auto skip = (page - 1) * size;
    std::int64_t matched = 0;
    for (std::int64_t i = 0; i < data_->contact_count() && matched < skip + size; ++i) {
      if (!filter.matches(data_->contact_created(i), data_->contact_modified(i))) continue;
      if (matched++ >= skip) append_record(out.append_child("return"), data_->contact(i, parts));
    }
  };

  auto read_fields = [this](pugi::xml_node op, pugi::xml_node out) {
    const auto page = page_number(op);
    const auto& fields = bronto_data::custom_fields();
    const auto size = std::min(options_.page_size, max_page);
    for (auto i = (page - 1) * size; i < static_cast<std::int64_t>(fields.size()) && i < page * size; ++i) {
      const auto& f = fields[static_cast<std::size_t>(i)];
      auto r = out.append_child("return");
      add_leaf(r, "id", f.id);
      add_leaf(r, "name", f.name);
      add_leaf(r, "label", f.label);
      add_leaf(r, "type", f.type);
      add_leaf(r, "visibility", "private");
    }
  };

  auto read_lists = [this](pugi::xml_node op, pugi::xml_node out) {
    const auto page = page_number(op);
    std::int64_t size = max_page;
    if (const auto text = child_text(op, "pageSize"); !text.empty()) {
      const auto n = parse_int(text);
      if (!n) fail(106, "Unable to verify parameter: pageSize");
      if (*n < 10) fail(115, "Page size is lower than the minimum allowed limit of 10");
      size = std::min(*n, max_page);
    }
    size = std::min(size, options_.page_size);
    for (auto i = (page - 1) * size; i < options_.data.lists && i < page * size; ++i)
      append_record(out.append_child("return"), data_->list(static_cast<int>(i)));
  };

  auto read_unsubscribes = [this](pugi::xml_node op, pugi::xml_node out) {
    const auto filter = child_named(op, "filter");
    const auto start = child_text(filter, "start");
    const auto end = child_text(filter, "end");
    const auto from = start.empty() ? INT64_MIN : instant(start, "filter.start");
    const auto until = end.empty() ? INT64_MAX : instant(end, "filter.end");
    const auto page = page_number(op);
    const auto size = std::min(options_.page_size, max_page);
    const auto skip = (page - 1) * size;
    std::int64_t matched = 0;
    const auto total = data_->unsubscribe_count();
    for (std::int64_t i = 0; i < total && matched < skip + size; ++i) {
      const auto t = data_->unsubscribe_created(i) * 1000000;
      if (t < from || t >= until) continue;
      if (matched++ >= skip) append_record(out.append_child("return"), data_->unsubscribe(i));
    }
  };

  // readRecent*Activities: FIRST opens a read on the session, NEXT pages on.
  auto read_activities = [this](dir d, const std::string& operation, const std::string& session_id,
                                pugi::xml_node op, pugi::xml_node out) {
    const auto filter = child_named(op, "filter");
    const auto direction = child_text(filter, "readDirection");
    const auto size_text = child_text(filter, "size");
    if (size_text.empty()) fail(110, "Required fields are missing: size");
    const auto size = parse_int(size_text);
    if (!size) fail(106, "Unable to verify parameter: size");
    if (*size < 1000) fail(115, "Page size is lower than the minimum allowed limit of 1000");
    const auto now = server_.clock().now_unix_seconds();
    state::cursor c;
    if (direction == "NEXT") {
      std::lock_guard lock(state_->mu);
      auto& reads = state_->sessions[session_id].reads;
      auto it = reads.find(operation);
      if (it == reads.end())
        fail(107, "There was an error in your soap request. Please examine the request and try "
                  "again. (readDirection NEXT without a FIRST read)");
      if (it->second.next >= it->second.end) fail(116, "End of result set.");
      c = it->second;
    } else if (direction.empty() || direction == "FIRST") {
      const auto start = child_text(filter, "start");
      if (start.empty()) fail(110, "Required fields are missing: start");
      const auto horizon_us = (now - options_.horizon_days * day_seconds) * 1000000;
      const auto from_us = std::max(instant(start, "filter.start"), horizon_us);
      const auto end = child_text(filter, "end");
      const auto until_us = end.empty() ? (now + 1) * 1000000 : instant(end, "filter.end");
      // first index with createdDate * 1e6 >= us
      auto at = [&](std::int64_t us) {
        return data_->first_activity_at(d, us / 1000000 + (us % 1000000 > 0 ? 1 : 0));
      };
      c.next = at(from_us);
      c.end = std::max(c.next, at(until_us));
      for (auto t : filter.children())
        if (local_name(t) == "types") c.types.emplace_back(t.text().get());
    } else {
      fail(106, "Unable to verify parameter: readDirection");
    }
    c.size = std::min(*size, max_page);
    std::int64_t written = 0;
    while (c.next < c.end && written < c.size) {
      auto r = data_->activity(d, c.next++);
      if (!c.types.empty() &&
          std::find(c.types.begin(), c.types.end(), field_text(r, "activityType")) == c.types.end())
        continue;
      append_record(out.append_child("return"), r);
      ++written;
    }
    std::lock_guard lock(state_->mu);
    state_->sessions[session_id].reads[operation] = c;
  };

  // The session a call names: touched, or fault 103.
  auto use_session = [this](const soap_call& call) {
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
  };

  auto login = [this](pugi::xml_node op) {
    const auto token = child_text(op, "apiToken");
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
  };

  // After an answered call: a pending /_sim/expire_sessions may fire.
  auto after_call = [this](const std::string& operation) {
    std::lock_guard lock(state_->mu);
    auto it = state_->expire_after.find(operation);
    if (it != state_->expire_after.end() && --it->second <= 0) {
      state_->expire_all();
      state_->expire_after.erase(it);
    }
  };

  // A pending hostile answer for `operation`: its kind, counted down.
  auto take_xml_fault = [this](const std::string& operation) -> std::string {
    std::lock_guard lock(state_->mu);
    auto it = state_->xml_faults.find(operation);
    if (it == state_->xml_faults.end()) return {};
    auto kind = it->second.kind;
    if (--it->second.count <= 0) state_->xml_faults.erase(it);
    return kind;
  };

  server_.add_api_route("POST", "/v4", [=, this](const request& req, response& res) {
    std::string why;
    auto call = parse_soap_call(req.body, why);
    if (!call) {
      send_soap_fault(res, "soap:Client",
                      "107: There was an error in your soap request. Please examine the request and "
                      "try again. (" + why + ")");
      return;
    }
    const std::string operation{local_name(call->operation)};
    const auto hostile = take_xml_fault(operation);
    if (!hostile.empty() && hostile != "truncated") {
      res.status = 200;
      res.content_type = "text/xml; charset=utf-8";
      res.body = hostile_body(hostile, operation);
      return;
    }
    try {
      if (operation == "login") {
        const auto id = login(call->operation);
        respond(res, operation, [&](pugi::xml_node r) { add_leaf(r, "return", id); });
      } else {
        const auto session_id = use_session(*call);
        const auto op = call->operation;
        if (operation == "readContacts") {
          respond(res, operation, [&](pugi::xml_node r) { read_contacts(op, r); });
        } else if (operation == "readFields") {
          respond(res, operation, [&](pugi::xml_node r) { read_fields(op, r); });
        } else if (operation == "readLists") {
          respond(res, operation, [&](pugi::xml_node r) { read_lists(op, r); });
        } else if (operation == "readUnsubscribes") {
          respond(res, operation, [&](pugi::xml_node r) { read_unsubscribes(op, r); });
        } else if (operation == "readRecentInboundActivities" ||
                   operation == "readRecentOutboundActivities") {
          const auto d = operation == "readRecentInboundActivities" ? dir::inbound : dir::outbound;
          respond(res, operation, [&](pugi::xml_node r) { read_activities(d, operation, session_id, op, r); });
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
  });

  server_.add_control_route("GET", "/v4", [this](const request& req, response& res) {
    if (!req.query.contains("wsdl")) {
      res.json(404, R"({"error":"not_found"})");
      return;
    }
    res.status = 200;
    res.content_type = "text/xml; charset=utf-8";
    res.body = bronto_wsdl(endpoint());
  });

  server_.set_fault_handler([](const request&, response& res) {
    send_api_fault(res, {101, "There was an unknown API error. Please try your request again shortly."});
  });

  // ---- control ----
  auto body_of = [](const request& req) {
    const auto body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) throw std::invalid_argument("expected a JSON object");
    return body;
  };
  auto count_in = [](const json& body, const char* name) -> std::int64_t {
    if (!body.contains(name)) return 0;
    const auto& v = body[name];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
      throw std::invalid_argument(std::string(name) + " must be a non-negative integer");
    return std::min<std::int64_t>(v.get<std::int64_t>(), 10'000'000);
  };

  server_.add_control_route("POST", "/_sim/mutate", [=, this](const request& req, response& res) {
    const auto body = body_of(req);
    const auto done = mutate({count_in(body, "touch_contacts"), count_in(body, "add_unsubscribes"),
                              count_in(body, "add_inbound"), count_in(body, "add_outbound")});
    res.json(200, json{{"touched_contacts", done.touched_contacts},
                       {"added_unsubscribes", done.added_unsubscribes},
                       {"added_inbound", done.added_inbound},
                       {"added_outbound", done.added_outbound}}
                      .dump());
  });

  server_.add_control_route("GET", "/_sim/dataset/{stream}", [this](const request& req, response& res) {
    const auto& stream = req.path_param("stream");
    json out = json::array();
    if (stream == "contact") {
      const auto parts = contact_parts::all();
      for (std::int64_t i = 0; i < data_->contact_count(); ++i)
        out.push_back(record_json(data_->contact(i, parts), {"listIds", "segmentIds", "fields", "SMSKeywordIDs"}));
    } else if (stream == "list") {
      for (int i = 0; i < options_.data.lists; ++i) out.push_back(record_json(data_->list(i)));
    } else if (stream == "unsubscribe") {
      for (std::int64_t i = 0; i < data_->unsubscribe_count(); ++i) out.push_back(record_json(data_->unsubscribe(i)));
    } else if (stream == "inbound_activity" || stream == "outbound_activity") {
      const auto d = stream == "inbound_activity" ? dir::inbound : dir::outbound;
      const auto horizon = server_.clock().now_unix_seconds() - options_.horizon_days * day_seconds;
      for (auto i = data_->first_activity_at(d, horizon); i < data_->activity_count(d); ++i) {
        const auto r = data_->activity(d, i);
        auto j = record_json(r);
        std::string tap_id, event;
        for (const char* name : {"createdDate", "activityType", "contactId", "listId", "segmentId", "keywordId", "messageId"}) {
          const auto v = field_text(r, name);
          if (v.empty()) continue;
          if (!tap_id.empty()) tap_id += '|';
          tap_id += v;
        }
        for (const auto& f : r) event += f.name + "=" + f.text + "\n";
        j["id"] = md5_hex(tap_id);
        j["event_id"] = md5_hex(event);
        out.push_back(std::move(j));
      }
    } else {
      res.json(404, R"({"error":"not_found"})");
      return;
    }
    res.json(200, out.dump());
  });

  server_.add_control_route("POST", "/_sim/xml_faults", [=, this](const request& req, response& res) {
    const auto body = body_of(req);
    const auto operation = body.value("operation", std::string{});
    const auto kind = body.value("kind", std::string{});
    if (operation.empty()) throw std::invalid_argument("operation is required");
    if (kind != "malformed" && kind != "truncated" && kind != "entity_bomb" && kind != "external_entity")
      throw std::invalid_argument("kind must be malformed, truncated, entity_bomb or external_entity");
    const auto count = body.contains("count") ? count_in(body, "count") : 1;
    std::lock_guard lock(state_->mu);
    state_->xml_faults[operation] = {kind, count};
    res.json(200, R"({"ok":true})");
  });

  server_.add_control_route("POST", "/_sim/expire_sessions", [=, this](const request& req, response& res) {
    const auto body = body_of(req);
    const auto after = count_in(body, "after_calls");
    std::lock_guard lock(state_->mu);
    if (after == 0) {
      state_->expire_all();
    } else {
      const auto operation = body.value("operation", std::string{});
      if (operation.empty()) throw std::invalid_argument("operation is required with after_calls");
      state_->expire_after[operation] = after;
    }
    res.json(200, R"({"ok":true})");
  });

  server_.add_control_route("GET", "/_sim/sessions", [this](const request&, response& res) {
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
  });
}

} // namespace quarry::sim
