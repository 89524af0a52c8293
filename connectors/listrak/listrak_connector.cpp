#include "connectors/listrak/listrak_connector.hpp"

#include "connectors/core/boundary.hpp"
#include "connectors/core/md5.hpp"
#include "connectors/core/paginator.hpp"
#include "connectors/core/timestamp.hpp"
#include "connectors/listrak/listrak_dates.hpp"
#include "connectors/listrak/listrak_streams.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

namespace quarry::connectors {
namespace {

using nlohmann::json;
using namespace listrak;
using listrak::stream_spec;  // not the template connectors::stream_spec
namespace jt = json_text;

constexpr const char* default_endpoint = "https://webservices.listrak.com/v31/IntegrationService.asmx";
constexpr std::int64_t day_s = 86'400;
constexpr std::int64_t ns_per_s = 1'000'000'000;

// The account settings, validated (listrak_connector.hpp lists them).
struct listrak_settings {
  std::int64_t interval_days = 365;
  std::int64_t bounce_days = 7;
  std::int64_t engagement_days = 30;
  std::string time_zone = "UTC";
};

result<listrak_settings> read_settings(const job_context& job) {
  listrak_settings out;
  const auto& st = job.settings;
  if (st.is_null()) return out;
  const std::string where = "listrak account \"" + job.account + "\": setting ";
  if (!st.is_object()) return make_error(error_kind::fatal, "listrak account \"" + job.account + "\": settings must be an object");
  auto days = [&](const char* name, std::int64_t lo, std::int64_t& value, const char* meaning) -> status {
    if (!st.contains(name)) return {};
    const auto& v = st[name];
    if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > 3650)
      return make_error(error_kind::fatal, where + name + " must be an integer from " + std::to_string(lo) +
                                               " to 3650 (" + meaning + "), got " + v.dump().substr(0, 40));
    value = v.get<std::int64_t>();
    return {};
  };
  if (auto e = days("interval_days", 1, out.interval_days, "days per ReportListMessageActivity window"); !e) return std::move(e).error();
  if (auto e = days("bounce_days", 0, out.bounce_days, "days after a message's SendDate its bounces are re-read"); !e)
    return std::move(e).error();
  if (auto e = days("engagement_days", 1, out.engagement_days,
                    "days after a message's SendDate its opens, clicks, reads, unsubscribes and sends are re-read");
      !e)
    return std::move(e).error();
  if (st.contains("time_zone")) {
    const auto& v = st["time_zone"];
    if (!v.is_string() || !known_time_zone(v.get<std::string>()))
      return make_error(error_kind::fatal,
                        where + "time_zone must name a zone of the tz database, the account's server time zone "
                                "(e.g. \"America/New_York\"; default \"UTC\"), got " + v.dump().substr(0, 60));
    out.time_zone = v.get<std::string>();
  }
  return out;
}

std::string redact(std::string text, const std::string& secret) {
  if (secret.size() < 3) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "***");
  return text;
}

// The columns to write: the selection plus the key and replication key
// (nullptr: every column).
std::optional<std::vector<std::string>> selected_columns(const session& s, const stream_spec& spec) {
  const auto* cols = s.job().selection.columns_of(spec.stream.name);
  if (cols == nullptr) return std::nullopt;
  std::vector<std::string> out = *cols;
  for (const auto& k : spec.stream.primary_key) out.push_back(k);
  if (!spec.stream.replication_key.empty()) out.push_back(spec.stream.replication_key);
  return out;
}

// One SOAP call to Listrak and its answer's <MethodResponse>.
class listrak_api {
 public:
  explicit listrak_api(session& s) : s_(s) {}

