#include "connectors/constant_contact/constant_contact_connector.hpp"

#include "connectors/constant_contact/cc_api.hpp"
#include "connectors/constant_contact/cc_streams.hpp"
#include "connectors/core/boundary.hpp"
#include "connectors/core/md5.hpp"
#include "connectors/core/timestamp.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <set>

namespace quarry::connectors {
namespace {

using nlohmann::json;
using namespace constant_contact;
using constant_contact::stream_spec;  // not the template connectors::stream_spec
using http::url_encode;

constexpr auto day = std::chrono::hours{24};
constexpr int default_horizon_days = 30;
constexpr const char* page_limit = "limit=500";
// The step below a bookmark's instant that a read by updated_after /
// after_date starts at (boundary::query_after), so that the records AT the
// instant come back whether the server reads "after" inclusively or
// exclusively [GUESS: the docs do not say; the simulator serves both].
// Whole seconds [GUESS: CC writes milliseconds but may compare at seconds];
// the overlap is dropped by boundary::admit.
constexpr std::chrono::seconds bound_step{1};
// An instant this much older than the server's clock at a read's start is
// settled: nothing new can be stamped with it [GUESS: 60 s of lag at most].
constexpr std::int64_t settle_s = 60;
// The most contacts a deleted pass's mark holds at its newest deleted_at
// (about 400 KB of state; see run_deleted).
constexpr std::size_t max_deleted_keys = 10'000;
// The most events a summaries read keeps as seen in its overlap with the
// next read (16 hex characters each, about 200 KB of state; see run_summaries).
constexpr std::size_t max_seen_events = 10'000;

std::string text_of(const json& record, const char* field) {
  if (!record.is_object() || !record.contains(field)) return {};
  const auto& v = record[field];
  return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
}

// A record's time field, or bad_payload naming the stream and the record.
result<instant> time_field(const json& record, const char* field, const std::string& stream, const std::string& id) {
  const auto text = text_of(record, field);
  if (const auto t = parse_instant(text)) return *t;
  return make_error(error_kind::bad_payload, "constant_contact " + stream + " " + id + ": " + field +
                                                 " is not an RFC 3339 time: \"" + text.substr(0, 40) + "\"");
}

// An updated_after / after_date value: milliseconds, as CC writes times
// (truncated, so the bound only moves earlier).
std::string query_time(const instant& t) { return url_encode(format_rfc3339(t, 3)); }

// A bookmark written before the core boundary ({"at": T, "keys": [..]} or
// {"at": T, "closed": true}) in the boundary's form under `field`; any
// other value as it is.
json current_form(const json& b, const char* field) {
  if (!b.is_object() || b.contains(field) || !b.contains("at") || !b["at"].is_string()) return b;
  json out = b;
  out.erase("at");
  out.erase("keys");
  out.erase("closed");
  if (b.value("closed", false)) {
    const auto at = parse_instant(b["at"].get<std::string>());
    if (!at) return b;  // resume names it
    out[field] = format_rfc3339(instant{at->unix_ns + 1, 9});  // everything at T was delivered
    out["keys_at"] = json::array();
  } else {
    out[field] = b["at"];
    out["keys_at"] = b.contains("keys") && b["keys"].is_array() ? b["keys"] : json::array();
  }
  return out;
}

// `bookmark` (the boundary's form under `field`), closed when its instant is
// settled before `server_start` (unix s, the server's clock when the read
// began): then nothing new can be stamped with it, so it needs no keys and
// the next read starts just after it. A send to 25,000 contacts in one
// second would otherwise keep a 1 MB list of keys.
json settled(json bookmark, const char* field, std::optional<std::int64_t> server_start,
             std::int64_t window_s = settle_s) {
  if (!server_start || !bookmark.is_object() || !bookmark.contains(field) || !bookmark[field].is_string() ||
      bookmark.value("keys_at", json::array()).empty())
    return bookmark;
  const auto at = parse_instant(bookmark[field].get<std::string>());
  if (!at || at->seconds() > *server_start - window_s) return bookmark;
  bookmark[field] = format_rfc3339(instant{at->unix_ns + 1, 9});
  bookmark["keys_at"] = json::array();
  return bookmark;
}

// How long after `t` a contact can still be deleted with deleted_at = t:
// the docs show deleted_at as a date ("2022-08-15") and do not say in which
// zone [GUESS: one zone per account, dates never go back]; a date (read as
// midnight UTC) is over in every zone 36 h later, so 2 days; a date-time
// settles like any other instant.
std::int64_t settle_window_s(const instant& t) {
  constexpr std::int64_t day_ns = std::chrono::nanoseconds{day}.count();
  return t.unix_ns % day_ns == 0 ? 2 * 86'400 + settle_s : settle_s;
}

// True when nothing new can be stamped with `t` any more (see settled()).
bool is_settled(const instant& t, std::optional<std::int64_t> server_start) {
  return server_start && t.seconds() <= *server_start - settle_window_s(t);
}

// Where the first deleted pass starts: two days before the job's start_date,
// so that a contact changed after it and deleted the same day is caught
// whichever zone a deleted_at date is in.
result<boundary> first_deleted_boundary(const std::string& start_date) {
  auto b = boundary::resume(json(), "deleted_at", start_date);
  if (!b) return std::move(b).error();
  const auto two_days = std::chrono::nanoseconds{2 * day}.count();
  return boundary("deleted_at", instant{b->since().unix_ns - two_days, b->since().digits});
}

bool is_deleted(const json& contact) {
  const auto it = contact.find("deleted_at");
  return it != contact.end() && !it->is_null() && !(it->is_string() && it->get_ref<const std::string&>().empty());
}

// settings.deletes: what a contact deleted at the source becomes.
enum class deletes_mode { tombstone, flag, both };

result<deletes_mode> deletes_of(const job_context& job) {
  const auto& s = job.settings;
  if (!s.is_object() || !s.contains("deletes")) return deletes_mode::tombstone;
  const auto& v = s["deletes"];
  if (v == "tombstone") return deletes_mode::tombstone;
  if (v == "flag") return deletes_mode::flag;
  if (v == "both") return deletes_mode::both;
  return make_error(error_kind::fatal, "constant_contact account " + job.account +
                                           ": settings.deletes must be \"tombstone\", \"flag\" or \"both\", got " +
                                           v.dump().substr(0, 40));
}

// Checks that a list read by time comes oldest first [GUESS: the docs give
// no order; the simulator sorts by (updated_at, id)], so that a bookmark
// taken mid-read holds. Once it does not, the read checkpoints only at its
// end and the operator is told.
class order_check {
 public:
  explicit order_check(session& s, std::string what) : s_(s), what_(std::move(what)) {}
  void see(const instant& t) {
    if (ascending_ && t < last_) {
      ascending_ = false;
      s_.warn(what_ + " did not come oldest first: this read keeps its bookmark until it ends");
    }
    last_ = t;
  }
  bool ascending() const { return ascending_; }

