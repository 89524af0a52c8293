#include "connectors/listrak/listrak_connector.hpp"

#include "connectors/listrak/listrak_streams.hpp"
#include "connectors/core/timestamp.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <optional>
#include <set>

namespace quarry::connectors {
namespace {

using nlohmann::json;
using namespace listrak;
namespace jt = json_text;
using sys_seconds = std::chrono::sys_seconds;

constexpr const char* default_endpoint = "https://webservices.listrak.com/v31/IntegrationService.asmx";
constexpr std::int64_t day_s = 86'400;

// "2024-03-05T07:08:09" (UTC, as Listrak writes it), or with "Z" or an
// offset, fractions ignored -> seconds.
std::optional<sys_seconds> parse_time(std::string_view text) {
  std::string t{text};
  if (t.size() >= 19 && t.find_first_of("Zz+-", 19) == std::string::npos) t += 'Z';
  const auto ms = parse_rfc3339_ms(t);
  if (!ms) return std::nullopt;
  return sys_seconds{std::chrono::seconds{*ms / 1000 - (*ms % 1000 < 0 ? 1 : 0)}};
}

// "2024-03-05T07:08:09Z"; Listrak reads request dates without a zone as UTC
// too, so the Z is only for humans reading logs and bookmarks.
std::string format_time(sys_seconds t) {
  const auto tt = static_cast<std::time_t>(t.time_since_epoch().count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A zone-less date element gets its "Z": the API's dates are UTC.
void mark_utc(pugi::xml_node record, const std::vector<std::string>& date_columns) {
  for (const auto& name : date_columns) {
    auto e = soap::child(record, name);
    const std::string_view text = e.text().get();
    if (text.size() == 19 && text[10] == 'T') e.text().set((std::string{text} + "Z").c_str());
  }
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
  const auto* cols = s.job().selection.columns_of(spec.name);
  if (cols == nullptr) return std::nullopt;
  std::vector<std::string> out = *cols;
  for (const auto& k : spec.key) out.push_back(k);
  if (!spec.replication_key.empty()) out.push_back(spec.replication_key);
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

// One record out: {"<parent>":id, fields...} keyed by spec.key.
class record_out {
 public:
  record_out(session& s, const stream_spec& spec)
      : s_(s), spec_(spec), writer_(spec.columns), selected_(selected_columns(s, spec)) {}

  status emit(pugi::xml_node record, std::int64_t parent_id = 0) {
    mark_utc(record, spec_.date_columns);
    const auto* sel = selected_ ? &*selected_ : nullptr;
    value_ = "{";
    if (!spec_.parent.empty() && (sel == nullptr || std::find(sel->begin(), sel->end(), spec_.parent) != sel->end())) {
      value_ += jt::key(spec_.parent);
      value_ += std::to_string(parent_id);
      value_ += ',';
    }
    writer_.append_fields(value_, record, sel);
    soap::close_object(value_);
    key_ = "{";
    for (const auto& k : spec_.key) {
      key_ += jt::key(k);
      if (k == spec_.parent) {
        key_ += std::to_string(parent_id);
      } else {
        const auto column = std::find_if(spec_.columns.begin(), spec_.columns.end(),
                                          [&](const soap::column& c) { return c.name == k; });
        const auto text = soap::child_text(record, k);
        if (column != spec_.columns.end() && column->kind != jt::kind::string)
          jt::append_typed(key_, text, column->kind);
        else
          jt::append_string(key_, text);
      }
      key_ += ',';
    }
    soap::close_object(key_);
    return s_.emit_serialized(spec_.name, key_, value_);
  }

 private:
  session& s_;
  const stream_spec& spec_;
  soap::record_writer writer_;
  std::optional<std::vector<std::string>> selected_;
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

int setting_int(const session& s, const char* name, int fallback, int lo, int hi) {
  const auto& st = s.job().settings;
  if (!st.is_object() || !st.contains(name) || !st[name].is_number_integer()) return fallback;
  return std::clamp(st[name].get<int>(), lo, hi);
}

class listrak_connector final : public connector {
 public:
  explicit listrak_connector(listrak_options options) : options_(std::move(options)) {
    if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
  }

  std::string_view source() const override { return "listrak"; }

  std::vector<credential_spec> credentials() const override {
    return {{"username", true, false}, {"password", true, true}};
  }

  quota_defaults default_quota() const override {
    quota_defaults q;
    q.concurrency = 4;  // no documented limit: stay polite
    return q;
  }

  result<std::vector<stream_descriptor>> discover(session&) override {
    std::vector<stream_descriptor> out;
    for (const auto& spec : streams()) out.push_back(descriptor(spec));
    return out;
  }

  result<std::vector<task_spec>> plan(session& s, const bookmark_map& bookmarks) override {
    const auto& sel = s.job().selection;
    bool any = false;
    for (const auto& spec : streams()) any = any || sel.selected(spec.name);
    if (!any) return std::vector<task_spec>{};
    // lists and messages are automatic: every other stream hangs from them.
    for (const auto& spec : streams())
      if (spec.name == "lists" || spec.name == "messages" || sel.selected(spec.name)) s.declare(descriptor(spec));
    task_spec t;
    t.stream = "lists";
    if (auto it = bookmarks.find({"lists", ""}); it != bookmarks.end()) t.bookmark = it->second;
    return std::vector<task_spec>{std::move(t)};
  }

  status run(const task_spec& task, session& s) override {
    const auto* spec = find_stream(task.stream);
    if (spec == nullptr) return make_error(error_kind::fatal, "listrak: unknown stream " + task.stream);
    switch (spec->how) {
      case reading::lists: return run_lists(*spec, s);
      case reading::messages: return run_messages(*spec, task, s);
      case reading::range: return run_range(*spec, task, s);
      case reading::sends: return run_sends(*spec, task, s);
    }
    return make_error(error_kind::fatal, "listrak: unknown stream " + task.stream);
  }

 private:
  sys_seconds now() const { return std::chrono::floor<std::chrono::seconds>(options_.now()); }

  sys_seconds start_of(const session& s) const {
    return parse_time(s.job().start_date).value_or(now() - std::chrono::seconds{365 * day_s});
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

  status run_lists(const stream_spec& spec, session& s) {
    listrak_api api(s);
    auto ans = api.call(spec.operation, {});
    if (!ans) return std::move(ans).error();
    record_out out(s, spec);
    const auto& sel = s.job().selection;
    for (auto l : soap::children(soap::child(ans->payload, spec.operation + "Result"), spec.item)) {
      const auto id = as_int(soap::child_text(l, "ListID"));
      if (id < 0)
        return make_error(error_kind::bad_payload, "listrak " + spec.operation + ": a WSContactList without a ListID");
      if (auto st = out.emit(l); !st) return st;
      const auto partition = std::to_string(id);
      s.spawn(child_task("messages", partition, {{"ListID", id}}));
      if (sel.selected("subscribed_contacts"))
        s.spawn(child_task("subscribed_contacts", partition, {{"ListID", id}}));
    }
    return s.checkpoint({{"full_table_completed", true}});
  }

  status run_messages(const stream_spec& spec, const task_spec& task, session& s) {
    const auto list_id = id_param(task, "ListID");
    json spawned = task.bookmark.is_object() && task.bookmark.contains("spawned") && task.bookmark["spawned"].is_object()
                       ? task.bookmark["spawned"]
                       : json::object();
    const auto children = message_children();
    const auto& sel = s.job().selection;
    const auto to = now();
    const std::chrono::seconds step{std::int64_t{setting_int(s, "interval_days", 365, 1, 3650)} * day_s};
    const std::chrono::seconds bounce_window{std::int64_t{setting_int(s, "bounce_days", 7, 0, 3650)} * day_s};
    listrak_api api(s);
    record_out out(s, spec);
    for (auto from = start_of(s); from <= to; from += step) {
      if (auto st = cancelled(s, spec.name); !st) return st;
      // Windows meet without overlapping: [from, from + step - 1 s].
      const auto until = std::min(to, from + step - std::chrono::seconds{1});
      auto ans = api.call(
          spec.operation,
          [&](soap::envelope& e) {
            e.leaf("ListID", std::to_string(list_id))
                .leaf("StartDate", format_time(from))
                .leaf("EndDate", format_time(until))
                .leaf("IncludeTestMessages", "true");
          },
          "ListID " + std::to_string(list_id));
      if (!ans) return std::move(ans).error();
      for (auto m : soap::children(soap::child(ans->payload, spec.operation + "Result"), spec.item)) {
        const auto msg_id = as_int(soap::child_text(m, "MsgID"));
        if (msg_id < 0)
          return make_error(error_kind::bad_payload, "listrak " + spec.operation + ": a WSMessageActivity without a MsgID");
        if (auto st = out.emit(m); !st) return st;
        const auto sent = parse_time(soap::child_text(m, "SendDate"));
        auto& seen = spawned[std::to_string(msg_id)];
        if (!seen.is_array() || seen.size() != children.size()) seen = json(std::vector<std::int64_t>(children.size(), -1));
        for (std::size_t i = 0; i < children.size(); ++i) {
          const auto& child = *children[i];
          if (!sel.selected(child.name)) continue;
          std::int64_t mark = 0;
          if (!child.counter.empty()) {
            mark = as_int(soap::child_text(m, child.counter), -2);
            if (mark == seen[i].get<std::int64_t>()) continue;
          } else {  // bounces: until the last read began bounce_days after sending
            const auto last = seen[i].get<std::int64_t>();
            if (last >= 0 && sent && last >= (*sent + bounce_window).time_since_epoch().count()) continue;
            mark = to.time_since_epoch().count();
          }
          seen[i] = mark;
          s.spawn(child_task(child.name, std::to_string(msg_id),
                             {{"MsgID", msg_id}, {"ListID", list_id}, {"SendDate", std::string{soap::child_text(m, "SendDate")}}}));
        }
      }
      if (auto st = s.checkpoint({{"spawned", spawned}}); !st) return st;
    }
    return {};
  }

  // The identity of a record among those sharing its date.
  static std::string identity(const stream_spec& spec, pugi::xml_node r) {
    if (spec.parent == "ListID") return std::string{soap::child_text(r, "ContactID")};
    std::string out{soap::child_text(r, "EmailAddress")};
    if (spec.name == "message_clicks") out += "\n" + std::string{soap::child_text(r, "LinkUrl")};
    return out;
  }

  status run_range(const stream_spec& spec, const task_spec& task, session& s) {
    const auto id = id_param(task, spec.parent.c_str());
    const auto& b = task.bookmark;
    std::optional<sys_seconds> since;
    std::set<std::string> seen;
    if (b.is_object() && b.contains("since") && b["since"].is_string()) {
      since = parse_time(b["since"].get<std::string>());
      if (b.contains("seen") && b["seen"].is_array())
        for (const auto& v : b["seen"])
          if (v.is_string()) seen.insert(v.get<std::string>());
    }
    // Nothing happens to a message before it is sent.
    sys_seconds from = start_of(s);
    if (task.params.is_object() && task.params.contains("SendDate") && task.params["SendDate"].is_string())
      if (auto sent = parse_time(task.params["SendDate"].get<std::string>())) from = *sent;
    if (since) from = *since;
    const auto to = now();
    const std::string about = spec.parent + " " + std::to_string(id);
    listrak_api api(s);
    record_out out(s, spec);
    for (int page = 1;; ++page) {
      if (auto st = cancelled(s, spec.name); !st) return st;
      auto ans = api.call(
          spec.operation,
          [&](soap::envelope& e) {
            e.leaf(spec.parent, std::to_string(id))
                .leaf("StartDate", format_time(from))
                .leaf("EndDate", format_time(to))
                .leaf("Page", std::to_string(page));
          },
          about + " page " + std::to_string(page));
      if (!ans) return std::move(ans).error();
      bool any = false;
      for (auto r : soap::children(soap::child(ans->payload, spec.operation + "Result"), spec.item)) {
        any = true;
        mark_utc(r, spec.date_columns);
        const auto at = parse_time(soap::child_text(r, spec.event_date));
        if (!at)
          return make_error(error_kind::bad_payload, "listrak " + spec.operation + " (" + about + "): " + spec.item +
                                                         " with an unreadable " + spec.event_date + " \"" +
                                                         std::string{soap::child_text(r, spec.event_date)}.substr(0, 40) + "\"");
        auto who = identity(spec, r);
        if (since && *at < *since) continue;  // not asked for; never emitted twice
        if (since && *at == *since && seen.count(who) != 0) continue;
        if (auto st = out.emit(r, id); !st) return st;
        if (!since || *at > *since) {
          since = *at;
          seen.clear();
        }
        seen.insert(std::move(who));
      }
      // Nothing before `since` is missing; with no record yet, nothing
      // before the StartDate read.
      if (auto st = s.checkpoint({{"since", format_time(since.value_or(from))}, {"seen", seen}}); !st) return st;
      if (!any) return {};
    }
  }

  status run_sends(const stream_spec& spec, const task_spec& task, session& s) {
    const auto msg_id = id_param(task, "MsgID");
    std::int64_t emitted = task.bookmark.is_object() ? task.bookmark.value("emitted", std::int64_t{0}) : 0;
    std::int64_t position = 0;
    listrak_api api(s);
    record_out out(s, spec);
    for (int page = 1;; ++page) {
      if (auto st = cancelled(s, spec.name); !st) return st;
      auto ans = api.call(
          spec.operation,
          [&](soap::envelope& e) { e.leaf("MsgID", std::to_string(msg_id)).leaf("Page", std::to_string(page)); },
          "MsgID " + std::to_string(msg_id) + " page " + std::to_string(page));
      if (!ans) return std::move(ans).error();
      bool any = false;
      for (auto r : soap::children(soap::child(ans->payload, spec.operation + "Result"), spec.item)) {
        any = true;
        if (position++ < emitted) continue;  // sent before: recipients come in send order
        if (auto st = out.emit(r, msg_id); !st) return st;
        ++emitted;
      }
      if (auto st = s.checkpoint({{"emitted", emitted}}); !st) return st;
      if (!any) return {};
    }
  }

  listrak_options options_;
};

} // namespace

std::unique_ptr<connector> make_listrak_connector(listrak_options options) {
  return std::make_unique<listrak_connector>(std::move(options));
}

} // namespace quarry::connectors