  // `params` writes the method's parameters; `about` names the id it is for
  // in errors ("MsgID 10001").
  result<soap::answer> call(const std::string& method, const std::function<void(soap::envelope&)>& params,
                            const std::string& about = {}) {
    const std::string what = "listrak " + method + (about.empty() ? "" : " (" + about + ")");
    const auto& password = s_.job().credential("password");
    soap::envelope e;
    e.header().open("WSUser", v31_ns).leaf("UserName", s_.job().credential("username")).leaf("Password", password);
    e.body().open(method, v31_ns);
    if (params) params(e);
    const auto url = s_.job().endpoint.empty() ? std::string{default_endpoint} : s_.job().endpoint;
    auto res = s_.call(soap::request(url, what, e.str(), std::string{v31_ns} + method),
                       soap::classifier(what, [what, password](const soap::fault& f) { return read_fault(what, f, password); }));
    if (!res) return std::move(res).error();
    auto parsed = soap::parse(what, res->body);
    if (!parsed) return std::move(parsed).error();
    if (parsed->fault) return *read_fault(what, *parsed->fault, password);
    if (soap::local_name(parsed->payload) != method + "Response")
      return make_error(error_kind::bad_payload,
                        what + ": expected " + method + "Response, got <" + std::string{parsed->payload.name()} + ">");
    if (auto ex = soap::child(parsed->payload, "WSException"); ex && soap::child(ex, "Description")) {
      return make_error(error_kind::fatal, what + ": WSException: \"" +
                                               redact(std::string{soap::child_text(ex, "Description")}.substr(0, 200), password) +
                                               "\"");
    }
    return parsed;
  }

 private:
  static std::optional<quarry::error> read_fault(const std::string& what, const soap::fault& f,
                                                 const std::string& password) {
    const auto text = redact(soap::describe(f), password);
    for (const char* marker : {"[InvalidLogonAttempt]", "[LoginAttemptsExceeded]", "[ProhibitedIPAddress]"})
      if (f.message.find(marker) != std::string::npos)
        return make_error(error_kind::fatal,
                          what + ": Listrak refused the login " + marker +
                              ": check the username and password, and that this host's IP address is "
                              "allowed for the integration user (" + text + ")");
    const bool server_side = f.code.find("Server") != std::string::npos;
    return make_error(server_side ? error_kind::retriable : error_kind::fatal, what + ": " + text);
  }

  session& s_;
};

// Every field of a row as the server wrote it: two rows with the same
// content are identical in every field.
std::string content_of(pugi::xml_node record) {
  std::string out;
  soap::append_fields(out, record, '\x1f');
  return out;
}

// xsi:nil="true", whatever the prefix.
bool nil(pugi::xml_node e) {
  for (auto a : e.attributes())
    if (const std::string_view n = a.name(); (n == "nil" || n.ends_with(":nil")) && std::string_view{a.value()} == "true")
      return true;
  return false;
}

// The rows of one page, each row's content, and the page's fingerprint for
// the paginator's repeat check ("" for an empty page).
struct page_of_rows {
  std::vector<pugi::xml_node> rows;
  std::vector<std::string> contents;
  std::string fingerprint;
};

page_of_rows page_rows(pugi::xml_node payload, const stream_spec& spec) {
  page_of_rows out;
  std::string all;
  for (auto r : soap::children(soap::child(payload, spec.read.operation + "Result"), spec.read.item)) {
    out.rows.push_back(r);
    out.contents.push_back(content_of(r));
    all += out.contents.back();
    all += '\n';
  }
  if (!out.rows.empty()) out.fingerprint = hash::md5_hex(all);
  return out;
}

void set_null(pugi::xml_node e) {
  e.remove_children();
  e.append_attribute("xsi:nil") = "true";
}

// ArrayOfString elements become one element per string, which the record
// writer's repeated column gathers into an array: one shape, whatever the
// count ({"string":"a"} and {"string":["a","b"]} otherwise). An empty or nil
// element is no string at all ([]).
void unwrap_string_arrays(pugi::xml_node record, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    std::vector<pugi::xml_node> arrays;
    for (auto e : soap::children(record, name)) arrays.push_back(e);
    for (auto e : arrays) {
      bool wrapper = false;
      for (auto c = e.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        wrapper = true;
        if (nil(c)) continue;
        record.insert_child_before(e.name(), e).text().set(c.text().get());
      }
      if (wrapper || std::string_view{e.text().get()}.empty()) record.remove_child(e);
    }
  }
}

// One record out: {"<parent>":id, fields..., "Ordinal":n} keyed by the
// stream's primary key (Ordinal last, when it has one). Dates are rewritten RFC 3339 in UTC first.
class record_out {
 public:
  record_out(session& s, const stream_spec& spec, std::string time_zone)
      : s_(s), spec_(spec), time_zone_(std::move(time_zone)), writer_(spec.read.columns),
        selected_(selected_columns(s, spec)) {}

