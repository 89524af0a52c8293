#include "connectors/constant_contact/constant_contact_connector.hpp"

#include "connectors/constant_contact/cc_api.hpp"
#include "connectors/constant_contact/cc_streams.hpp"
#include "connectors/core/timestamp.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace quarry::connectors {
namespace {

using nlohmann::json;
using namespace constant_contact;
using http::url_encode;

constexpr std::int64_t day_ms = 86'400'000;
constexpr int default_horizon_days = 30;
constexpr const char* page_limit = "limit=500";

// How far a read by time got: every record before `ms`, and those at `ms`
// whose keys are listed (records share a second; the key breaks the tie) or,
// once that second is `closed` (well before the server's clock at the read:
// nothing new can be stamped with it), all of them, with no keys kept: a
// send to 10,000 contacts in one second must not make a 400 KB bookmark.
// Bookmark form: {"at": "<time as the API printed it>", "keys": [...]} or
// {"at": .., "closed": true}.
struct boundary {
  static constexpr std::int64_t settle_ms = 60'000;  // a second this old is closed

  std::int64_t ms = -1;  // -1: nothing read yet
  std::string at;
  std::set<std::string> keys;
  bool closed = false;

  static boundary from(const json& b) {
    boundary out;
    if (!b.is_object() || !b.contains("at") || !b["at"].is_string()) return out;
    const auto ms = parse_rfc3339_ms(b["at"].get<std::string>());
    if (!ms) return out;
    out.ms = *ms;
    out.at = b["at"].get<std::string>();
    out.closed = b.value("closed", false);
    if (b.contains("keys") && b["keys"].is_array())
      for (const auto& k : b["keys"])
        if (k.is_string()) out.keys.insert(k.get<std::string>());
    return out;
  }
  json to_json() const {
    if (ms < 0) return json();
    return closed ? json{{"at", at}, {"closed", true}} : json{{"at", at}, {"keys", keys}};
  }
  bool covers(std::int64_t t, const std::string& key) const {
    return ms >= 0 && (t < ms || (t == ms && (closed || keys.count(key) > 0)));
  }
  void advance(std::int64_t t, const std::string& text, const std::string& key) {
    if (t > ms) {
      ms = t;
      at = text;
      keys = {key};
      closed = false;
    } else if (t == ms && !closed) {
      keys.insert(key);
    }
  }
  // The later of two boundaries (the union of keys when they meet).
  void merge(const boundary& other) {
    if (other.ms > ms) {
      *this = other;
    } else if (other.ms == ms) {
      closed = closed || other.closed;
      keys.insert(other.keys.begin(), other.keys.end());
    }
    if (closed) keys.clear();
  }
  // Closes the boundary's second when the server's clock (unix s) is well past it.
  void settle(std::optional<std::int64_t> server_time) {
    if (ms >= 0 && server_time && ms <= *server_time * 1000 - settle_ms) {
      closed = true;
      keys.clear();
    }
  }
};

std::string text_of(const json& record, const char* field) {
  if (!record.is_object() || !record.contains(field)) return {};
  const auto& v = record[field];
  return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
}

// A record's time field, or bad_payload naming the stream and the record.
result<std::int64_t> time_field(const json& record, const char* field, const std::string& stream,
                                const std::string& id) {
  const auto text = text_of(record, field);
  if (const auto ms = parse_rfc3339_ms(text)) return *ms;
  return make_error(error_kind::bad_payload, "constant_contact " + stream + " " + id + ": " + field +
                                                 " is not an RFC 3339 time: \"" + text.substr(0, 40) + "\"");
}

int horizon_days(const job_context& job) {
  const auto& s = job.settings;
  if (s.is_object() && s.contains("tracking_horizon_days") && s["tracking_horizon_days"].is_number_integer())
    return std::max(1, s["tracking_horizon_days"].get<int>());
  return default_horizon_days;
}

bool has_reports(const std::string& role) { return role == "primary_email" || role == "resend"; }

// A campaign in these states was never sent: its reports are empty until it
// is, and sending it changes its updated_at.
bool never_sent(std::string status) {
  for (auto& c : status) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return status == "draft" || status == "scheduled";
}

class constant_contact_connector final : public connector {
 public:
  std::string_view source() const override { return "constant_contact"; }

