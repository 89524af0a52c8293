#include "connectors/marketo/marketo_connector.hpp"

#include "connectors/marketo/marketo_api.hpp"
#include "connectors/marketo/marketo_streams.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <optional>

namespace quarry::connectors {
namespace {

using nlohmann::json;
using namespace marketo;
using http::url_encode;
using sys_seconds = std::chrono::sys_seconds;

constexpr std::int64_t day_s = 86'400;

// RFC 3339 / ISO 8601 ("2024-05-01T00:00:00Z", "...+00:00", "...-0800",
// fractions ignored) -> seconds since the epoch.
std::optional<sys_seconds> parse_time(const std::string& text) {
  int y, mo, d, h = 0, mi = 0, s = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) < 6) {
    used = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &used) < 3) return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::int64_t t = static_cast<std::int64_t>(timegm(&tm));
  std::size_t i = static_cast<std::size_t>(used);
  if (i < text.size() && text[i] == '.')
    while (++i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {}
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    const int sign = text[i] == '+' ? 1 : -1;
    int oh = 0, om = 0;
    if (std::sscanf(text.c_str() + i + 1, "%2d:%2d", &oh, &om) == 2 ||
        std::sscanf(text.c_str() + i + 1, "%2d%2d", &oh, &om) >= 1)
      t -= sign * (oh * 3600 + om * 60);
  }
  return sys_seconds{std::chrono::seconds{t}};
}