  // Zone-less server-time dates as RFC 3339 UTC with their fraction; an
  // unset (DateTime.MinValue) or unreadable date is null, the latter with a
  // warning (once per column and task).
  void normalise(pugi::xml_node record) {
    unwrap_string_arrays(record, spec_.read.string_arrays);
    for (const auto& name : spec_.read.date_columns) {
      auto e = soap::child(record, name);
      if (!e || nil(e)) continue;
      const std::string text = e.text().get();
      if (text.empty()) {
        set_null(e);
        continue;
      }
      if (const auto t = read_date(text, time_zone_)) {
        e.text().set(format_rfc3339(*t).c_str());
        continue;
      }
      if (!unset_date(text) && warned_.insert(name).second)
        s_.warn("listrak " + spec_.stream.name + ": " + name + " \"" + text.substr(0, 40) +
                "\" is not a date; written as null");
      set_null(e);
    }
  }

  // `ordinal` < 0: the stream has none.
  status emit(pugi::xml_node record, std::int64_t parent_id = 0, int ordinal = -1) {
    const auto* sel = selected_ ? &*selected_ : nullptr;
    value_ = "{";
    const auto& parent = spec_.read.parent;
    if (!parent.empty() && (sel == nullptr || std::find(sel->begin(), sel->end(), parent) != sel->end())) {
      value_ += jt::key(parent);
      value_ += std::to_string(parent_id);
      value_ += ',';
    }
    writer_.append_fields(value_, record, sel);
    if (ordinal >= 0) {
      value_ += jt::key(ordinal_field);
      value_ += std::to_string(ordinal);
    }
    soap::close_object(value_);
    key_ = "{";
    for (const auto& k : spec_.stream.primary_key) {
      key_ += jt::key(k);
      if (k == ordinal_field) {
        key_ += std::to_string(ordinal);
      } else if (k == parent) {
        key_ += std::to_string(parent_id);
      } else {
        const auto& columns = spec_.read.columns;
        const auto column = std::find_if(columns.begin(), columns.end(),
                                          [&](const soap::column& c) { return c.name == k; });
        const auto text = soap::child_text(record, k);
        if (column != columns.end() && column->kind != jt::kind::string)
          jt::append_typed(key_, text, column->kind);
        else
          jt::append_string(key_, text);
      }
      key_ += ',';
    }
    soap::close_object(key_);
    return s_.emit_serialized(spec_.stream.name, key_, value_);
  }

 private:
  session& s_;
  const stream_spec& spec_;
  std::string time_zone_;
  soap::record_writer writer_;
  std::optional<std::vector<std::string>> selected_;
  std::set<std::string> warned_;
  std::string key_, value_;
};

std::int64_t as_int(std::string_view text, std::int64_t fallback = -1) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  return ec == std::errc{} && p == text.data() + text.size() ? v : fallback;
}

task_spec child_task(std::string stream, std::string partition, json params) {
  task_spec t;
  t.stream = std::move(stream);
  t.partition = std::move(partition);
  t.params = std::move(params);
  return t;
}

instant at_seconds(std::int64_t s) { return {s * ns_per_s, 0}; }

class listrak_connector final : public connector {
 public:
  explicit listrak_connector(listrak_options options) : options_(std::move(options)) {
    if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
  }

  std::string_view source() const override { return "listrak"; }

  std::vector<credential_rule> credentials() const override {
    return {{"username", true, false}, {"password", true, true}};
  }

  std::vector<setting_rule> settings() const override {
    return {
        integer_setting("interval_days", 1, 3650, 365, "days per ReportListMessageActivity window"),
        integer_setting("engagement_days", 1, 3650, 30,
                        "a message's opens, clicks, reads, unsubscribes and sends are re-read on every "
                        "run until this many days after its SendDate"),
        integer_setting("bounce_days", 0, 3650, 7,
                        "the same for bounces (Listrak bounces within 72 h)"),
        time_zone_setting("time_zone", "UTC",
                          "the account's server time zone: the zone of every date Listrak writes or "
                          "reads without one"),
    };
  }

  quota_defaults default_quota() const override {
    // [GUESS: Listrak documents no rate or concurrency limit for SOAP v31
    // (apis.md 3.1); 8 calls in flight is a politeness guess. Every Listrak
    // report is one call per message and stream, so a full run's wall is
    // calls x latency / calls in flight: 4 left 100 ms runs at that floor.
    // 8 stays under Marketo's documented 10 in flight (615). An account's
    // quota.concurrency overrides it.]
    quota_defaults q;
    q.concurrency = 8;
    return q;
  }