  std::vector<credential_spec> credentials() const override {
    return {{"client_id", true, false, false},
            {"client_secret", true, true, false},
            {"refresh_token", true, true, true}};
  }

  quota_defaults default_quota() const override {
    quota_defaults q;
    q.daily_calls = 10'000;  // resets 00:00 UTC
    q.windows = {{4, 1}};
    return q;
  }

  result<std::vector<stream_descriptor>> discover(session&) override { return streams(); }

  result<std::vector<task_spec>> plan(session& s, const bookmark_map& bookmarks) override {
    const auto& sel = s.job().selection;
    std::vector<std::string> children;  // what the campaigns task fans out to
    for (const auto& stream : streams()) {
      if (!sel.selected(stream.name)) continue;
      s.declare(stream);
      if (stream.name == "campaign_activities" || find_report(stream.name)) children.push_back(stream.name);
    }
    std::vector<task_spec> tasks;
    auto add = [&](const std::string& stream, std::vector<std::string> emits = {}) {
      task_spec t;
      t.stream = stream;
      if (auto it = bookmarks.find({stream, ""}); it != bookmarks.end()) t.bookmark = it->second;
      t.emits = std::move(emits);
      tasks.push_back(std::move(t));
    };
    for (const auto* name : {"contacts", "contact_lists", "contact_custom_fields"})
      if (sel.selected(name)) add(name);
    if (sel.selected("campaigns") || !children.empty()) add("campaigns", children);
    return tasks;
  }

  status run(const task_spec& task, session& s) override {
    api a(s);
    if (task.stream == "contacts") return run_contacts(task, a);
    if (task.stream == "contact_lists") return run_full_table(a, "contact_lists", "/v3/contact_lists", "lists");
    if (task.stream == "contact_custom_fields")
      return run_full_table(a, "contact_custom_fields", "/v3/contact_custom_fields", "custom_fields");
    if (task.stream == "campaigns") return run_campaigns(task, a);
    if (task.stream == "campaign_activities") return run_campaign(task, a);
    if (find_report(task.stream)) return run_report(task, a);
    return make_error(error_kind::fatal, "constant_contact: unknown stream " + task.stream);
  }

 private:
  static bool selected(api& a, const std::string& stream) { return a.s().job().selection.selected(stream); }

  status run_full_table(api& a, const std::string& stream, const std::string& path, const std::string& list_key) {
    const auto limit = stream == "contact_custom_fields" ? "limit=100" : page_limit;
    auto st = a.pages(path + "?" + limit, "GET " + path, list_key, [&](const json& body, const std::string&) -> result<bool> {
      for (const auto& record : body[list_key])
        if (auto e = a.s().emit(stream, record); !e) return std::move(e).error();
      return true;
    });
    if (!st) return st;
    return a.s().checkpoint({{"full_table_completed", true}});
  }

  // Contacts changed since the bookmark, oldest first; checkpoint per page.
  status run_contacts(const task_spec& task, api& a) {
    auto b = boundary::from(task.bookmark);
    // A closed second was read whole: ask only for what came after it.
    const auto since = b.ms < 0 ? a.s().job().start_date : b.closed ? format_rfc3339_ms(b.ms + 1) : b.at;
    std::string first = "/v3/contacts?" + std::string(page_limit) + "&include=custom_fields,list_memberships";
    if (!since.empty()) first += "&updated_after=" + url_encode(since);
    std::optional<std::int64_t> started;  // the server's clock at the first answer
    auto st = a.pages(first, "GET /v3/contacts", "contacts", [&](const json& body, const std::string&) -> result<bool> {
      if (!started) started = a.server_time();
      for (const auto& c : body["contacts"]) {
        const auto id = text_of(c, "contact_id");
        auto t = time_field(c, "updated_at", "contacts", id);
        if (!t) return std::move(t).error();
        if (b.covers(*t, id)) continue;  // the last run's boundary second
        if (auto e = a.s().emit("contacts", c); !e) return std::move(e).error();
        b.advance(*t, text_of(c, "updated_at"), id);
      }
      if (b.ms >= 0)
        if (auto e = a.s().checkpoint(b.to_json()); !e) return std::move(e).error();
      return true;
    });
    if (!st || b.ms < 0) return st;
    // Only now is the newest second read whole (the next page may have held
    // more of it); closed if it was settled before the read began.
    b.settle(started);
    return a.s().checkpoint(b.to_json());
  }

