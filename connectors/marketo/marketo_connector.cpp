#include "connectors/marketo/marketo_connector.hpp"

#include "connectors/core/boundary.hpp"
#include "connectors/core/paginator.hpp"
#include "connectors/core/timestamp.hpp"
#include "connectors/marketo/marketo_api.hpp"
#include "connectors/marketo/marketo_streams.hpp"
#include "proto/names.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

namespace quarry::connectors {
namespace {

using nlohmann::json;
using namespace marketo;
using http::url_encode;
using sys_seconds = std::chrono::sys_seconds;

constexpr std::int64_t day_s = 86'400;
constexpr std::chrono::seconds one_second{1};
// Marketo refuses an export filter longer than 31 days (1003). A window asks
// from one second before its start, so it spans at most 31 days - 1 s.
constexpr std::chrono::seconds max_window{31 * day_s - 1};

// Marketo's dates are whole seconds: windows and date ranges are planned in
// seconds; boundaries keep whatever precision a bookmark holds.
instant instant_of(sys_seconds t) { return {t.time_since_epoch().count() * 1'000'000'000, 0}; }
sys_seconds seconds_of(const instant& t) { return sys_seconds{std::chrono::seconds{t.seconds()}}; }
std::string text_of(sys_seconds t) { return format_rfc3339(instant_of(t)); }

std::optional<sys_seconds> time_of(const json& text) {
  if (!text.is_string()) return std::nullopt;
  const auto t = parse_instant(text.get<std::string>());
  if (!t) return std::nullopt;
  return seconds_of(*t);
}

std::optional<sys_seconds> time_of(const json& bookmark, const char* key) {
  if (!bookmark.is_object() || !bookmark.contains(key)) return std::nullopt;
  return time_of(bookmark[key]);
}

// [from, to) cut into windows of at most `days` days (and max_window).
json windows(sys_seconds from, sys_seconds to, int days) {
  json out = json::array();
  const auto step = std::min<std::chrono::seconds>(std::chrono::seconds{days * day_s}, max_window);
  for (auto start = from; to - start >= one_second; start += step)
    out.push_back({text_of(start), text_of(std::min(start + step, to))});
  return out;
}

// Windows from `from`, but an export in flight (bookmark "window") keeps its
// exact window, even if "now" has moved since, so its job is reused.
json plan_windows(sys_seconds from, sys_seconds to, int days, const json& bookmark) {
  if (bookmark.is_object() && bookmark.contains("export") && bookmark.contains("window") &&
      bookmark["window"].is_array() && bookmark["window"].size() == 2) {
    const auto a = time_of(bookmark["window"][0]);
    const auto b = time_of(bookmark["window"][1]);
    if (a && b && *a == from && *b > *a) {
      json out = json::array({bookmark["window"]});
      for (const auto& w : windows(*b, to, days)) out.push_back(w);
      return out;
    }
  }
  return windows(from, to, days);
}

// The export filter of window [a, b): {startAt: a - 1 s, endAt: b}.
// [GUESS: the docs do not say whether startAt and endAt are inclusive.]
// Asked this way (Marketo's dates are whole seconds), every record of
// [a, b) is in the answer whichever bound is inclusive; window_gate then
// delivers exactly [a, b) minus what the bookmark already holds, so
// consecutive windows overlap on the server and never on the topic.
// `window` holds two readable times (walk_windows checks).
json export_range(const json& window) {
  return {{"startAt", text_of(*time_of(window[0]) - one_second)}, {"endAt", text_of(*time_of(window[1]))}};
}

// Which rows of the window being exported are delivered: those the
// boundary admits (at or after the window's start, minus the keys the
// bookmark already holds there) and before the window's end (a row stamped
// exactly at the end belongs to the next window, which asks from a second
// before it). A row whose date is unreadable is delivered: it cannot be
// placed, and dropping it could lose it.
struct window_gate {
  std::optional<boundary> since;
  instant end;

  bool admits(std::string_view when, std::string_view key) {
    const auto t = parse_instant(when);
    if (!t) return true;
    if (*t >= end) return false;
    // After the window's start nothing is held yet; at or before it the
    // boundary decides. (Its newest value is not needed: the bookmark after
    // a window is the window's end. Skipping it keeps a million-row file
    // free of per-row key bookkeeping.)
    return *t > since->since() || since->admit(*t, key);
  }
};

// A stream the plan runs, with where its columns come from (for errors).
struct planned_stream {
  stream_descriptor stream;
  std::string origin;
};

// Why each planned stream's column selection is refused: a column it names
// that no stream the same `columns` entry applies to has. An entry naming
// one stream must name its columns; a glob's columns apply to every stream
// it matches, to each where it has them, so only a column none of them has
// is refused (as the config check treats globs over columns known at load).
// Only the API knows leads' and activity streams' columns, so this runs at
// plan time, from the answers the plan already has.
std::map<std::string, std::string> refused_columns(const stream_selection& sel,
                                                   const std::vector<planned_stream>& planned) {
  std::map<std::string, std::string> out;
  for (const auto& p : planned) {
    const auto* cols = sel.columns_of(p.stream.name);
    if (cols == nullptr) continue;
    std::set<std::string, std::less<>> known;
    std::size_t others = 0;
    for (const auto& q : planned) {
      if (sel.columns_of(q.stream.name) != cols) continue;
      others += q.stream.name != p.stream.name;
      for (const auto& [name, _] : q.stream.schema["properties"].items()) known.insert(name);
    }
    std::string glob;
    for (const auto& [name, c] : sel.columns)
      if (&c == cols) glob = name;
    const std::vector<std::string_view> names(known.begin(), known.end());
    std::string message;
    for (const auto& c : *cols) {
      if (known.count(c) != 0) continue;
      message += (message.empty() ? "marketo: " : "; ");
      message += "no column \"" + c + "\" in " + p.stream.name + " (" + p.origin + ")";
      if (others > 0) message += " nor in any other stream \"" + glob + "\" selects";
      if (auto close = closest_name(c, names)) message += "; did you mean \"" + std::string(*close) + "\"?";
    }
    if (!message.empty()) out[p.stream.name] = std::move(message);
  }
  return out;
}

bool is_checksum_mismatch(const quarry::error& e) {
  return e.kind == error_kind::bad_payload && e.message.find("checksum mismatch") != std::string::npos;
}
bool is_gone(const quarry::error& e) {
  return e.message.find(": HTTP 404") != std::string::npos;
}

class marketo_connector final : public connector {
 public:
  explicit marketo_connector(marketo_options options) : options_(std::move(options)) {
    if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
  }

  std::string_view source() const override { return "marketo"; }

  std::vector<credential_rule> credentials() const override {
    return {{"client_id", true, false}, {"client_secret", true, true}};
  }

  std::vector<setting_rule> settings() const override {
    return {
        integer_setting("export_days", 1, 31, 31, "days per Bulk Extract window (Marketo allows 31)"),
        integer_setting("poll_interval_s", 1, 3600, 60, "seconds between export status polls"),
        integer_setting("export_timeout_s", 60, 7 * 86400, 10800,
                        "seconds after which one export is given up"),
        choice_setting("leads_filter", {"updatedAt", "createdAt"}, "updatedAt",
                       "the leads export's date filter; createdAt is also the automatic fallback "
                       "when the subscription answers 1035 (changes to older leads are then not seen)"),
        choice_setting("activities_via", {"bulk", "rest"}, "bulk",
                       "bulk (Bulk Extract) or rest (paging token and activities.json, 300 a page)"),
    };
  }

  quota_defaults default_quota() const override {
    quota_defaults q;
    q.daily_calls = 40'000;  // 80% of Marketo's usual 50,000 (tap-marketo's default)
    q.time_zone = "America/Chicago";
    q.reset_minutes = 0;
    q.windows = {{100, 20}};
    q.concurrency = 10;
    q.daily_bytes = std::int64_t{500} << 20;
    return q;
  }

  result<std::vector<stream_descriptor>> discover(session& s) override {
    api a(s, tokens_);
    std::vector<stream_descriptor> out;
    auto describe = a.get("/rest/v1/leads/describe.json");
    if (!describe) return std::move(describe).error();
    out.push_back(leads_stream(*describe));
    auto types = a.get("/rest/v1/activities/types.json");
    if (!types) return std::move(types).error();
    out.push_back(activity_types_stream());
    for (const auto& t : result_of(*types)) out.push_back(activity_stream(t));
    for (const auto& r : rest_streams()) out.push_back(r.descriptor());
    return out;
  }

  // leads' columns come from describe.json and activity streams from
  // activities/types.json: leads stands with its fixed columns only.
  offline_catalog catalog() const override {
    offline_catalog out;
    out.streams.push_back(leads_stream(json{{"result", json::array()}}));
    out.streams.push_back(activity_types_stream());
    for (const auto& r : rest_streams()) out.streams.push_back(r.descriptor());
    out.dynamic_columns = {"leads"};
    out.families = {"activities_*"};
    return out;
  }

  result<std::vector<task_spec>> plan(session& s, const bookmark_map& bookmarks) override {
    api a(s, tokens_);
    // Other apps spend the same daily calls: start from Marketo's own count.
    auto usage = a.get("/rest/v1/stats/usage.json");
    if (!usage) return std::move(usage).error();
    const auto usage_rows = result_of(*usage);
    if (!usage_rows.empty() && usage_rows[0].contains("total") && usage_rows[0]["total"].is_number_integer())
      s.report_usage(usage_rows[0]["total"].get<std::int64_t>());

    const auto& sel = s.job().selection;
    const auto now = std::chrono::floor<std::chrono::seconds>(options_.now());
    const auto start = time_of(json(s.job().start_date)).value_or(now - std::chrono::seconds{30 * day_s});
    const int days = std::clamp(setting_int(s, "export_days", 31), 1, 31);
    auto bookmark_of = [&](const std::string& stream) -> json {
      auto it = bookmarks.find({stream, ""});
      return it == bookmarks.end() ? json(nullptr) : it->second;
    };

    // Every stream this plan runs, with its schema: leads' from
    // describe.json, activity streams' from types.json (asked anyway: only
    // it can tell their names).
    std::vector<planned_stream> planned;
    if (sel.selected("leads")) {
      auto describe = a.get("/rest/v1/leads/describe.json");
      if (!describe) return std::move(describe).error();
      planned.push_back({leads_stream(*describe), "the account's describe.json"});
    }
    json types = json::array();
    {
      auto res = a.get("/rest/v1/activities/types.json");
      if (!res) return std::move(res).error();
      for (const auto& t : result_of(*res))
        if (t.is_object() && t.contains("id") && t["id"].is_number_integer()) types.push_back(t);
    }
    if (sel.selected("activity_types")) planned.push_back({activity_types_stream(), "its schema"});
    // Activity types in id order, up to 10 per export job.
    std::vector<json> chosen;
    for (const auto& t : types)
      if (sel.selected(activity_stream_name(t))) chosen.push_back(t);
    std::sort(chosen.begin(), chosen.end(),
              [](const json& x, const json& y) { return x.value("id", 0) < y.value("id", 0); });
    for (const auto& t : chosen)
      planned.push_back({activity_stream(t), "activity type " + std::to_string(t.value("id", 0)) +
                                                 "'s attributes and the fixed fields"});
    for (const auto& r : rest_streams())
      if (sel.selected(r.name)) planned.push_back({r.descriptor(), "its schema"});
    for (const auto& p : planned) s.declare(p.stream);

    // A stream with a column it lacks fails alone, before any export.
    const auto refused = refused_columns(sel, planned);
    std::vector<task_spec> tasks;
    auto refuse = [&](const std::string& stream) {
      const auto it = refused.find(stream);
      if (it == refused.end()) return false;
      task_spec t;
      t.stream = stream;
      t.params = {{"refused", it->second}};
      tasks.push_back(std::move(t));
      return true;
    };

    if (sel.selected("leads") && !refuse("leads")) {
      const auto& stream = planned.front().stream;
      const auto* cols = sel.columns_of("leads");
      json props = json::object();
      std::vector<std::string> fields;
      for (const auto& [name, prop] : stream.schema["properties"].items()) {
        const bool automatic = name == "id" || name == "updatedAt";  // key, replication key
        if (cols && !automatic && std::find(cols->begin(), cols->end(), name) == cols->end()) continue;
        fields.push_back(name);
        props[name] = prop;
      }
      task_spec t;
      t.stream = "leads";
      t.bookmark = bookmark_of("leads");
      const auto from = time_of(t.bookmark, "updatedAt").value_or(start);
      std::string filter = setting_string(s, "leads_filter", "updatedAt");
      if (t.bookmark.is_object() && t.bookmark.value("filter", "") == "createdAt") filter = "createdAt";
      t.params = {{"windows", plan_windows(from, now, days, t.bookmark)},
                  {"from", text_of(from)},
                  {"fields", fields},
                  {"properties", props},
                  {"filter", filter}};
      tasks.push_back(std::move(t));
    }

    if (sel.selected("activity_types") && !refuse("activity_types")) {
      task_spec t;
      t.stream = "activity_types";
      t.params = {{"types", types}};
      tasks.push_back(std::move(t));
    }

    // Where an activity type had got to: the newest bookmark of a group
    // that carried it or held it (below); else one of its stream alone, as
    // tap-marketo's state has it (imported with --state: {"activityDate",
    // "export_id"?, ...}, its export not reused); else the start date.
    auto position_of = [&](const json& type) {
      const auto id = type.value("id", 0);
      std::optional<sys_seconds> newest;
      for (const auto& [key, b] : bookmarks) {
        if (key.first.rfind("activities_", 0) != 0 || !b.is_object()) continue;
        std::optional<sys_seconds> t;
        const auto ids = b.value("activity_type_ids", json::array());
        if (ids.is_array() && std::find(ids.begin(), ids.end(), id) != ids.end())
          t = time_of(b, "activityDate").value_or(start);
        else if (const auto held = b.value("held", json::object()); held.is_object() && held.contains(std::to_string(id)))
          t = time_of(held[std::to_string(id)]).value_or(start);
        if (t) newest = newest ? std::max(*newest, *t) : *t;
      }
      if (newest) return *newest;
      if (auto own = bookmarks.find({activity_stream_name(type), ""}); own != bookmarks.end())
        return time_of(own->second, "activityDate").value_or(start);
      return start;
    };
    // A refused type leaves its group. Where it had got to rides in every
    // group's bookmarks ("held": {id: time}), as the bookmark it had may be
    // overwritten by a group without it, so that it resumes there, not from
    // the start date, once its columns are fixed.
    std::vector<json> grouped;
    json held = json::object();
    for (const auto& t : chosen) {
      if (refuse(activity_stream_name(t)))
        held[std::to_string(t.value("id", 0))] = text_of(position_of(t));
      else
        grouped.push_back(t);
    }
    for (std::size_t g = 0; g < grouped.size(); g += 10) {
      task_spec t;
      json group = json::array();
      json ids = json::array();
      std::optional<sys_seconds> from;
      for (std::size_t i = g; i < std::min(g + 10, grouped.size()); ++i) {
        const auto& type = grouped[i];
        const auto name = activity_stream_name(type);
        if (i == g) t.stream = name; else t.emits.push_back(name);
        group.push_back(type);
        ids.push_back(type.value("id", 0));
        const auto mine = position_of(type);
        from = from ? std::min(*from, mine) : mine;
      }
      t.bookmark = bookmark_of(t.stream);
      if (!t.bookmark.is_object() || t.bookmark.value("activity_type_ids", json::array()) != ids)
        t.bookmark = nullptr;  // a different group: its in-flight export is not ours
      t.params = {{"types", group}, {"activity_type_ids", ids}, {"from", text_of(*from)},
                  {"windows", plan_windows(*from, now, days, t.bookmark)}};
      if (!held.empty()) t.params["held"] = held;
      tasks.push_back(std::move(t));
    }

    for (const auto& r : rest_streams()) {
      if (!sel.selected(r.name) || refuse(r.name)) continue;
      task_spec t;
      t.stream = r.name;
      t.bookmark = bookmark_of(r.name);
      t.params = {{"start_date", text_of(start)}};
      tasks.push_back(std::move(t));
    }
    return tasks;
  }

  status run(const task_spec& given, session& s) override {
    // params from an older version (or none) must not throw below.
    task_spec task = given;
    if (!task.params.is_object()) task.params = json::object();
    if (const auto refused = task.params.find("refused"); refused != task.params.end() && refused->is_string())
      return make_error(error_kind::fatal, refused->get<std::string>());
    api a(s, tokens_);
    if (task.stream == "leads") return run_leads(task, a);
    if (task.stream == "activity_types") return run_activity_types(task, a);
    if (task.stream.rfind("activities_", 0) == 0) {
      if (setting_string(s, "activities_via", "bulk") == "rest") return run_activities_rest(task, a);
      return run_activities_bulk(task, a);
    }
    for (const auto& r : rest_streams())
      if (r.name == task.stream) return run_rest(task, r, a);
    return make_error(error_kind::fatal, "marketo: unknown stream " + task.stream);
  }

 private:
  // body[key] when it is a string, else "".
  static std::string string_of(const json& body, const char* key) {
    const auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string{};
  }
  static json result_of(const json& body) {
    if (body.contains("result") && body["result"].is_array()) return body["result"];
    return json::array();
  }
  static int setting_int(session& s, const char* key, int fallback) {
    const auto& st = s.job().settings;
    if (st.is_object() && st.contains(key) && st[key].is_number()) return st[key].get<int>();
    return fallback;
  }
  static std::string setting_string(session& s, const char* key, const std::string& fallback) {
    const auto& st = s.job().settings;
    if (st.is_object() && st.contains(key) && st[key].is_string()) return st[key].get<std::string>();
    return fallback;
  }

  export_options export_settings(session& s) const {
    export_options o;
    o.poll_interval = options_.poll_interval.value_or(
        std::chrono::milliseconds{std::int64_t{setting_int(s, "poll_interval_s", 60)} * 1000});
    o.timeout = std::chrono::milliseconds{std::int64_t{setting_int(s, "export_timeout_s", 10'800)} * 1000};
    o.checkpoint_rows = options_.checkpoint_rows;
    return o;
  }

  using body_fn = std::function<json(const json& window)>;

  // Exports `windows` in order into `on_row`, with `gate` set to each
  // window in turn (the first one's boundary from the bookmark `resume`,
  // at `from`). While one window's file downloads, the next window's job is
  // already created and queued, so Marketo processes it meanwhile; its id
  // rides in the bookmark ("next") so that a crash does not orphan it.
  // `base` is the bookmark between windows, `mark` its field for how far
  // the windows reached: {mark: end of the last finished window, keys_at: []}.
  status walk_windows(api& a, bulk_export& bx, json base, const char* mark, const json& windows,
                      const json& resume, const std::string& from, window_gate& gate, const body_fn& body_of,
                      const bulk_export::row_fn& on_row, std::string* filter) {
    auto& s = a.s();
    for (const auto& window : windows)
      if (!window.is_array() || window.size() != 2 || !time_of(window[0]) || !time_of(window[1]))
        return make_error(error_kind::fatal, "marketo " + bx.entity() + ": unreadable export window " +
                                                 window.dump().substr(0, 80));
    if (windows.empty()) return {};
    auto resumed = boundary::resume(resume, mark, from.empty() ? windows[0][0].get<std::string>() : from);
    if (!resumed) return std::move(resumed).error();
    std::vector<json> todo;
    for (const auto& window : windows)
      if (instant_of(*time_of(window[1])) > resumed->since()) todo.push_back(window);
    json next = resume.is_object() ? resume.value("next", json()) : json();
    if (next.is_object() &&
        std::find(todo.begin(), todo.end(), next.value("window", json())) == todo.end()) {
      bx.cancel(next.value("id", std::string{}));  // planned for a window that changed since
      next = nullptr;
    }
    for (std::size_t i = 0; i < todo.size(); ++i) {
      if (s.cancelled()) return make_error(error_kind::cancelled, "marketo " + bx.entity() + ": cancelled");
      for (const char* k : {"export", "window", "next"}) base.erase(k);
      if (i == 0) {
        gate.since = *resumed;
      } else {
        gate.since.emplace(mark, instant_of(*time_of(todo[i][0])));
      }
      gate.end = instant_of(*time_of(todo[i][1]));
      const json* following = i + 1 < todo.size() ? &todo[i + 1] : nullptr;
      if (auto st = export_window(a, bx, base, todo[i], resume, next, following, body_of, on_row, filter); !st)
        return st;
      base.update(boundary(mark, gate.end).bookmark());
      if (filter) base["filter"] = *filter;
      json b = base;
      if (next.is_object()) b["next"] = next;
      if (auto st = s.checkpoint(b); !st) return st;
    }
    return {};
  }

  // Runs one bulk export window: creates it (or resumes the one in the
  // bookmark, or the one queued ahead in `next`), waits, queues the job of
  // the `following` window, streams the file into `on_row`. `base` is the
  // bookmark that holds before the window; the export progress is added.
  status export_window(api& a, bulk_export& bx, const json& base, const json& window, const json& resume,
                       json& next, const json* following, const body_fn& body_of,
                       const bulk_export::row_fn& on_row, std::string* filter) {
    auto& s = a.s();
    auto with = [&](const export_progress* p) {
      json b = base;
      if (filter) b["filter"] = *filter;
      if (p) {
        b["export"] = p->to_json();
        b["window"] = window;
      }
      if (next.is_object()) b["next"] = next;
      return b;
    };
    export_progress progress;
    if (resume.is_object() && resume.value("window", json()) == window && resume.contains("export")) {
      progress = export_progress::from_json(resume["export"]);
    } else if (next.is_object() && next.value("window", json()) == window) {
      progress.id = next.value("id", std::string{});
      next = nullptr;
    }
    bool resumed = !progress.id.empty();
    json completed;
    // A job that ends Failed or Cancelled (by Marketo or an admin) is
    // replaced by a new one, a few times, before the task gives up.
    for (int attempt = 1;; ++attempt) {
      if (progress.id.empty()) {
        auto created = bx.create(body_of(window));
        if (!created) return std::move(created).error();
        if (created->filter_unsupported && filter && *filter == "updatedAt") {
          s.warn("leads: this subscription refuses the updatedAt filter (1035); exporting by "
                 "createdAt instead, so changes to older leads are not seen (ask Marketo to "
                 "enable it)");
          *filter = "createdAt";
          created = bx.create(body_of(window));
          if (!created) return std::move(created).error();
        }
        if (created->filter_unsupported)
          return make_error(error_kind::fatal, "marketo: export filter refused (1035)");
        progress.id = created->id;
        if (auto st = s.checkpoint(with(&progress)); !st) return st;
        if (auto st = bx.enqueue(progress.id); !st) return st;
      }
      auto done = bx.wait_completed(progress.id);
      if (done) {
        completed = std::move(*done);
        break;
      }
      auto err = std::move(done).error();
      const bool dead = err.kind == error_kind::retriable && err.message.find(" export ") != std::string::npos &&
                        (err.message.find("Failed") != std::string::npos ||
                         err.message.find("Cancel") != std::string::npos);
      // The bookmarked job is unknown now (status kept 30 days, files 7).
      const bool forgotten = resumed && err.kind == error_kind::fatal;
      if (!dead && !forgotten) return err;
      // Forget the job so that a new one exports the window.
      progress = export_progress{};
      resumed = false;
      if (auto st = s.checkpoint(with(nullptr)); !st) return st;
      if (forgotten) err.kind = error_kind::retriable;
      if (attempt >= 3) return err;
      s.warn(err.message + "; exporting the window again");
    }
    if (following && !next.is_object()) {
      // Queue the next window now. If Marketo refuses (queue full, quota),
      // that window is created in its turn as usual.
      auto created = bx.create(body_of(*following));
      if (created && !created->filter_unsupported) {
        next = {{"window", *following}, {"id", created->id}};
        if (auto st = s.checkpoint(with(&progress)); !st) return st;
        (void)bx.enqueue(created->id);  // refused: a later poll that sees Created enqueues it
      }
    }
    // An empty window's file is its header alone: not worth a call.
    if (completed.is_object() && completed.contains("numberOfRecords") &&
        completed["numberOfRecords"].is_number_integer() && completed["numberOfRecords"].get<std::int64_t>() == 0)
      return {};
    auto st = bx.download(
        completed, progress, on_row, [&](const export_progress& p) { return s.checkpoint(with(&p)); },
        [&](const csv::problem& p) {
          s.warn(std::string(window[0]) + " export " + progress.id + ": malformed row skipped, " +
                              p.describe());
        });
    if (!st) {
      auto err = std::move(st).error();
      if (is_checksum_mismatch(err) || is_gone(err)) {
        // Start the window again: the file is wrong or no longer kept.
        if (auto c = s.checkpoint(with(nullptr)); !c) return c;
        err.kind = error_kind::retriable;
      }
      return err;
    }
    if (progress.malformed > 0)
      s.warn("export " + progress.id + ": " + std::to_string(progress.malformed) +
                          " malformed rows skipped of " + std::to_string(progress.rows + progress.malformed));
    return {};
  }

  // The index of `name` in `header` (header.size() when absent).
  static std::size_t column_of(const std::vector<std::string>& header, std::string_view name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  }

  status run_leads(const task_spec& task, api& a) {
    auto& s = a.s();
    bulk_export bx(a, "leads", export_settings(s));
    std::string filter = task.params.value("filter", std::string{"updatedAt"});
    const json props = task.params.value("properties", json::object());
    const json fields = task.params.value("fields", json::array());
    const json windows = task.params.value("windows", json::array());
    // The export holds the selected columns (and createdAt when the windows
    // are by createdAt, to place each row; left out of the record unless
    // selected): rows go out as JSON text without a DOM.
    window_gate gate;
    std::optional<lead_row_writer> writer;
    std::vector<std::string> writer_header;
    std::string writer_filter;
    std::size_t id_at = 0, when_at = 0;
    std::string key_json, record_json;
    const bulk_export::row_fn on_row = [&](const std::vector<std::string>& header,
                                           const std::vector<std::string>& values,
                                           std::int64_t line) -> status {
      if (!writer || header != writer_header || filter != writer_filter) {
        writer.emplace(header, props);
        writer_header = header;
        writer_filter = filter;
        id_at = column_of(header, "id");
        when_at = column_of(header, filter);
      }
      if (id_at >= values.size() || when_at >= values.size() || !gate.admits(values[when_at], values[id_at]))
        return {};
      if (!writer->write(values, key_json, record_json)) {
        s.warn("leads: line " + std::to_string(line) + " has no id; skipped");
        return {};
      }
      return s.emit_serialized("leads", key_json, record_json);
    };
    const body_fn body_of = [&](const json& window) {
      json exported = fields;
      if (std::find(exported.begin(), exported.end(), filter) == exported.end()) exported.push_back(filter);
      return json{{"format", "CSV"}, {"fields", exported}, {"filter", {{filter, export_range(window)}}}};
    };
    return walk_windows(a, bx, task.bookmark.is_object() ? task.bookmark : json::object(), "updatedAt", windows,
                        task.bookmark, task.params.value("from", std::string{}), gate, body_of, on_row, &filter);
  }

  struct activity_kind {
    json type;
    std::string stream;
    json properties;
  };

  std::map<std::int64_t, activity_kind> kinds_of(const task_spec& task) {
    std::map<std::int64_t, activity_kind> out;
    for (const auto& t : task.params.value("types", json::array())) {
      const auto d = activity_stream(t);
      out[t.value("id", std::int64_t{0})] = {t, d.name, d.schema["properties"]};
    }
    return out;
  }

  // A group's bookmark keeps the positions of the refused types the plan
  // gave it (plan: "held"), and no older ones.
  static void hold(json& bookmark, const task_spec& task) {
    if (const auto held = task.params.find("held"); held != task.params.end() && held->is_object())
      bookmark["held"] = *held;
    else
      bookmark.erase("held");
  }

  // The committed bookmark of an activity group's task, when it is this
  // group's (the stream's bookmark may be another group's).
  static json group_bookmark(const task_spec& task, const json& ids) {
    return task.bookmark.is_object() && task.bookmark.value("activity_type_ids", json()) == ids ? task.bookmark
                                                                                                  : json(nullptr);
  }

  status run_activities_bulk(const task_spec& task, api& a) {
    auto& s = a.s();
    bulk_export bx(a, "activities", export_settings(s));
    const auto kinds = kinds_of(task);
    const json ids = task.params.value("activity_type_ids", json::array());
    const json mine = group_bookmark(task, ids);
    std::int64_t unknown = 0;
    // Rows go out as JSON text without a DOM, unless a stream of the group
    // has a column selection (then through emit(), which applies it).
    bool selective = false;
    for (const auto& [id, k] : kinds) selective = selective || s.job().selection.columns_of(k.stream) != nullptr;
    window_gate gate;
    std::optional<activity_row_writer> writer;
    std::vector<std::string> writer_header;
    std::size_t guid_at = 0, date_at = 0;
    std::string key_json, record_json;
    const bulk_export::row_fn on_row = [&](const std::vector<std::string>& header,
                                           const std::vector<std::string>& values, std::int64_t line) -> status {
      if (!writer || header != writer_header) {
        writer.emplace(header);
        for (const auto& [id, k] : kinds) writer->add_type(k.type, k.stream);
        writer_header = header;
        guid_at = column_of(header, "marketoGUID");
        date_at = column_of(header, "activityDate");
      }
      if (guid_at < values.size() && date_at < values.size() && !gate.admits(values[date_at], values[guid_at]))
        return {};
      const auto type_id = writer->type_of(values);
      auto it = kinds.find(type_id);
      if (it == kinds.end()) {
        if (++unknown == 1)
          s.warn("activities: line " + std::to_string(line) + " has activity type " +
                 std::to_string(type_id) + ", not in this export's types; skipped");
        return {};
      }
      if (!selective) {
        const std::string* stream = nullptr;
        if (!writer->write(values, stream, key_json, record_json)) {
          s.warn("activities: line " + std::to_string(line) + " has no marketoGUID; skipped");
          return {};
        }
        return s.emit_serialized(*stream, key_json, record_json);
      }
      json raw = json::object();
      for (std::size_t i = 0; i < header.size() && i < values.size(); ++i) raw[header[i]] = values[i];
      return s.emit(it->second.stream, activity_record(raw, it->second.type, it->second.properties));
    };
    json base = mine.is_object() ? mine : json::object();
    base["activity_type_ids"] = ids;
    hold(base, task);
    const body_fn body_of = [&](const json& window) {
      return json{{"format", "CSV"}, {"filter", {{"createdAt", export_range(window)}, {"activityTypeIds", ids}}}};
    };
    return walk_windows(a, bx, base, "activityDate", task.params.value("windows", json::array()), mine,
                        task.params.value("from", std::string{}), gate, body_of, on_row, nullptr);
  }

  // Activities through REST: a paging token from sinceDatetime, then pages
  // of up to 300 while moreResult. [GUESS: the docs do not say whether
  // sinceDatetime is inclusive, nor in which order activities come; they
  // come oldest first in every answer seen.] The token is asked from a
  // second before the bookmark and the boundary drops what it holds, so
  // either reading of sinceDatetime delivers each activity once; the
  // bookmark after each page is the newest activity and the keys at it,
  // with the token of the next page.
  status run_activities_rest(const task_spec& task, api& a) {
    auto& s = a.s();
    const auto kinds = kinds_of(task);
    const json ids = task.params.value("activity_type_ids", json::array());
    std::string id_list;
    for (const auto& id : ids) id_list += (id_list.empty() ? "" : ",") + id.dump();
    const json mine = group_bookmark(task, ids);
    auto since = boundary::resume(mine, "activityDate", task.params.value("from", std::string{}));
    if (!since) return std::move(since).error();
    auto bookmark = [&](const std::string& token) {
      json b = since->bookmark();
      b["activity_type_ids"] = ids;
      hold(b, task);
      if (!token.empty()) b["next_page_token"] = token;
      return b;
    };
    std::string first;
    if (mine.is_object() && mine.value("next_page_token", json()).is_string())
      first = mine["next_page_token"].get<std::string>();
    if (first.empty()) {
      auto res = a.get("/rest/v1/activities/pagingtoken.json",
                       "sinceDatetime=" + url_encode(format_rfc3339(since->query_after(one_second), 0)));
      if (!res) return std::move(res).error();
      first = string_of(*res, "nextPageToken");
      if (first.empty())
        return make_error(error_kind::bad_payload, "marketo GET /rest/v1/activities/pagingtoken.json: no nextPageToken");
    }
    auto pages = paginator::token("marketo GET /rest/v1/activities.json", first);
    for (;;) {
      if (s.cancelled()) return make_error(error_kind::cancelled, "marketo activities: cancelled");
      auto res = a.get("/rest/v1/activities.json", "activityTypeIds=" + url_encode(id_list) +
                                                       "&nextPageToken=" + url_encode(pages.cursor()) +
                                                       "&batchSize=300");
      if (!res) return std::move(res).error();
      const auto rows = result_of(*res);
      for (const auto& act : rows) {
        if (!act.is_object()) continue;
        auto it = kinds.find(act.value("activityTypeId", std::int64_t{0}));
        if (it == kinds.end()) continue;
        const auto when = parse_instant(string_of(act, "activityDate"));
        const auto& guid = act.value("marketoGUID", json());
        if (when && !since->admit(*when, guid.is_string() ? guid.get<std::string>() : guid.dump())) continue;
        if (auto st = s.emit(it->second.stream, activity_record(act, it->second.type, it->second.properties)); !st)
          return st;
      }
      // "This endpoint always returns nextPageToken"; moreResult says whether
      // to go on, even after a page shorter than batchSize.
      auto more = pages.next_cursor(string_of(*res, "nextPageToken"), res->value("moreResult", json()) != true);
      if (!more) return std::move(more).error();
      if (!*more) break;
      if (auto st = s.checkpoint(bookmark(pages.cursor())); !st) return st;
    }
    return s.checkpoint(bookmark(""));
  }

  status run_activity_types(const task_spec& task, api& a) {
    auto& s = a.s();
    json types = task.params.value("types", json());
    if (!types.is_array()) {
      auto res = a.get("/rest/v1/activities/types.json");
      if (!res) return std::move(res).error();
      types = result_of(*res);
    }
    for (const auto& t : types)
      if (auto st = s.emit("activity_types", t); !st) return st;
    return s.checkpoint({{"full_table_completed", true}});
  }

  // campaigns, lists (the whole list by nextPageToken, filtered here) and
  // programs (a server-side updatedAt range by offset). Both deliver only
  // what changed before `until`, the run's start: a record stamped at or
  // after it may change again unseen in the same second, so it waits for
  // the next run. Bookmarks: campaigns and lists the newest record
  // delivered and the ids at it; programs `until`.
  status run_rest(const task_spec& task, const rest_stream& r, api& a) {
    auto& s = a.s();
    auto since = boundary::resume(task.bookmark, "updatedAt", task.params.value("start_date", std::string{}));
    if (!since) return std::move(since).error();
    const auto until = instant_of(std::chrono::floor<std::chrono::seconds>(options_.now()));
    const json props = r.descriptor().schema["properties"];
    const auto deliver = [&](json& rec) -> status {
      if (!rec.is_object()) return {};
      const auto& id = rec.value("id", json());
      const auto when = parse_instant(string_of(rec, "updatedAt"));
      if (when && (*when >= until || !since->admit(*when, id.dump()))) return {};
      normalise_date_times(rec, props);
      return s.emit(r.name, rec);
    };
    const std::string what = "marketo GET " + r.path;
    if (r.pager == paging::offset_until_warning) {
      // [GUESS: the docs do not say whether earliestUpdatedAt and
      // latestUpdatedAt are inclusive.] The range starts a second before the
      // bookmark and ends at `until`, pinned so that paging sees one set.
      if (since->since() >= until) return {};  // a future start answers 701
      const std::string range = "&" + r.earliest_param + "=" +
                                url_encode(format_rfc3339(since->query_after(one_second), 0)) + "&" +
                                r.latest_param + "=" + url_encode(format_rfc3339(until));
      // Offsets 0, n, 2n ... until the "No assets found" warning or an empty
      // page (a short page is not taken as the end: tap-marketo does not).
      auto pages = paginator::page_number(what, 0, 0);
      for (;;) {
        if (s.cancelled()) return make_error(error_kind::cancelled, "marketo " + r.name + ": cancelled");
        auto res = a.get(r.path, "maxReturn=" + std::to_string(r.page_size) +
                                     "&offset=" + std::to_string(pages.page() * r.page_size) + range);
        if (!res) return std::move(res).error();
        bool end = false;
        for (const auto& w : res->value("warnings", json::array()))
          if (w.is_string() && w.get<std::string>().find("No assets found") != std::string::npos) end = true;
        auto rows = result_of(*res);
        for (auto& rec : rows)
          if (auto st = deliver(rec); !st) return st;
        std::string fingerprint;
        if (!rows.empty() && rows.front().is_object() && rows.back().is_object())
          fingerprint = rows.front().value("id", json()).dump() + "/" + rows.back().value("id", json()).dump();
        auto more = pages.next_page(rows.size(), fingerprint, end);
        if (!more) return std::move(more).error();
        if (!*more) break;
      }
      // Every program stamped before `until` is delivered: the next run
      // starts there (and its first page is the "No assets" answer when
      // nothing changed).
      return s.checkpoint(boundary("updatedAt", until).bookmark());
    }
    // No date filter on the server: the whole list every run, one
    // transaction (a few pages; a failed scan starts again).
    auto pages = paginator::token(what);
    for (;;) {
      if (s.cancelled()) return make_error(error_kind::cancelled, "marketo " + r.name + ": cancelled");
      std::string query = "batchSize=" + std::to_string(r.page_size);
      if (!pages.cursor().empty()) query += "&nextPageToken=" + url_encode(pages.cursor());
      auto res = a.get(r.path, query);
      if (!res) return std::move(res).error();
      auto rows = result_of(*res);
      for (auto& rec : rows)
        if (auto st = deliver(rec); !st) return st;
      auto more = pages.next_cursor(string_of(*res, "nextPageToken"));
      if (!more) return std::move(more).error();
      if (!*more) break;
    }
    return s.checkpoint(since->bookmark());
  }

  marketo_options options_;
  token_holder tokens_;
};

} // namespace

std::unique_ptr<connector> make_marketo_connector(marketo_options options) {
  return std::make_unique<marketo_connector>(std::move(options));
}

} // namespace quarry::connectors