  offline_catalog catalog() const override {
    offline_catalog out;
    out.streams = descriptors(streams());
    return out;
  }

  result<std::vector<task_spec>> plan(session& s, const bookmark_map& bookmarks) override {
    if (auto cfg = read_settings(s.job()); !cfg) return std::move(cfg).error();
    const auto& sel = s.job().selection;
    bool any = false;
    for (const auto& [stream, read] : streams()) any = any || sel.selected(stream.name);
    if (!any) return std::vector<task_spec>{};
    // lists and messages are automatic: every other stream hangs from them.
    for (const auto& [stream, read] : streams())
      if (stream.name == "lists" || stream.name == "messages" || sel.selected(stream.name)) s.declare(stream);
    task_spec t;
    t.stream = "lists";
    if (auto it = bookmarks.find({"lists", ""}); it != bookmarks.end()) t.bookmark = it->second;
    return std::vector<task_spec>{std::move(t)};
  }

  status run(const task_spec& task, session& s) override {
    const auto* spec = find_stream(streams(), task.stream);
    if (spec == nullptr) return make_error(error_kind::fatal, "listrak: unknown stream " + task.stream);
    auto cfg = read_settings(s.job());
    if (!cfg) return std::move(cfg).error();
    switch (spec->read.how) {
      case reading::lists: return run_lists(*spec, s, *cfg);
      case reading::messages: return run_messages(*spec, task, s, *cfg);
      case reading::range: return run_range(*spec, task, s, *cfg);
      case reading::sends: return run_sends(*spec, task, s);
    }
    return make_error(error_kind::fatal, "listrak: unknown stream " + task.stream);
  }

 private:
  instant now() const {
    return {std::chrono::duration_cast<std::chrono::nanoseconds>(options_.now().time_since_epoch()).count(), 0};
  }

  instant start_of(const session& s) const {
    if (auto t = parse_instant(s.job().start_date)) return *t;
    return at_seconds(now().seconds() - 365 * day_s);
  }

  static std::int64_t id_param(const task_spec& task, const char* name) {
    if (task.params.is_object() && task.params.contains(name) && task.params[name].is_number_integer())
      return task.params[name].get<std::int64_t>();
    return as_int(task.partition);
  }

  static status cancelled(const session& s, const std::string& stream) {
    if (s.cancelled()) return make_error(error_kind::cancelled, "listrak " + stream + ": cancelled");
    return {};
  }

  status run_lists(const stream_spec& spec, session& s, const listrak_settings& cfg) {
    listrak_api api(s);
    auto ans = api.call(spec.read.operation, {});
    if (!ans) return std::move(ans).error();
    record_out out(s, spec, cfg.time_zone);
    const auto& sel = s.job().selection;
    for (auto l : soap::children(soap::child(ans->payload, spec.read.operation + "Result"), spec.read.item)) {
      const auto id = as_int(soap::child_text(l, "ListID"));
      if (id < 0)
        return make_error(error_kind::bad_payload, "listrak " + spec.read.operation + ": a WSContactList without a ListID");
      out.normalise(l);
      if (auto st = out.emit(l); !st) return st;
      const auto partition = std::to_string(id);
      s.spawn(child_task("messages", partition, {{"ListID", id}}));
      if (sel.selected("subscribed_contacts"))
        s.spawn(child_task("subscribed_contacts", partition, {{"ListID", id}}));
    }
    return s.checkpoint({{"full_table_completed", true}});
  }