  // Campaigns changed since the bookmark are emitted; those changed or sent
  // within the horizon of the last read fan out to their activities.
  // Bookmark: {"at", "keys"} of the newest updated_at, "read_at" = the
  // server's clock when the last complete read began.
  status run_campaigns(const task_spec& task, api& a) {
    auto& s = a.s();
    const auto last = boundary::from(task.bookmark);
    const auto horizon_ms = horizon_days(s.job()) * day_ms;
    std::optional<std::int64_t> read_at;
    if (task.bookmark.is_object() && task.bookmark.contains("read_at") && task.bookmark["read_at"].is_string())
      read_at = parse_rfc3339_ms(task.bookmark["read_at"].get<std::string>());
    // Campaigns sent (updated) before `active_from` cannot gain activity
    // since the last read; without a read time, count from the newest change.
    std::optional<std::int64_t> active_from;
    if (last.ms >= 0) active_from = read_at.value_or(last.ms) - horizon_ms;
    std::string first = "/v3/emails?" + std::string(page_limit);
    if (active_from) first += "&after_date=" + url_encode(format_rfc3339_ms(std::min(*active_from, last.ms)));
    else if (!s.job().start_date.empty()) first += "&after_date=" + url_encode(s.job().start_date);

    const bool emit_campaigns = selected(a, "campaigns");
    std::vector<std::string> reports_wanted;
    for (const auto& e : task.emits)
      if (find_report(e)) reports_wanted.push_back(e);
    const bool fan_out = !task.emits.empty();
    auto newest = last;
    std::optional<std::int64_t> started;  // the server's clock at the first answer
    auto bookmark = [&](std::optional<std::int64_t> at) {
      json b = newest.to_json();
      if (b.is_null()) b = json::object();
      if (at) b["read_at"] = format_rfc3339_ms(*at * 1000);
      else if (read_at) b["read_at"] = format_rfc3339_ms(*read_at);
      return b;
    };
    auto st = a.pages(first, "GET /v3/emails", "campaigns", [&](const json& body, const std::string&) -> result<bool> {
      if (!started) started = a.server_time();
      for (const auto& c : body["campaigns"]) {
        const auto id = text_of(c, "campaign_id");
        auto t = time_field(c, "updated_at", "campaigns", id);
        if (!t) return std::move(t).error();
        const bool changed = !last.covers(*t, id);
        if (changed && emit_campaigns)
          if (auto e = s.emit("campaigns", c); !e) return std::move(e).error();
        const bool sent = !never_sent(text_of(c, "current_status"));
        const bool may_gain = sent && (!active_from || *t >= *active_from);
        if (fan_out && (changed || may_gain)) {
          task_spec child;
          child.stream = "campaign_activities";
          child.partition = id;
          child.params = {{"campaign_id", id}, {"details", changed}, {"sent", sent}};
          child.emits = reports_wanted;
          s.spawn(std::move(child));
        }
        newest.advance(*t, text_of(c, "updated_at"), id);
      }
      if (auto e = s.checkpoint(bookmark(std::nullopt)); !e) return std::move(e).error();
      return true;
    });
    if (!st) return st;
    newest.settle(started);
    return s.checkpoint(bookmark(started));
  }