std::string format_time(sys_seconds t) {
  const std::time_t tt = static_cast<std::time_t>(t.time_since_epoch().count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<sys_seconds> time_of(const json& bookmark, const char* key) {
  if (!bookmark.is_object() || !bookmark.contains(key) || !bookmark[key].is_string())
    return std::nullopt;
  return parse_time(bookmark[key].get<std::string>());
}

// [from, to) cut into windows of at most `days` days. A last window under
// 2 s waits for the next run: its inclusive end would not be after its start.
json windows(sys_seconds from, sys_seconds to, int days) {
  json out = json::array();
  const std::chrono::seconds step{days * day_s};
  for (auto start = from; to - start >= std::chrono::seconds{2}; start += step)
    out.push_back({format_time(start), format_time(std::min(start + step, to))});
  return out;
}

// Windows from `from`, but an export in flight (bookmark "window") keeps its
// exact window, even if "now" has moved since, so its job is reused.
json plan_windows(sys_seconds from, sys_seconds to, int days, const json& bookmark) {
  if (bookmark.is_object() && bookmark.contains("export") && bookmark.contains("window") &&
      bookmark["window"].is_array() && bookmark["window"].size() == 2 && bookmark["window"][0].is_string() &&
      bookmark["window"][1].is_string()) {
    const auto a = parse_time(bookmark["window"][0].get<std::string>());
    const auto b = parse_time(bookmark["window"][1].get<std::string>());
    if (a && b && *a == from && *b > *a) {
      json out = json::array({bookmark["window"]});
      for (const auto& w : windows(*b, to, days)) out.push_back(w);
      return out;
    }
  }
  return windows(from, to, days);
}

// Marketo's endAt is inclusive and its dates are whole seconds: a window
// [a, b) asks for a .. b-1s, so a record stamped b is exported once.
std::string inclusive_end(const json& end) {
  const auto t = parse_time(end.get<std::string>());
  return t ? format_time(*t - std::chrono::seconds{1}) : end.get<std::string>();
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

  std::vector<credential_spec> credentials() const override {
    return {{"client_id", true, false}, {"client_secret", true, true}};
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
    const auto start = parse_time(s.job().start_date).value_or(now - std::chrono::seconds{30 * day_s});
    const int days = std::clamp(setting_int(s, "export_days", 31), 1, 31);
    auto bookmark_of = [&](const std::string& stream) -> json {
      auto it = bookmarks.find({stream, ""});
      return it == bookmarks.end() ? json(nullptr) : it->second;
    };
    std::vector<task_spec> tasks;

    if (sel.selected("leads")) {
      auto describe = a.get("/rest/v1/leads/describe.json");
      if (!describe) return std::move(describe).error();
      const auto stream = leads_stream(*describe);
      s.declare(stream);
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
                  {"fields", fields},
                  {"properties", props},
                  {"filter", filter}};
      tasks.push_back(std::move(t));
    }

    bool want_activities = sel.selected("activity_types");
    json types = json::array();
    {
      // Any activities_* stream selected? Only types.json can tell their names.
      auto res = a.get("/rest/v1/activities/types.json");
      if (!res) return std::move(res).error();
      for (const auto& t : result_of(*res))
        if (t.is_object() && t.contains("id") && t["id"].is_number_integer()) types.push_back(t);
      for (const auto& t : types) want_activities = want_activities || sel.selected(activity_stream_name(t));
    }
    if (sel.selected("activity_types")) {
      s.declare(activity_types_stream());
      task_spec t;
      t.stream = "activity_types";
      t.params = {{"types", types}};
      tasks.push_back(std::move(t));
    }
    // Activity types in id order, up to 10 per export job.
    std::vector<json> chosen;
    for (const auto& t : types)
      if (sel.selected(activity_stream_name(t))) chosen.push_back(t);
    std::sort(chosen.begin(), chosen.end(),
              [](const json& x, const json& y) { return x.value("id", 0) < y.value("id", 0); });
    for (std::size_t g = 0; g < chosen.size(); g += 10) {
      task_spec t;
      json group = json::array();
      json ids = json::array();
      std::optional<sys_seconds> from;
      for (std::size_t i = g; i < std::min(g + 10, chosen.size()); ++i) {
        const auto& type = chosen[i];
        s.declare(activity_stream(type));
        const auto name = activity_stream_name(type);
        if (i == g) t.stream = name; else t.emits.push_back(name);
        group.push_back(type);
        ids.push_back(type.value("id", 0));
        // The bookmark of whichever group carried this type last time; else
        // one of this stream alone, as tap-marketo's state has it (imported
        // with --state: {"activityDate", "export_id"?, ...}, its export not reused).
        auto mine = start;
        bool grouped = false;
        for (const auto& [key, b] : bookmarks) {
          if (key.first.rfind("activities_", 0) != 0 || !b.is_object() || !b.contains("activity_type_ids")) continue;
          const auto& had = b["activity_type_ids"];
          if (std::find(had.begin(), had.end(), type.value("id", 0)) != had.end()) {
            mine = time_of(b, "activityDate").value_or(start);
            grouped = true;
          }
        }
        if (auto own = bookmarks.find({name, ""}); !grouped && own != bookmarks.end())
          mine = time_of(own->second, "activityDate").value_or(start);
        from = from ? std::min(*from, mine) : mine;
      }
      t.bookmark = bookmark_of(t.stream);
      if (!t.bookmark.is_object() || t.bookmark.value("activity_type_ids", json::array()) != ids)
        t.bookmark = nullptr;  // a different group: its in-flight export is not ours
      t.params = {{"types", group}, {"activity_type_ids", ids}, {"from", format_time(*from)},
                  {"windows", plan_windows(*from, now, days, t.bookmark)}};
      tasks.push_back(std::move(t));
    }

    for (const auto& r : rest_streams()) {
      if (!sel.selected(r.name)) continue;
      s.declare(r.descriptor());
      task_spec t;
      t.stream = r.name;
      t.bookmark = bookmark_of(r.name);
      t.params = {{"start_date", format_time(start)}};
      tasks.push_back(std::move(t));
    }
    return tasks;
  }

  status run(const task_spec& given, session& s) override {
    // params from an older version (or none) must not throw below.
    task_spec task = given;
    if (!task.params.is_object()) task.params = json::object();
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

  // Exports `windows` in order into `on_row`. While one window's file
  // downloads, the next window's job is already created and queued, so
  // Marketo processes it meanwhile; its id rides in the bookmark ("next") so
  // that a crash does not orphan it. `base` is the bookmark between windows,
  // `mark` its key for how far the windows reached.
  status walk_windows(api& a, bulk_export& bx, json base, const char* mark, const json& windows,
                      const std::optional<sys_seconds>& done, const json& resume, const body_fn& body_of,
                      const bulk_export::row_fn& on_row, std::string* filter) {
    auto& s = a.s();
    std::vector<json> todo;
    for (const auto& window : windows) {
      const auto end = parse_time(window[1].get<std::string>());
      if (!(done && end && *end <= *done)) todo.push_back(window);
    }
    json next = resume.is_object() ? resume.value("next", json()) : json();
    if (next.is_object() &&
        std::find(todo.begin(), todo.end(), next.value("window", json())) == todo.end()) {
      bx.cancel(next.value("id", std::string{}));  // planned for a window that changed since
      next = nullptr;
    }
    for (std::size_t i = 0; i < todo.size(); ++i) {
      if (s.cancelled()) return make_error(error_kind::cancelled, "marketo " + bx.entity() + ": cancelled");
      for (const char* k : {"export", "window", "next"}) base.erase(k);
      const json* following = i + 1 < todo.size() ? &todo[i + 1] : nullptr;
      if (auto st = export_window(a, bx, base, todo[i], body_of(todo[i]), resume, next, following, body_of,
                                  on_row, filter);
          !st)
        return st;
      base[mark] = todo[i][1];
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
  status export_window(api& a, bulk_export& bx, const json& base, const json& window, json create_body,
                       const json& resume, json& next, const json* following, const body_fn& body_of,
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
        auto created = bx.create(create_body);
        if (!created) return std::move(created).error();
        if (created->filter_unsupported && filter && *filter == "updatedAt") {
          s.warn("leads: this subscription refuses the updatedAt filter (1035); exporting by "
                 "createdAt instead, so changes to older leads are not seen (ask Marketo to "
                 "enable it)");
          *filter = "createdAt";
          json f = create_body["filter"]["updatedAt"];
          create_body["filter"] = {{"createdAt", f}};
          created = bx.create(create_body);
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

  status run_leads(const task_spec& task, api& a) {
    auto& s = a.s();
    bulk_export bx(a, "leads", export_settings(s));
    std::string filter = task.params.value("filter", std::string{"updatedAt"});
    const json props = task.params.value("properties", json::object());
    const auto done = time_of(task.bookmark, "updatedAt");
    json fields = task.params.value("fields", json::array());
    // The export holds exactly the selected columns: rows go out as JSON
    // text without a DOM.
    std::optional<lead_row_writer> writer;
    std::vector<std::string> writer_header;
    std::string key_json, record_json;
    const bulk_export::row_fn on_row = [&](const std::vector<std::string>& header,
                                           const std::vector<std::string>& values,
                                           std::int64_t line) -> status {
      if (!writer || header != writer_header) {
        writer.emplace(header, props);
        writer_header = header;
      }
      if (!writer->write(values, key_json, record_json)) {
        s.warn("leads: line " + std::to_string(line) + " has no id; skipped");
        return {};
      }
      return s.emit_serialized("leads", key_json, record_json);
    };
    const body_fn body_of = [&](const json& window) {
      return json{{"format", "CSV"},
                  {"fields", fields},
                  {"filter", {{filter, {{"startAt", window[0]}, {"endAt", inclusive_end(window[1])}}}}}};
    };
    return walk_windows(a, bx, task.bookmark.is_object() ? task.bookmark : json::object(), "updatedAt",
                        task.params.value("windows", json::array()), done, task.bookmark, body_of, on_row,
                        &filter);
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

  status run_activities_bulk(const task_spec& task, api& a) {
    auto& s = a.s();
    bulk_export bx(a, "activities", export_settings(s));
    const auto kinds = kinds_of(task);
    const json ids = task.params.value("activity_type_ids", json::array());
    // The committed bookmark of this stream may be another group's.
    const json mine = task.bookmark.is_object() && task.bookmark.value("activity_type_ids", json()) == ids
                          ? task.bookmark
                          : json(nullptr);
    const auto done = time_of(mine, "activityDate");
    std::int64_t unknown = 0;
    // Rows go out as JSON text without a DOM, unless a stream of the group
    // has a column selection (then through emit(), which applies it).
    bool selective = false;
    for (const auto& [id, k] : kinds) selective = selective || s.job().selection.columns_of(k.stream) != nullptr;
    std::optional<activity_row_writer> writer;
    std::vector<std::string> writer_header;
    std::string key_json, record_json;
    const bulk_export::row_fn on_row = [&](const std::vector<std::string>& header,
                                           const std::vector<std::string>& values, std::int64_t line) -> status {
      if (!writer || header != writer_header) {
        writer.emplace(header);
        for (const auto& [id, k] : kinds) writer->add_type(k.type, k.stream);
        writer_header = header;
      }
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
    json base = json::object();
    base["activity_type_ids"] = ids;
    base["activityDate"] = done ? format_time(*done) : task.params.value("from", std::string{});
    const body_fn body_of = [&](const json& window) {
      return json{{"format", "CSV"},
                  {"filter",
                   {{"createdAt", {{"startAt", window[0]}, {"endAt", inclusive_end(window[1])}}},
                    {"activityTypeIds", ids}}}};
    };
    return walk_windows(a, bx, base, "activityDate", task.params.value("windows", json::array()), done, mine,
                        body_of, on_row, nullptr);
  }

  status run_activities_rest(const task_spec& task, api& a) {
    auto& s = a.s();
    const auto kinds = kinds_of(task);
    const json ids = task.params.value("activity_type_ids", json::array());
    std::string id_list;
    for (const auto& id : ids) id_list += (id_list.empty() ? "" : ",") + id.dump();
    const json mine = task.bookmark.is_object() && task.bookmark.value("activity_type_ids", json()) == ids
                          ? task.bookmark
                          : json(nullptr);
    std::string since = task.params.value("from", std::string{});
    if (auto t = time_of(mine, "activityDate")) since = format_time(*t);
    std::string token;
    if (mine.is_object() && mine.value("next_page_token", json()).is_string())
      token = mine["next_page_token"].get<std::string>();
    if (token.empty()) {
      auto res = a.get("/rest/v1/activities/pagingtoken.json", "sinceDatetime=" + url_encode(since));
      if (!res) return std::move(res).error();
      token = res->value("nextPageToken", std::string{});
      if (token.empty())
        return make_error(error_kind::bad_payload, "marketo GET /rest/v1/activities/pagingtoken.json: no nextPageToken");
    }
    std::string newest = since;
    for (;;) {
      if (s.cancelled()) return make_error(error_kind::cancelled, "marketo activities: cancelled");
      auto res = a.get("/rest/v1/activities.json", "activityTypeIds=" + url_encode(id_list) +
                                                       "&nextPageToken=" + url_encode(token) + "&batchSize=300");
      if (!res) return std::move(res).error();
      for (const auto& act : result_of(*res)) {
        auto it = kinds.find(act.value("activityTypeId", std::int64_t{0}));
        if (it == kinds.end()) continue;
        if (auto st = s.emit(it->second.stream, activity_record(act, it->second.type, it->second.properties)); !st)
          return st;
        const auto when = act.value("activityDate", std::string{});
        const auto tw = parse_time(when), tn = parse_time(newest);
        if (tw && (!tn || *tw > *tn)) newest = format_time(*tw);
      }
      // "This endpoint always returns nextPageToken"; moreResult says whether
      // to go on, even after a page shorter than batchSize.
      const bool more = res->value("moreResult", false);
      token = res->value("nextPageToken", std::string{});
      if (!more || token.empty()) break;
      if (auto st = s.checkpoint({{"activityDate", since}, {"activity_type_ids", ids}, {"next_page_token", token}});
          !st)
        return st;
    }
    return s.checkpoint({{"activityDate", newest}, {"activity_type_ids", ids}});
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

  status run_rest(const task_spec& task, const rest_stream& r, api& a) {
    auto& s = a.s();
    const auto& b = task.bookmark;
    const auto start = task.params.value("start_date", std::string{});
    if (r.pager == paging::offset_until_warning) {
      // Server-side date range; the end is pinned so paging sees one set.
      const auto now = std::chrono::floor<std::chrono::seconds>(options_.now());
      const auto since = time_of(b, "updatedAt").value_or(parse_time(start).value_or(now));
      if (since >= now) return {};  // a future start answers 701
      const std::string range = "&" + r.earliest_param + "=" + url_encode(format_time(since)) + "&" +
                                r.latest_param + "=" + url_encode(format_time(now));
      for (std::int64_t offset = 0;; offset += r.page_size) {
        if (s.cancelled()) return make_error(error_kind::cancelled, "marketo " + r.name + ": cancelled");
        auto res = a.get(r.path, "maxReturn=" + std::to_string(r.page_size) + "&offset=" + std::to_string(offset) + range);
        if (!res) return std::move(res).error();
        bool end = false;
        for (const auto& w : res->value("warnings", json::array()))
          if (w.is_string() && w.get<std::string>().find("No assets found") != std::string::npos) end = true;
        const auto rows = result_of(*res);
        if (end || rows.empty()) break;
        for (const auto& rec : rows)
          if (auto st = s.emit(r.name, rec); !st) return st;
      }
      return s.checkpoint({{"updatedAt", format_time(now)}});
    }
    // Token paging over the whole list, filtered here by updatedAt: from
    // start_date inclusive, then strictly after the bookmark. The bookmark
    // stays a second before this scan began, so a record changed during the
    // scan, in the bookmark's second, is still newer than it next time.
    const auto bookmarked = time_of(b, "updatedAt");
    const auto since = bookmarked.value_or(parse_time(start).value_or(sys_seconds{}));
    const auto scan_began = time_of(b, "scan_began").value_or(
        std::chrono::floor<std::chrono::seconds>(options_.now()));
    auto newest = since;
    if (auto m = time_of(b, "max_seen")) newest = std::max(newest, *m);
    std::string token = b.is_object() ? b.value("next_page_token", std::string{}) : std::string{};
    for (;;) {
      if (s.cancelled()) return make_error(error_kind::cancelled, "marketo " + r.name + ": cancelled");
      std::string query = "batchSize=" + std::to_string(r.page_size);
      if (!token.empty()) query += "&nextPageToken=" + url_encode(token);
      auto res = a.get(r.path, query);
      if (!res) return std::move(res).error();
      for (const auto& rec : result_of(*res)) {
        const auto updated = rec.contains("updatedAt") && rec["updatedAt"].is_string()
                                 ? parse_time(rec["updatedAt"].get<std::string>())
                                 : std::nullopt;
        if (updated && (*updated < since || (bookmarked && *updated == since))) continue;
        if (updated) newest = std::max(newest, *updated);
        if (auto st = s.emit(r.name, rec); !st) return st;
      }
      token = res->value("nextPageToken", std::string{});
      if (token.empty()) break;
      json mid = {{"next_page_token", token}, {"max_seen", format_time(newest)},
                  {"scan_began", format_time(scan_began)}};
      if (bookmarked) mid["updatedAt"] = format_time(since);
      if (auto st = s.checkpoint(mid); !st) return st;
    }
    return s.checkpoint({{"updatedAt", format_time(std::max(since, std::min(newest, scan_began - std::chrono::seconds{1})))}});
  }

  marketo_options options_;
  token_holder tokens_;
};

} // namespace

std::unique_ptr<connector> make_marketo_connector(marketo_options options) {
  return std::make_unique<marketo_connector>(std::move(options));
}

} // namespace quarry::connectors