  // A message's children are read on every run while the message can gain
  // records (within engagement_days of its SendDate; bounce_days for
  // bounces); after that only when the stream's counter moved. The bookmark
  // keeps, per message and child, the counter seen by the first read that
  // began after that horizon (-1: none yet), so a counter of people (a
  // repeat open leaves OpenCount alone) never hides an event in the horizon.
  status run_messages(const stream_spec& spec, const task_spec& task, session& s, const listrak_settings& cfg) {
    const auto list_id = id_param(task, "ListID");
    json settled = task.bookmark.is_object() && task.bookmark.contains("settled") && task.bookmark["settled"].is_object()
                       ? task.bookmark["settled"]
                       : json::object();
    const auto children = message_children();
    const auto& sel = s.job().selection;
    const auto to = now();
    const std::int64_t step = cfg.interval_days * day_s;
    listrak_api api(s);
    record_out out(s, spec, cfg.time_zone);
    std::set<std::int64_t> seen;  // messages emitted this run: windows overlap
    // Windows [w - 1 s, w + step] overlap by a second, so a message sent on
    // a window's edge is in one of them whether the server's bounds are
    // inclusive or exclusive, and at whatever precision it compares.
    for (auto w = start_of(s).seconds();; w += step) {
      if (auto st = cancelled(s, spec.stream.name); !st) return st;
      const auto until = std::min(to.seconds(), w + step);
      auto ans = api.call(
          spec.read.operation,
          [&](soap::envelope& e) {
            e.leaf("ListID", std::to_string(list_id))
                .leaf("StartDate", wall_time(at_seconds(w - 1), cfg.time_zone))
                .leaf("EndDate", wall_time(at_seconds(until), cfg.time_zone))
                .leaf("IncludeTestMessages", "true");
          },
          "ListID " + std::to_string(list_id));
      if (!ans) return std::move(ans).error();
      for (auto m : soap::children(soap::child(ans->payload, spec.read.operation + "Result"), spec.read.item)) {
        const auto msg_id = as_int(soap::child_text(m, "MsgID"));
        if (msg_id < 0)
          return make_error(error_kind::bad_payload, "listrak " + spec.read.operation + ": a WSMessageActivity without a MsgID");
        if (!seen.insert(msg_id).second) continue;
        out.normalise(m);
        if (auto st = out.emit(m); !st) return st;
        const std::string send_date{soap::child_text(m, "SendDate")};
        const auto sent = parse_instant(send_date);
        auto& state = settled[std::to_string(msg_id)];
        if (!state.is_array() || state.size() != children.size()) state = json(std::vector<std::int64_t>(children.size(), -1));
        for (std::size_t i = 0; i < children.size(); ++i) {
          const auto& child = *children[i];
          if (!sel.selected(child.stream.name)) continue;
          const auto count = child.read.counter.empty() ? 0 : as_int(soap::child_text(m, child.read.counter), -2);
          const auto before = state[i].is_number_integer() ? state[i].get<std::int64_t>() : -1;
          if (before >= 0 && before == count) continue;  // read after the horizon, counter unchanged
          const auto horizon = (child.read.counter.empty() ? cfg.bounce_days : cfg.engagement_days) * day_s;
          const bool after_horizon = sent && to.seconds() >= sent->seconds() + horizon;
          state[i] = after_horizon && count >= 0 ? count : -1;
          s.spawn(child_task(child.stream.name, std::to_string(msg_id),
                             {{"MsgID", msg_id}, {"ListID", list_id}, {"SendDate", send_date}}));
        }
      }
      if (auto st = s.checkpoint({{"settled", settled}}); !st) return st;
      if (until >= to.seconds()) break;
    }
    return {};
  }

  // Where a range task resumes: its boundary bookmark, or a bookmark of the
  // shape before it ({"since", "seen"}: resumes at since, re-delivering what
  // was at exactly that date once).
  static json resume_point(const json& bookmark, const std::string& field) {
    if (bookmark.is_object() && !bookmark.contains(field) && bookmark.contains("since") && bookmark["since"].is_string())
      return {{field, bookmark["since"]}};
    return bookmark;
  }