  // One campaign: its activities (details when the campaign changed) and a
  // report task per reportable activity and selected report.
  status run_campaign(const task_spec& task, api& a) {
    auto& s = a.s();
    const auto id = task.params.value("campaign_id", task.partition);
    const bool details = task.params.value("details", true) && selected(a, "campaign_activities");
    const bool sent = task.params.value("sent", true);
    auto campaign = a.get("/v3/emails/" + url_encode(id), "GET /v3/emails/{campaign_id}");
    if (!campaign) return std::move(campaign).error();
    if (!campaign->is_object() || !campaign->contains("campaign_activities") ||
        !(*campaign)["campaign_activities"].is_array())
      return make_error(error_kind::bad_payload, "constant_contact GET /v3/emails/{campaign_id} " + id +
                                                     ": expected a campaign_activities array");
    int activities = 0;
    for (const auto& act : (*campaign)["campaign_activities"]) {
      const auto activity_id = text_of(act, "campaign_activity_id");
      if (activity_id.empty())
        return make_error(error_kind::bad_payload,
                          "constant_contact campaign " + id + ": an activity without campaign_activity_id");
      ++activities;
      if (details) {
        auto detail = a.get("/v3/emails/activities/" + url_encode(activity_id), "GET /v3/emails/activities/{id}");
        if (!detail) return std::move(detail).error();
        if (auto e = s.emit("campaign_activities", *detail); !e) return e;
      }
      if (!sent || !has_reports(text_of(act, "role"))) continue;
      for (const auto& report : task.emits) {
        task_spec child;
        child.stream = report;
        child.partition = activity_id;
        child.params = {{"campaign_activity_id", activity_id}};
        s.spawn(std::move(child));
      }
    }
    return s.checkpoint({{"campaign_id", id}, {"activities", activities}});
  }

  // One report of one activity, newest first. Incremental reports stop at
  // the last run's newest event; a read cut short resumes from its page.
  // Bookmark: {"through": boundary, "pending": {"href", "newest"}} (pending
  // only while a read is unfinished).
  status run_report(const task_spec& task, api& a) {
    auto& s = a.s();
    const auto& spec = *find_report(task.stream);
    const auto& key_fields = find_stream(task.stream)->primary_key;
    const auto activity_id = task.params.value("campaign_activity_id", task.partition);
    const auto& b = task.bookmark;
    const auto stop = spec.incremental && b.is_object() ? boundary::from(b.value("through", json())) : boundary{};
    const json pending = b.is_object() ? b.value("pending", json()) : json();
    std::string href = "/v3/reports/email_reports/" + url_encode(activity_id) + "/tracking/" + spec.name + "?" +
                       page_limit;
    boundary newest;
    if (pending.is_object() && pending.contains("href") && pending["href"].is_string()) {
      href = pending["href"].get<std::string>();
      newest = boundary::from(pending.value("newest", json()));
    }
    const auto describe = "GET /v3/reports/email_reports/{id}/tracking/" + spec.name;
    const bool resumed = !newest.at.empty() || (pending.is_object() && pending.contains("href"));
    std::optional<std::int64_t> started;  // the server's clock at this read's first answer
    bool reached_stop = false;
    auto st = a.pages(href, describe, "tracking_activities", [&](const json& body, const std::string& next) -> result<bool> {
      if (!started) started = a.server_time();
      for (const auto& record : body["tracking_activities"]) {
        std::string key;  // the record's key within the activity
        for (const auto& f : key_fields)
          if (f != "campaign_activity_id" && f != "created_time") key += text_of(record, f.c_str()) + "|";
        auto t = time_field(record, "created_time", spec.name, activity_id);
        if (!t) return std::move(t).error();
        if (stop.ms >= 0 && (*t < stop.ms || (*t == stop.ms && stop.closed))) {
          reached_stop = true;
          break;
        }
        if (stop.covers(*t, key)) continue;
        if (auto e = s.emit(spec.name, record); !e) return std::move(e).error();
        newest.advance(*t, text_of(record, "created_time"), key);
      }
      if (reached_stop || next.empty()) return false;
      if (auto e = s.checkpoint({{"through", stop.to_json()}, {"pending", {{"href", next}, {"newest", newest.to_json()}}}}); !e)
        return std::move(e).error();
      return true;
    });
    if (!st) return st;
    if (!spec.incremental) return s.checkpoint({{"through", nullptr}});
    auto through = stop;
    through.merge(newest);
    // The newest events were read at this read's start, unless it resumed
    // a read begun earlier: then the next run closes their second.
    if (!resumed) through.settle(started);
    return s.checkpoint({{"through", through.to_json()}});
  }
};

} // namespace

std::unique_ptr<connector> make_constant_contact_connector() {
  return std::make_unique<constant_contact_connector>();
}

} // namespace quarry::connectors