 private:
  session& s_;
  std::string what_;
  instant last_;
  bool ascending_ = true;
};

int horizon_days(const job_context& job) {
  const auto& s = job.settings;
  if (s.is_object() && s.contains("tracking_horizon_days") && s["tracking_horizon_days"].is_number_integer())
    return std::max(1, s["tracking_horizon_days"].get<int>());
  return default_horizon_days;
}

bool has_reports(const std::string& role) { return role == "primary_email" || role == "resend"; }

// The names of `extras` that the job selects of `stream` (all when it
// selects every column), comma-separated for an `include` parameter.
std::string selected_extras(const job_context& job, const std::string& stream, std::vector<std::string> extras) {
  const auto* columns = job.selection.columns_of(stream);
  std::string out;
  for (const auto& e : extras)
    if (!columns || std::find(columns->begin(), columns->end(), e) != columns->end())
      out += (out.empty() ? "" : ",") + e;
  return out;
}

// A count written as a string ("3129") as an integer. A string that is no
// count stays a string, which the schema then refuses loudly rather than
// guessing.
void count_as_integer(json& v) {
  if (!v.is_string()) return;
  const auto& text = v.get_ref<const std::string&>();
  if (!text.empty() && text.size() < 19 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    v = std::stoll(text);
}

// A summary's unique_counts as integers: the docs' example writes them as
// strings ("3129") [GUESS: the reference types them integer]; the simulator
// serves both (summary_count_type).
void count_fields_as_integers(json& record) {
  auto it = record.find("unique_counts");
  if (it == record.end() || !it->is_object()) return;
  for (auto& [name, v] : it->items()) count_as_integer(v);
}

// The tracking reports whose events are counted in a contact's activity
// summary (em_sends .. em_forwards; unique_opens and didnotopens are derived).
const std::vector<std::string>& counted_reports() {
  static const std::vector<std::string> all = {"sends", "opens", "clicks", "bounces", "optouts", "forwards"};
  return all;
}

// A campaign in these states was never sent: its reports are empty until it
// is, and sending it changes its updated_at.
bool never_sent(std::string status) {
  for (auto& c : status) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return status == "draft" || status == "scheduled";
}

class constant_contact_connector final : public connector {
 public:
  std::string_view source() const override { return "constant_contact"; }

  std::vector<credential_rule> credentials() const override {
    return {{"client_id", true, false, false},
            {"client_secret", true, true, false},
            {"refresh_token", true, true, true}};
  }

  std::vector<setting_rule> settings() const override {
    return {
        text_setting("auth_endpoint", "https://authz.constantcontact.com",
                     "the OAuth server that refreshes the access token"),
        integer_setting("tracking_horizon_days", 1, 3650, 30,
                        "campaign activities sent within this many days are read again every run"),
        choice_setting("deletes", {"tombstone", "flag", "both"}, "tombstone",
                       "what a contact deleted at the source becomes: a tombstone, a record flagged "
                       "deleted, or both"),
    };
  }

  quota_defaults default_quota() const override {
    quota_defaults q;
    q.daily_calls = 10'000;  // resets 00:00 UTC
    q.windows = {{4, 1}};
    return q;
  }

  offline_catalog catalog() const override { return {descriptors(streams()), {}, {}}; }

  result<std::vector<task_spec>> plan(session& s, const bookmark_map& bookmarks) override {
    if (auto mode = deletes_of(s.job()); !mode) return std::move(mode).error();
    const auto& sel = s.job().selection;
    std::vector<std::string> children;  // what the campaigns task fans out to
    bool summaries = false;
    for (const auto& [stream, read] : streams()) {
      if (!sel.selected(stream)) continue;
      summaries = summaries || stream.name == "contact_activity_summaries";
      s.declare(stream);
      if (read.how == reading::with_campaign || read.how == reading::report) children.push_back(stream.name);
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
    for (const auto& [stream, read] : streams())
      if (read.how == reading::account_table && sel.selected(stream.name)) add(stream.name);
    if (summaries) add("contact_activity_summaries");
    if (sel.selected("campaigns") || !children.empty()) add("campaigns", children);
    return tasks;
  }

  status run(const task_spec& task, session& s) override {
    api a(s);
    const auto* spec = find_stream(streams(), task.stream);
    if (task.stream == "contacts") return run_contacts(task, a);
    if (task.stream == "contact_lists")
      return run_full_table(a, "contact_lists", "/v3/contact_lists?limit=500&include_membership_count=all", "lists");
    if (task.stream == "contact_custom_fields")
      return run_full_table(a, "contact_custom_fields", "/v3/contact_custom_fields?limit=100", "custom_fields");
    if (spec && spec->read.how == reading::account_table) return run_account_table(a, *spec);
    if (task.stream == "contact_activity_summaries") return run_summaries(task, a);
    if (task.stream == "campaigns") return run_campaigns(task, a);
    if (task.stream == "campaign_activities") return run_campaign(task, a);
    if (spec && spec->read.how == reading::report) return run_report(task, a, *spec);
    return make_error(error_kind::fatal, "constant_contact: unknown stream " + task.stream);
  }

 private:
  static bool selected(api& a, const std::string& stream) { return a.s().job().selection.selected(stream); }

  // `record` of `stream` with its date-times in one form, emitted.
  static status emit(api& a, const std::string& stream, json record, const std::string& id) {
    normalise_times(find_stream(streams(), stream)->stream.schema, record, stream + " " + id,
                    [&](const std::string& m) { a.s().warn(m); });
    return a.s().emit(stream, record);
  }

  // GET /v3/emails/{campaign_id}: the campaign with its campaign_activities array.
  static result<json> campaign_detail(api& a, const std::string& id) {
    auto campaign = a.get("/v3/emails/" + url_encode(id), "GET /v3/emails/{campaign_id}");
    if (!campaign) return std::move(campaign).error();
    if (!campaign->is_object() || !campaign->contains("campaign_activities") ||
        !(*campaign)["campaign_activities"].is_array())
      return make_error(error_kind::bad_payload, "constant_contact GET /v3/emails/{campaign_id} " + id +
                                                     ": expected a campaign_activities array");
    return campaign;
  }

  // A paged full table from `first` (path and query), checkpointed at its end.
  status run_full_table(api& a, const std::string& stream, const std::string& first, const std::string& list_key) {
    const auto& key = find_stream(streams(), stream)->stream.primary_key.front();
    const auto describe = "GET " + first.substr(0, first.find('?'));
    auto st = a.pages(first, describe, list_key, [&](const json& body, const std::string&) -> result<bool> {
      for (auto record : body[list_key]) {
        if (stream == "email_campaign_summaries") count_fields_as_integers(record);
        if (auto e = emit(a, stream, record, text_of(record, key.c_str())); !e) return std::move(e).error();
      }
      return true;
    });
    if (!st) return st;
    return a.s().checkpoint({{"full_table_completed", true}});
  }

  status run_account_table(api& a, const stream_spec& t) {
    const auto& first = t.read.first;
    const auto& list_key = t.read.list_key;
    if (list_key != "." && !list_key.empty()) return run_full_table(a, t.stream.name, first, list_key);
    const std::string path = first.substr(0, first.find('?'));
    auto body = a.get(first, "GET " + path);
    if (!body) return std::move(body).error();
    const auto& key = t.stream.primary_key.front();
    const bool one = list_key == ".";
    if (one ? !body->is_object() : !body->is_array())
      return make_error(error_kind::bad_payload, "constant_contact GET " + path + ": expected " +
                                                     (one ? "an object" : "an array") + ", got " +
                                                     body->dump().substr(0, 60));
    for (const auto& record : one ? json::array({*body}) : *body)
      if (auto e = emit(a, t.stream.name, record, text_of(record, key.c_str())); !e) return e;
    return a.s().checkpoint({{"full_table_completed", true}});
  }

  // Contacts: the incremental pass, then the deleted pass (see
  // constant_contact_connector.hpp, "Deletes"). Bookmark: the incremental
  // boundary {"updated_at", "keys_at"} and "deleted": the deleted pass's
  // {"deleted_at", "keys_at"} (absent until a deleted pass has completed).
  status run_contacts(const task_spec& task, api& a) {
    auto& s = a.s();
    auto mode = deletes_of(s.job());
    if (!mode) return std::move(mode).error();
    const auto last = current_form(task.bookmark, "updated_at");
    auto b = boundary::resume(last, "updated_at", s.job().start_date);
    if (!b) return std::move(b).error();
    json deletions = last.is_object() ? last.value("deleted", json()) : json();
    // Contacts delivered live by this run: a deletion the bookmark holds is
    // no longer the contact's last word (it was restored), so the next one,
    // even at the same deleted_at, is delivered.
    std::set<std::string> live;
    auto current_deletions = [&] {
      json mark = deletions;
      if (mark.is_object() && mark.contains("keys_at") && mark["keys_at"].is_array()) {
        json keys = json::array();
        for (const auto& k : mark["keys_at"])
          if (!k.is_string() || !live.contains(k.get<std::string>())) keys.push_back(k);
        mark["keys_at"] = std::move(keys);
      }
      return mark;
    };
    auto with_deletions = [&](json bookmark) {
      if (deletions.is_object()) bookmark["deleted"] = current_deletions();
      return bookmark;
    };
    const bool flag = *mode != deletes_mode::tombstone;
    // The include extras the job selects (each adds to every page's size,
    // not to the calls).
    const auto include = selected_extras(
        s.job(), "contacts",
        {"custom_fields", "list_memberships", "taggings", "notes", "phone_numbers", "street_addresses"});
    const auto first = "/v3/contacts?" + std::string(page_limit) + "&status=all" +
                       (include.empty() ? "" : "&include=" + include) +
                       "&updated_after=" + query_time(b->query_after(bound_step));
    std::optional<std::int64_t> started;  // the server's clock at the first answer
    order_check order(s, "GET /v3/contacts");
    auto st = a.pages(first, "GET /v3/contacts", "contacts", [&](const json& body, const std::string&) -> result<bool> {
      if (!started) started = a.server_time();
      for (const auto& c : body["contacts"]) {
        const auto id = text_of(c, "contact_id");
        auto t = time_field(c, "updated_at", "contacts", id);
        if (!t) return std::move(t).error();
        order.see(*t);
        if (!b->admit(*t, id)) continue;  // before the bookmark, or delivered at it
        if (is_deleted(c)) continue;      // the deleted pass's
        json record = c;
        if (flag) record["deleted"] = false;
        if (auto e = emit(a, "contacts", std::move(record), id); !e) return std::move(e).error();
        live.insert(id);
      }
      if (order.ascending())
        if (auto e = s.checkpoint(with_deletions(b->bookmark())); !e) return std::move(e).error();
      return true;
    });
    if (!st) return st;
    // Only now is the newest instant read whole (the next page may have held
    // more of it); closed if it was settled before the read began. Committed
    // before the deleted pass, which may fail on its own.
    const auto through = settled(b->bookmark(), "updated_at", started);
    if (auto e = s.checkpoint(with_deletions(through)); !e) return e;
    auto done = run_deleted(a, current_deletions(), *mode);
    if (!done) return std::move(done).error();
    auto bookmark = through;
    bookmark["deleted"] = std::move(*done);
    return s.checkpoint(bookmark);
  }

  // The deleted pass: every deleted contact (GET /v3/contacts?status=deleted
  // has no date filter), delivered (a tombstone, a flagged record, or both)
  // when the core boundary on deleted_at has not delivered it yet. The list
  // comes in no known order, so the pass checkpoints only at its end: a run
  // that fails in it commits none of its deliveries, and the next run
  // delivers them from the same mark. Returns the new mark.
  //
  // Deletions still unsettled at the pass's start (their deleted_at may yet
  // be stamped on more contacts: 60 s for a date-time, 2 days for a date
  // [GUESS]) are delivered at the end, oldest first, so that when the newest
  // of them would hold more than max_deleted_keys keys, that group waits
  // (undelivered, the mark before it) until it settles or a newer deletion
  // closes it, instead of writing a state message near Kafka's 1 MB.
  result<json> run_deleted(api& a, const json& mark, deletes_mode mode) {
    auto& s = a.s();
    auto b = mark.is_object() ? boundary::resume(mark, "deleted_at", s.job().start_date)
                              : first_deleted_boundary(s.job().start_date);
    if (!b) return std::move(b).error();
    const bool flag = mode != deletes_mode::tombstone;
    auto deliver = [&](json record, const std::string& id) -> status {
      if (flag) {
        record["deleted"] = true;
        if (auto e = emit(a, "contacts", std::move(record), id); !e) return e;
      }
      if (mode != deletes_mode::flag) return s.tombstone("contacts", json{{"contact_id", id}});
      return {};
    };
    struct unsettled {
      instant t;
      std::string id;
      json record;  // flag modes only
    };
    std::vector<unsettled> held;
    std::optional<std::int64_t> started;
    const auto first = "/v3/contacts?" + std::string(page_limit) + "&status=deleted" +
                       (flag ? "&include=custom_fields,list_memberships" : "");
    auto st = a.pages(first, "GET /v3/contacts (status=deleted)", "contacts",
                      [&](const json& body, const std::string&) -> result<bool> {
                        if (!started) started = a.server_time();
                        for (const auto& c : body["contacts"]) {
                          const auto id = text_of(c, "contact_id");
                          auto t = time_field(c, "deleted_at", "contacts", id);
                          if (!t) return std::move(t).error();
                          if (*t < b->since()) continue;  // delivered by an earlier run
                          if (!is_settled(*t, started)) {
                            held.push_back({*t, id, flag ? c : json()});
                          } else if (b->admit(*t, id)) {
                            if (auto e = deliver(c, id); !e) return std::move(e).error();
                          }
                        }
                        return true;
                      });
    if (!st) return std::move(st).error();
    std::stable_sort(held.begin(), held.end(), [](const auto& x, const auto& y) { return x.t < y.t; });
    bool wait = false;
    if (!held.empty()) {
      auto trial = *b;
      for (const auto& h : held) trial.admit(h.t, h.id);
      wait = trial.newest() == held.back().t && trial.keys_at_newest().size() > max_deleted_keys;
    }
    for (auto& h : held) {
      if (wait && h.t == held.back().t) {
        s.warn("constant_contact: more than " + std::to_string(max_deleted_keys) + " contacts deleted at " +
               format_rfc3339(h.t) + ": their deletions wait until that instant is settled");
        break;
      }
      if (b->admit(h.t, h.id))
        if (auto e = deliver(std::move(h.record), h.id); !e) return std::move(e).error();
    }
    return settled(b->bookmark(), "deleted_at", started, settle_window_s(b->newest()));
  }

  // Contact activity summaries (constant_contact_connector.hpp, "Contact
  // activity summaries"): one GET .../activity_summary per contact that can
  // have new activity, the rows of the activities it has new activity in.
  // Bookmark: {"since": S, "seen": [..]} once a read completed (events from
  // S on are the next read's, but for those in `seen`: a hash of each event
  // at or after S that this read already counted), and while one is under
  // way the same with "pending": {"since": S', "after": C}: contacts up to
  // C (in id order) are delivered, S' is the under-way read's own since.
  status run_summaries(const task_spec& task, api& a) {
    auto& s = a.s();
    const json& b = task.bookmark;
    std::optional<instant> since;
    if (b.is_object() && b.contains("since") && b["since"].is_string()) since = parse_instant(b["since"].get<std::string>());
    std::set<std::string> seen_before, seen;
    if (b.is_object() && b.contains("seen") && b["seen"].is_array())
      for (const auto& h : b["seen"])
        if (h.is_string()) seen_before.insert(h.get<std::string>());
    const json pending = b.is_object() ? b.value("pending", json()) : json();
    const auto after = pending.is_object() ? pending.value("after", std::string()) : std::string();
    std::optional<instant> next_since;
    if (pending.is_object() && pending.contains("since") && pending["since"].is_string())
      next_since = parse_instant(pending["since"].get<std::string>());
    // contact -> the activities whose rows to deliver (empty: every row).
    std::map<std::string, std::set<std::string>> wanted;
    auto note_start = [&] {  // the since of the next read: this one's start, less the settle time
      if (!next_since && a.server_time()) next_since = instant{(*a.server_time() - settle_s) * 1'000'000'000, 0};
    };
    if (!since) {
      // First read: every contact, every row.
      auto st = a.pages("/v3/contacts?" + std::string(page_limit) + "&status=all", "GET /v3/contacts (summaries)",
                        "contacts", [&](const json& body, const std::string&) -> result<bool> {
                          note_start();
                          for (const auto& c : body["contacts"]) wanted[text_of(c, "contact_id")];
                          return true;
                        });
      if (!st) return st;
    } else if (auto st = new_activity(a, *since, seen_before, wanted, [&](const instant& t, std::string hash) {
                 note_start();
                 if (!hash.empty() && next_since && *next_since <= t) seen.insert(std::move(hash));
               });
               !st) {
      return st;
    }
    const auto from = parse_instant(s.job().start_date);
    if (!from) return make_error(error_kind::fatal, "constant_contact: start_date is not an RFC 3339 time");
    const auto start = query_time(*from);
    std::int64_t upto = 0;  // the summary's end: a day past the server's clock
    int since_checkpoint = 0;
    for (const auto& [contact, activities] : wanted) {
      if (contact.empty() || (!after.empty() && contact <= after)) continue;
      if (!upto) upto = a.server_time().value_or(0) + 86'400;
      const auto first = "/v3/reports/contact_reports/" + url_encode(contact) + "/activity_summary?start=" + start +
                         "&end=" + query_time(instant{upto * 1'000'000'000, 0});
      auto st = a.pages(first, "GET /v3/reports/contact_reports/{id}/activity_summary", "campaign_activities",
                        [&](const json& body, const std::string&) -> result<bool> {
                          for (auto row : body["campaign_activities"]) {
                            const auto id = text_of(row, "campaign_activity_id");
                            if (!activities.empty() && !activities.contains(id)) continue;
                            if (auto e = emit_summary(a, contact, std::move(row)); !e) return std::move(e).error();
                          }
                          return true;
                        });
      // [GUESS] a contact gone since it was listed (deleted, then purged)
      // has no summary: nothing to deliver.
      if (!st && st.error().message.find(": HTTP 404") == std::string::npos) return st;
      if (!st) s.warn("constant_contact: no activity summary for contact " + contact + " (404), skipped");
      if (++since_checkpoint == 20) {
        since_checkpoint = 0;
        json progress = b.is_object() ? b : json::object();  // since and seen as this read began
        progress["pending"] = {{"after", contact}};
        if (next_since) progress["pending"]["since"] = format_rfc3339(*next_since);
        if (auto e = s.checkpoint(progress); !e) return e;
      }
    }
    if (!next_since) return s.checkpoint(b);  // no call answered: nothing changes
    json done = {{"since", format_rfc3339(*next_since)}};
    // A resumed read asked the contacts before `after` before some of the
    // events it saw: those are not seen for the next read, which asks again.
    if (after.empty() && seen.size() <= max_seen_events) done["seen"] = seen;
    else if (after.empty())
      s.warn("constant_contact: " + std::to_string(seen.size()) + " events in the minute before this read: "
             "the next read asks their contacts again");
    return s.checkpoint(done);
  }

  // The contacts with activity since `since`, and the activities they have
  // it in: the counted reports of every reportable activity of the
  // campaigns that can still gain activity (changed, or sent within the
  // horizon of `since`, as run_campaigns reads them), each newest first
  // down to `since`, but for the events the last read counted (their
  // hashes in `seen_before`). `saw` is told every event read (its time and
  // hash), and that an answer came.
  status new_activity(api& a, const instant& since, const std::set<std::string>& seen_before,
                      std::map<std::string, std::set<std::string>>& wanted,
                      const std::function<void(const instant&, std::string)>& saw) {
    const auto note_start = [&] { saw(since, ""); };
    const instant from{since.unix_ns - std::chrono::nanoseconds{horizon_days(a.s().job()) * day}.count(), since.digits};
    std::vector<std::string> campaigns;
    auto st = a.pages("/v3/emails?" + std::string(page_limit) + "&after_date=" + query_time(from),
                      "GET /v3/emails (summaries)", "campaigns", [&](const json& body, const std::string&) -> result<bool> {
                        note_start();
                        for (const auto& c : body["campaigns"])
                          if (!never_sent(text_of(c, "current_status"))) campaigns.push_back(text_of(c, "campaign_id"));
                        return true;
                      });
    if (!st) return st;
    for (const auto& id : campaigns) {
      auto campaign = campaign_detail(a, id);
      if (!campaign) return std::move(campaign).error();
      for (const auto& act : (*campaign)["campaign_activities"]) {
        const auto activity = text_of(act, "campaign_activity_id");
        if (activity.empty() || !has_reports(text_of(act, "role"))) continue;
        for (const auto& report : counted_reports()) {
          const auto first = "/v3/reports/email_reports/" + url_encode(activity) + "/tracking/" + report + "?" +
                             page_limit;
          auto rst = a.pages(first, "GET /v3/reports/email_reports/{id}/tracking/" + report, "tracking_activities",
                             [&](const json& body, const std::string&) -> result<bool> {
                               for (const auto& e : body["tracking_activities"]) {
                                 auto t = time_field(e, "created_time", report, activity);
                                 if (!t) return std::move(t).error();
                                 if (*t < since) return false;  // newest first: the rest is older
                                 const auto contact = text_of(e, "contact_id");
                                 auto hash = hash::md5_hex(report + "|" + activity + "|" + contact + "|" +
                                                           format_rfc3339(*t) + "|" + text_of(e, "url_id"))
                                                 .substr(0, 16);
                                 if (!seen_before.contains(hash)) wanted[contact].insert(activity);
                                 saw(*t, std::move(hash));
                               }
                               return true;
                             });
          if (!rst) return rst;
        }
      }
    }
    return {};
  }

  // One summary row as delivered: with its contact, counts as integers
  // [GUESS: the reference types them int32; strings, as the campaign
  // summaries' docs example writes counts, are read too], the opt-outs as
  // em_unsubscribes (the reference's name) also when the server calls them
  // em_optouts (the guide's activity type) [GUESS]. A row whose start_on is
  // before the job's start_date is not delivered: under a range that counts
  // only the events inside it, its counts would be partial [GUESS].
  status emit_summary(api& a, const std::string& contact, json row) {
    if (!row.is_object()) return make_error(error_kind::bad_payload, "constant_contact activity_summary " + contact +
                                                                          ": a row that is no object");
    if (!row.contains("em_unsubscribes") && row.contains("em_optouts")) row["em_unsubscribes"] = row["em_optouts"];
    row.erase("em_optouts");
    for (const auto* f : {"em_sends", "em_opens", "em_clicks", "em_bounces", "em_forwards", "em_unsubscribes"})
      if (auto it = row.find(f); it != row.end()) count_as_integer(*it);
    const auto from = parse_instant(a.s().job().start_date);
    if (const auto on = parse_instant(text_of(row, "start_on")); on && from && *on < *from) return {};
    row["contact_id"] = contact;
    const auto id = contact + " " + text_of(row, "campaign_activity_id");
    return emit(a, "contact_activity_summaries", std::move(row), id);
  }

  // Campaigns changed since the bookmark are emitted; those changed or sent
  // within the horizon of the last read fan out to their activities.
  // Bookmark: the boundary's {"updated_at", "keys_at"} and "read_at", the
  // server's clock when the last complete read began.
  status run_campaigns(const task_spec& task, api& a) {
    auto& s = a.s();
    const auto last = current_form(task.bookmark, "updated_at");
    auto b = boundary::resume(last, "updated_at", s.job().start_date);
    if (!b) return std::move(b).error();
    std::optional<instant> read_at;
    if (last.is_object() && last.contains("read_at") && last["read_at"].is_string())
      read_at = parse_instant(last["read_at"].get<std::string>());
    // Campaigns sent (updated) before `active_from` cannot gain activity
    // since the last read; without a read time, count from the newest change.
    std::optional<instant> active_from;
    if (last.is_object() && last.contains("updated_at")) {
      const auto from = read_at.value_or(b->since());
      active_from = instant{from.unix_ns - std::chrono::nanoseconds{horizon_days(s.job()) * day}.count(), from.digits};
    }
    auto query_from = b->query_after(bound_step);
    if (active_from && *active_from < query_from) query_from = *active_from;
    const auto first = "/v3/emails?" + std::string(page_limit) + "&after_date=" + query_time(query_from);

    const bool emit_campaigns = selected(a, "campaigns");
    // What a campaign's task emits besides its own stream: the reports it
    // spawns and the per-activity children it reads.
    std::vector<std::string> reports_wanted;
    for (const auto& e : task.emits)
      if (e != "campaign_activities") reports_wanted.push_back(e);
    const bool fan_out = !task.emits.empty();
    std::optional<std::int64_t> started;  // the server's clock at the first answer
    auto with_read_at = [&](json bookmark, std::optional<std::int64_t> at) {
      if (at) bookmark["read_at"] = format_rfc3339(instant{*at * 1'000'000'000, 0});
      else if (read_at) bookmark["read_at"] = format_rfc3339(*read_at);
      return bookmark;
    };
    order_check order(s, "GET /v3/emails");
    auto st = a.pages(first, "GET /v3/emails", "campaigns", [&](const json& body, const std::string&) -> result<bool> {
      if (!started) started = a.server_time();
      for (const auto& c : body["campaigns"]) {
        const auto id = text_of(c, "campaign_id");
        auto t = time_field(c, "updated_at", "campaigns", id);
        if (!t) return std::move(t).error();
        order.see(*t);
        const bool changed = b->admit(*t, id);
        if (changed && emit_campaigns)
          if (auto e = emit(a, "campaigns", c, id); !e) return std::move(e).error();
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
      }
      if (order.ascending())
        if (auto e = s.checkpoint(with_read_at(b->bookmark(), std::nullopt)); !e) return std::move(e).error();
      return true;
    });
    if (!st) return st;
    return s.checkpoint(with_read_at(settled(b->bookmark(), "updated_at", started), started));
  }

  // One campaign: per activity, what its campaign's change or recent send
  // can have changed, and a report task per reportable activity and
  // selected report:
  //
  //   campaign changed   details (campaign_activities, with the selected
  //                      include extras), email_previews, and for a
  //                      Scheduled campaign's primary_email activity
  //                      campaign_activity_schedules
  //   sent, reportable   campaign_activity_send_history, email_links, reports
  //   (primary_email, resend; the campaigns task spawns this one only for
  //   campaigns changed or sent within the horizon)
  //
  // Each child is one call per activity (email_links at most two, below),
  // made only when its stream is selected. Send history and links are read
  // again on every run within the horizon, so the bookmark keeps what was
  // delivered ({"send_ids": {activity: [ids]}, "links": {activity: {url_id:
  // unique_clicks}}}) and a run delivers only a new send or a link whose
  // count moved: each state once, also when a rerun repeats a campaign.
  status run_campaign(const task_spec& task, api& a) {
    auto& s = a.s();
    const json& last = task.bookmark;
    const json prior_sends = last.is_object() ? last.value("send_ids", json::object()) : json::object();
    const json prior_links = last.is_object() ? last.value("links", json::object()) : json::object();
    json sends = json::object(), links = json::object();
    const auto id = task.params.value("campaign_id", task.partition);
    const bool changed = task.params.value("details", true);
    const bool sent = task.params.value("sent", true);
    auto campaign = campaign_detail(a, id);
    if (!campaign) return std::move(campaign).error();
    auto status_text = text_of(*campaign, "current_status");
    for (auto& c : status_text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool scheduled = status_text == "scheduled";
    const auto extras = selected_extras(s.job(), "campaign_activities",
                                        {"physical_address_in_footer", "permalink_url", "html_content",
                                         "document_properties"});
    int activities = 0;
    for (const auto& act : (*campaign)["campaign_activities"]) {
      const auto activity_id = text_of(act, "campaign_activity_id");
      if (activity_id.empty())
        return make_error(error_kind::bad_payload,
                          "constant_contact campaign " + id + ": an activity without campaign_activity_id");
      ++activities;
      const auto role = text_of(act, "role");
      const auto base = "/v3/emails/activities/" + url_encode(activity_id);
      if (changed && selected(a, "campaign_activities")) {
        auto detail = a.get(base + (extras.empty() ? "" : "?include=" + extras), "GET /v3/emails/activities/{id}");
        if (!detail) return std::move(detail).error();
        if (auto e = emit(a, "campaign_activities", *detail, activity_id); !e) return e;
      }
      if (changed && selected(a, "email_previews")) {
        auto preview = a.get(base + "/previews", "GET /v3/emails/activities/{id}/previews");
        if (!preview) return std::move(preview).error();
        if (!preview->is_object())
          return make_error(error_kind::bad_payload, "constant_contact GET /v3/emails/activities/{id}/previews " +
                                                         activity_id + ": expected an object");
        (*preview)["campaign_activity_id"] = activity_id;
        if (auto e = emit(a, "email_previews", std::move(*preview), activity_id); !e) return e;
      }
      // Only a primary_email activity can be scheduled, and only a Scheduled
      // one has a schedule (the docs: an empty array otherwise).
      if (changed && scheduled && role == "primary_email" && selected(a, "campaign_activity_schedules"))
        if (auto e = read_rows(a, "campaign_activity_schedules", base + "/schedules", activity_id); !e) return e;
      if (!sent || !has_reports(role)) continue;
      if (selected(a, "campaign_activity_send_history")) {
        sends[activity_id] = prior_sends.value(activity_id, json::array());
        if (auto e = read_rows(a, "campaign_activity_send_history", base + "/send_history", activity_id,
                               &sends[activity_id]);
            !e)
          return e;
      }
      if (selected(a, "email_links")) {
        links[activity_id] = prior_links.value(activity_id, json::object());
        if (auto e = read_links(a, activity_id, links[activity_id]); !e) return e;
      }
      for (const auto& report : task.emits) {
        const auto* spec = find_stream(streams(), report);
        if (!spec || spec->read.how != reading::report) continue;
        task_spec child;
        child.stream = report;
        child.partition = activity_id;
        child.params = {{"campaign_activity_id", activity_id}};
        s.spawn(std::move(child));
      }
    }
    return s.checkpoint({{"campaign_id", id}, {"activities", activities}, {"send_ids", sends}, {"links", links}});
  }

  // An activity's schedules or send history: the answer is an array of
  // rows, each delivered with the activity's id. [GUESS: the docs show an
  // array (empty when there is none); a single schedule might come as a
  // bare object, read as one row; the simulator serves both
  // (schedules_shape).]
  // `delivered` (send history): the send_ids delivered before, skipped, and
  // extended with the new ones.
  status read_rows(api& a, const std::string& stream, const std::string& path, const std::string& activity_id,
                   json* delivered = nullptr) {
    const auto describe = "GET /v3/emails/activities/{id}/" + path.substr(path.rfind('/') + 1);
    auto body = a.get(path, describe);
    if (!body) return std::move(body).error();
    json rows = body->is_array() ? *body : json::array();
    if (body->is_object()) rows.push_back(*body);
    else if (!body->is_array())
      return make_error(error_kind::bad_payload, "constant_contact " + describe + " " + activity_id +
                                                     ": expected an array, got " + body->dump().substr(0, 60));
    for (auto& row : rows) {
      if (!row.is_object())
        return make_error(error_kind::bad_payload, "constant_contact " + describe + " " + activity_id +
                                                       ": a row that is no object");
      row["campaign_activity_id"] = activity_id;
      if (delivered) {
        const auto send = row.value("send_id", json());
        if (!send.is_number_integer())
          return make_error(error_kind::bad_payload, "constant_contact " + describe + " " + activity_id +
                                                         ": a send without an integer send_id");
        if (std::find(delivered->begin(), delivered->end(), send) != delivered->end()) continue;
        delivered->push_back(send);
      }
      if (auto e = emit(a, stream, std::move(row), activity_id); !e) return e;
    }
    return {};
  }

  // An activity's links report, every link once with its unique clicks.
  // The docs say no_clicks=true adds the links nobody clicked, and show
  // no_clicks=false doing it [GUESS: either]; the simulator serves both
  // (no_clicks_meaning). So quarry asks no_clicks=true and, unless the
  // answer holds an unclicked link (which settles the reading), asks
  // no_clicks=false too and delivers the union: every link under either
  // reading, one call when some link went unclicked, two otherwise.
  // `counts`: url_id -> unique_clicks as last delivered; a link whose count
  // is unchanged is not delivered again.
  status read_links(api& a, const std::string& activity_id, json& counts) {
    const auto path = "/v3/reports/email_reports/" + url_encode(activity_id) + "/links?no_clicks=";
    const std::string describe = "GET /v3/reports/email_reports/{id}/links";
    std::map<std::string, json> links;  // by url_id, in url_id order
    bool unclicked = false;
    for (const auto* flag : {"true", "false"}) {
      auto body = a.get(path + flag, describe);
      if (!body) return std::move(body).error();
      if (!body->is_object() || !body->contains("link_click_counts") || !(*body)["link_click_counts"].is_array())
        return make_error(error_kind::bad_payload, "constant_contact " + describe + " " + activity_id +
                                                       ": expected a link_click_counts array");
      for (const auto& link : (*body)["link_click_counts"]) {
        const auto url = text_of(link, "url_id");
        if (url.empty())
          return make_error(error_kind::bad_payload,
                            "constant_contact " + describe + " " + activity_id + ": a link without url_id");
        unclicked = unclicked || link.value("unique_clicks", json(1)) == json(0);
        links.emplace(url, link);
      }
      if (unclicked) break;
    }
    for (auto& [url, link] : links) {
      const auto clicks = link.value("unique_clicks", json());
      if (counts.contains(url) && counts[url] == clicks) continue;
      counts[url] = clicks;
      link["campaign_activity_id"] = activity_id;
      link["url_id"] = url;  // a string, as the docs show it, whatever the server wrote
      if (auto e = emit(a, "email_links", std::move(link), activity_id + " " + url); !e) return e;
    }
    return {};
  }

  // One report of one activity, newest first. Incremental reports stop at
  // the last run's newest event (a boundary: the events at its instant that
  // it holds are skipped); a read cut short resumes from its page.
  // Bookmark: {"through": {"created_time", "keys_at"}, "pending": {"href",
  // "newest"}} (pending only while a read is unfinished; newest is the
  // boundary of what that read delivered so far).
  status run_report(const task_spec& task, api& a, const stream_spec& spec) {
    auto& s = a.s();
    const auto& name = spec.stream.name;
    const auto& key_fields = spec.stream.primary_key;
    const bool incremental = spec.stream.replication == replication_method::incremental;
    const auto activity_id = task.params.value("campaign_activity_id", task.partition);
    const auto& b = task.bookmark;
    const json through = incremental && b.is_object() ? current_form(b.value("through", json()), "created_time")
                                                            : json();
    const json pending = b.is_object() ? b.value("pending", json()) : json();
    auto resume = [&](const json& bookmark) -> result<boundary> {
      if (bookmark.is_null()) return boundary("created_time");  // every event
      return boundary::resume(bookmark, "created_time", s.job().start_date);
    };
    auto stop = resume(through);
    if (!stop) return std::move(stop).error();
    std::string href = "/v3/reports/email_reports/" + url_encode(activity_id) + "/tracking/" + name + "?" +
                       page_limit;
    const bool resumed = pending.is_object() && pending.contains("href") && pending["href"].is_string();
    auto seen = resumed ? resume(current_form(pending.value("newest", json()), "created_time")) : stop;
    if (!seen) return std::move(seen).error();
    if (resumed) href = pending["href"].get<std::string>();
    const auto describe = "GET /v3/reports/email_reports/{id}/tracking/" + name;
    std::optional<std::int64_t> started;  // the server's clock at this read's first answer
    auto st = a.pages(href, describe, "tracking_activities", [&](const json& body, const std::string& next) -> result<bool> {
      if (!started) started = a.server_time();
      for (const auto& record : body["tracking_activities"]) {
        std::string key;  // the record's key within the activity
        for (const auto& f : key_fields)
          if (f != "campaign_activity_id" && f != "created_time") key += text_of(record, f.c_str()) + "|";
        auto t = time_field(record, "created_time", name, activity_id);
        if (!t) return std::move(t).error();
        if (*t < stop->since()) return false;  // older than the last run's newest: the rest too
        if (!stop->admit(*t, key)) continue;   // at it, delivered by the last run
        if (auto e = emit(a, name, record, activity_id + " " + key); !e) return std::move(e).error();
        seen->admit(*t, key);
      }
      if (next.empty()) return true;
      // What this read delivered, as the next run's `through` will hold it.
      const auto newest = !incremental ? json()
                          : resumed         ? seen->bookmark()
                                            : settled(seen->bookmark(), "created_time", started);
      if (auto e = s.checkpoint({{"through", through}, {"pending", {{"href", next}, {"newest", newest}}}}); !e)
        return std::move(e).error();
      return true;
    });
    if (!st) return st;
    if (!incremental) return s.checkpoint({{"through", nullptr}});
    // The newest events were read at this read's start, unless it resumed a
    // read begun earlier (whose start is not known): then the next run
    // closes their instant.
    return s.checkpoint({{"through", resumed ? seen->bookmark() : settled(seen->bookmark(), "created_time", started)}});
  }
};

} // namespace

std::unique_ptr<connector> make_constant_contact_connector() {
  return std::make_unique<constant_contact_connector>();
}

} // namespace quarry::connectors