  // Range reports: [bookmark - 1 s, now] in the server's time zone, paged.
  // Rows at the bookmark's date that it already holds are skipped by their
  // identity: every field as written plus how many identical rows came
  // before at that date (so two identical rows are two records, Ordinal 0
  // and 1). The second of overlap makes the read right whether StartDate is
  // inclusive or exclusive, and at whatever precision the server compares.
  // [GUESS: rows come in date order, as tap-listrak's bookmarks assume.]
  status run_range(const stream_spec& spec, const task_spec& task, session& s, const listrak_settings& cfg) {
    const auto id = id_param(task, spec.read.parent.c_str());
    // Nothing happens to a message before it is sent.
    auto start = start_of(s);
    if (task.params.is_object() && task.params.contains("SendDate") && task.params["SendDate"].is_string())
      if (auto sent = read_date(task.params["SendDate"].get<std::string>(), cfg.time_zone)) start = *sent;
    auto b = boundary::resume(resume_point(task.bookmark, spec.stream.replication_key), spec.stream.replication_key,
                              format_rfc3339(start));
    if (!b) return std::move(b).error();
    const auto from = wall_time(b->query_after(std::chrono::seconds{1}), cfg.time_zone);
    const auto to = wall_time(now(), cfg.time_zone);
    const std::string about = spec.read.parent + " " + std::to_string(id);
    listrak_api api(s);
    record_out out(s, spec, cfg.time_zone);
    auto pages = paginator::page_number("listrak " + spec.read.operation + " (" + about + ")");
    std::map<std::string, int, std::less<>> copies;  // identical rows so far at `copies_at`
    std::optional<instant> copies_at;
    for (;;) {
      if (auto st = cancelled(s, spec.stream.name); !st) return st;
      auto ans = api.call(
          spec.read.operation,
          [&](soap::envelope& e) {
            e.leaf(spec.read.parent, std::to_string(id))
                .leaf("StartDate", from)
                .leaf("EndDate", to)
                .leaf("Page", std::to_string(pages.page()));
          },
          about + " page " + std::to_string(pages.page()));
      if (!ans) return std::move(ans).error();
      // The page is checked before anything on it is emitted: a server
      // that repeats a page fails the task, its rows never delivered.
      const auto page = page_rows(ans->payload, spec);
      auto more = pages.next_page(page.rows.size(), page.fingerprint);
      if (!more) return std::move(more).error();
      for (std::size_t i = 0; i < page.rows.size(); ++i) {
        const auto r = page.rows[i];
        const auto date_text = soap::child_text(r, spec.stream.replication_key);
        const auto at = read_date(date_text, cfg.time_zone);
        if (!at)
          return make_error(error_kind::bad_payload, "listrak " + spec.read.operation + " (" + about + "): " + spec.read.item +
                                                         " with an unreadable " + spec.stream.replication_key + " \"" +
                                                         std::string{date_text}.substr(0, 40) + "\"");
        if (copies_at != at) {
          copies.clear();
          copies_at = at;
        }
        auto digest = hash::md5_hex(page.contents[i]);
        const int ordinal = copies[digest]++;
        if (!b->admit(*at, digest + "#" + std::to_string(ordinal))) continue;
        out.normalise(r);
        if (auto st = out.emit(r, id, has_ordinal(spec) ? ordinal : -1); !st) return st;
      }
      if (auto st = s.checkpoint(b->bookmark()); !st) return st;
      if (!*more) return {};
    }
  }

  // ReportMessageContactSent has no dates: every page is read and the
  // recipients emitted before are skipped by position (Listrak lists them
  // in send order).
  status run_sends(const stream_spec& spec, const task_spec& task, session& s) {
    const auto msg_id = id_param(task, "MsgID");
    std::int64_t emitted = task.bookmark.is_object() ? task.bookmark.value("emitted", std::int64_t{0}) : 0;
    std::int64_t position = 0;
    listrak_api api(s);
    record_out out(s, spec, "UTC");
    auto pages = paginator::page_number("listrak " + spec.read.operation + " (MsgID " + std::to_string(msg_id) + ")");
    for (;;) {
      if (auto st = cancelled(s, spec.stream.name); !st) return st;
      auto ans = api.call(
          spec.read.operation,
          [&](soap::envelope& e) { e.leaf("MsgID", std::to_string(msg_id)).leaf("Page", std::to_string(pages.page())); },
          "MsgID " + std::to_string(msg_id) + " page " + std::to_string(pages.page()));
      if (!ans) return std::move(ans).error();
      const auto page = page_rows(ans->payload, spec);
      auto more = pages.next_page(page.rows.size(), page.fingerprint);
      if (!more) return std::move(more).error();
      for (auto r : page.rows) {
        if (position++ < emitted) continue;  // sent before: recipients come in send order
        if (auto st = out.emit(r, msg_id); !st) return st;
        ++emitted;
      }
      if (auto st = s.checkpoint({{"emitted", emitted}}); !st) return st;
      if (!*more) return {};
    }
  }

  listrak_options options_;
};

} // namespace

std::unique_ptr<connector> make_listrak_connector(listrak_options options) {
  return std::make_unique<listrak_connector>(std::move(options));
}

} // namespace quarry::connectors
