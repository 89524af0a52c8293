#include "connectors/bronto/bronto_connector.hpp"

#include "connectors/bronto/bronto_api.hpp"
#include "connectors/bronto/bronto_streams.hpp"
#include "connectors/core/boundary.hpp"
#include "connectors/core/md5.hpp"
#include "connectors/core/paginator.hpp"
#include "connectors/core/soap.hpp"
#include "connectors/core/timestamp.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace quarry::connectors {

namespace {

using nlohmann::json;
using bronto::api;
using bronto::stream_spec;

constexpr std::int64_t second_ns = 1'000'000'000;
constexpr std::int64_t minute_ns = 60 * second_ns;
constexpr std::int64_t hour_ns = 60 * minute_ns;
constexpr std::int64_t horizon_ns = 30 * 24 * hour_ns;
constexpr int activity_page = 5000;
constexpr int max_reads = 3;
constexpr std::size_t max_keys_at = 10'000;

instant floor_second(const instant& t) {
  const auto s = t.unix_ns >= 0 ? t.unix_ns / second_ns : -((-t.unix_ns + second_ns - 1) / second_ns);
  return {s * second_ns, 0};
}
instant plus(const instant& t, std::int64_t ns) { return {t.unix_ns + ns, t.digits}; }

// Where a read starts: one second before the bookmark's second, so that
// the records AT the bookmark come back whether the server's start is
// inclusive or exclusive and whether it compares whole seconds or fractions
// [GUESS: apis.md says neither]. admit() drops what the bookmark holds.
std::string query_start(const instant& since) { return format_rfc3339(plus(floor_second(since), -second_ns), 0); }

// The bookmark of what `b` admitted. Every record at its instant has been
// read (it is older than the cutoff, and a checkpoint follows a whole read
// or window), so a group of more than max_keys_at records there is
// bookmarked as one step of its precision past that instant, with no keys,
// so that the state message stays well under Kafka's 1 MB. Only a record
// turning up at that very instant later than settle_minutes would be
// passed over.
json bookmark_of(const boundary& b, const std::string& field) {
  if (b.keys_at_newest().size() <= max_keys_at) return b.bookmark();
  const auto& t = b.newest();
  std::int64_t step = 1;
  for (int d = t.digits; d < 9; ++d) step *= 10;
  return {{field, format_rfc3339(instant{t.unix_ns + step, t.digits})}, {"keys_at", json::array()}};
}

std::uint64_t hash_of(std::string_view md5_hex) { return std::stoull(std::string(md5_hex.substr(0, 16)), nullptr, 16); }

// An integer account setting: `fallback` when absent, a fatal error naming
// it when it is not an integer in [lo, hi].
result<std::int64_t> setting_int(const session& s, const char* name, std::int64_t fallback, std::int64_t lo,
                                 std::int64_t hi) {
  const auto& st = s.job().settings;
  if (!st.is_object() || !st.contains(name)) return fallback;
  const auto& v = st[name];
  if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi)
    return make_error(error_kind::fatal, "bronto: settings." + std::string(name) + " must be an integer from " +
                                             std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                                             v.dump().substr(0, 40));
  return v.get<std::int64_t>();
}

result<std::string> setting_time_zone(const session& s) {
  const auto& st = s.job().settings;
  if (!st.is_object() || !st.contains("time_zone")) return std::string{"UTC"};
  const auto& v = st["time_zone"];
  if (!v.is_string() || !known_time_zone(v.get<std::string>()))
    return make_error(error_kind::fatal, "bronto: settings.time_zone must name a zone of the tz database "
                                         "(e.g. \"America/New_York\"), got " + v.dump().substr(0, 60));
  return v.get<std::string>();
}

// One record of an answer, ready to emit.
struct prepared {
  instant t;            // its replication value (none for lists)
  std::string key;      // the Kafka key (JSON text)
  std::string version;  // md5 of the record as written: what the bookmark's keys_at hold
};

// Turns answer records into JSON text: dates normalised, ids derived.
class emitter {
 public:
  emitter(session& s, const stream_spec& spec, std::string time_zone)
      : s_(s),
        spec_(spec),
        time_zone_(std::move(time_zone)),
        writer_(spec.read.columns),
        fields_(bronto::fields_for(spec, s.job().selection.columns_of(spec.stream.name))) {}

  // Reads `r` (rewriting its dates in place as RFC 3339 in UTC); a
  // bad_payload error naming the record when a date or key is unreadable.
  result<prepared> prepare(pugi::xml_node r) {
    prepared p;
    for (auto c = r.first_child(); c; c = c.next_sibling()) {
      if (soap::local_name(c) == "readOnlyContactData") {
        for (auto g = c.first_child(); g; g = g.next_sibling())
          if (auto st = normalise(r, g); !st) return st.error();
      } else if (auto st = normalise(r, c); !st) {
        return st.error();
      }
    }
    if (!spec_.stream.replication_key.empty()) {
      const auto text = soap::child_text(r, spec_.stream.replication_key);
      const auto t = parse_instant(text);
      if (!t) return bad(r, "no " + spec_.stream.replication_key);
      p.t = *t;
    }
    record_.assign("{");
    p.key.assign("{");
    if (!spec_.read.derived.empty()) {
      // tap-bronto's id, and the md5 of the whole event, from the values as emitted.
      std::string tap, event;
      for (const char* name : {"createdDate", "activityType", "contactId", "listId", "segmentId", "keywordId", "messageId"}) {
        const auto v = soap::child_text(r, name);
        if (v.empty()) continue;
        if (!tap.empty()) tap += '|';
        tap += v;
      }
      soap::append_fields(event, r, '\n');
      const auto id = hash::md5_hex(tap), event_id = hash::md5_hex(event);
      record_ += R"("id":")" + id + R"(","event_id":")" + event_id + R"(",)";
      p.key += R"("id":")" + id + R"(","event_id":")" + event_id + R"("})";
    } else {
      for (const auto& k : spec_.stream.primary_key) {
        const auto v = soap::child(r, k);
        if (!v) return bad(r, "no " + k);
        p.key += json_text::key(k);
        const auto& columns = spec_.read.columns;
        const auto col = std::find_if(columns.begin(), columns.end(), [&](const auto& c) { return c.name == k; });
        json_text::append_typed(p.key, v.text().get(), col == columns.end() ? json_text::kind::string : col->kind);
        p.key += ',';
      }
      soap::close_object(p.key);
    }
    writer_.append_fields(record_, r, &fields_);
    soap::close_object(record_);
    p.version = hash::md5_hex(record_);
    return p;
  }

  // Emits the record prepare() wrote last.
  status emit(const prepared& p) { return s_.emit_serialized(spec_.stream.name, p.key, record_); }

  const std::string& operation() const { return spec_.read.operation; }
  const std::string& replication_key() const { return spec_.stream.replication_key; }

 private:
  status normalise(pugi::xml_node record, pugi::xml_node element) {
    if (element.type() != pugi::node_element || !bronto::is_date_column(soap::local_name(element))) return {};
    const std::string_view text = element.text().get();
    if (text.empty()) return {};
    // [GUESS: apis.md's example carries an offset; a date written without
    // one is the account's wall time, read in settings.time_zone.]
    const auto t = parse_local_instant(text, time_zone_);
    if (!t)
      return bad(record, std::string(soap::local_name(element)) + " \"" + std::string(text.substr(0, 40)) +
                             "\" is not a date-time");
    element.text().set(format_rfc3339(*t).c_str());
    return {};
  }

  quarry::error bad(pugi::xml_node r, const std::string& why) const {
    std::string id(soap::child_text(r, spec_.stream.name == "unsubscribe" ? "contactId" : "id"));
    if (id.empty()) id = soap::child_text(r, "contactId");
    return make_error(error_kind::bad_payload, "bronto " + spec_.read.operation + ": " + spec_.stream.name +
                                                   (id.empty() ? "" : " " + id.substr(0, 40)) + ": " + why);
  }

  session& s_;
  const stream_spec& spec_;
  std::string time_zone_;
  soap::record_writer writer_;
  std::vector<std::string> fields_;
  std::string record_;
};

// A page's identity for the paginator's repeat check: its first and last keys.
std::string fingerprint(const std::string& first, const std::string& last, std::size_t n) {
  return first + "/" + last + "/" + std::to_string(n);
}

// What one read delivers: records older than the cutoff that the boundary
// admits and that this task has not delivered already (a read made again),
// and the version of each key it met.
class delivery {
 public:
  delivery(emitter& out, boundary& bound, const instant& cutoff) : out_(out), bound_(bound), cutoff_(cutoff) {}

  struct page {
    std::size_t records = 0;
    std::string fingerprint;
  };

  // Emits what is new on one answer's page.
  result<page> take(const soap::answer& ans) {
    page pg;
    std::string first, last;
    for (auto r : soap::children(ans.payload, "return")) {
      auto p = out_.prepare(r);
      if (!p) return std::move(p).error();
      (pg.records++ == 0 ? first : last) = p->key;
      const auto version = hash_of(p->version);
      const auto [met, first_time] = met_.emplace(std::hash<std::string>{}(p->key), version);
      if (!first_time && met->second != version) met_twice_ = true;
      if (p->t >= cutoff_ || delivered_.contains(version) || !bound_.admit(p->t, p->version)) continue;
      delivered_.insert(version);
      if (auto st = out_.emit(*p); !st) return st.error();
    }
    pg.fingerprint = fingerprint(first, last, pg.records);
    return pg;
  }

  // True when this read met a key twice, as two versions: the record moved
  // while the read paged.
  bool met_twice() const { return met_twice_; }

  // True when this read first met the record under `key` as another version.
  bool met_otherwise(const std::string& key, const std::string& version) const {
    const auto it = met_.find(std::hash<std::string>{}(key));
    return it != met_.end() && it->second != hash_of(version);
  }

  bool met_nothing() const { return met_.empty(); }

  // Starts the read again: what it met is forgotten, what it delivered not.
  void again() {
    met_.clear();
    met_twice_ = false;
  }

 private:
  emitter& out_;
  boundary& bound_;
  instant cutoff_;
  std::unordered_set<std::uint64_t> delivered_;         // record versions
  std::unordered_map<std::uint64_t, std::uint64_t> met_;  // key hash -> first version hash, this read
  bool met_twice_ = false;
};

// How a pageNumber read asks for one page: the window's bounds as written
// ("" = none) and the page number.
using page_request =
    std::function<void(soap::envelope&, const std::string& from, const std::string& until, std::int64_t page)>;

class bronto_connector final : public connector {
 public:
  explicit bronto_connector(bronto_options options) : options_(std::move(options)) {
    if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
  }

  std::string_view source() const override { return "bronto"; }

  std::vector<credential_rule> credentials() const override { return {{"api_token", true, true}}; }

  std::vector<setting_rule> settings() const override {
    return {
        time_zone_setting("time_zone", "UTC",
                          "the account's time zone: the zone of the zone-less dates Bronto writes and reads"),
        integer_setting("settle_minutes", 0, 7 * 24 * 60, 10,
                        "records are delivered only once this many minutes old (late arrivals)"),
        integer_setting("window_days", 1, 366, 7, "days per contacts and unsubscribes window"),
        integer_setting("activity_window_hours", 1, 720, 24, "hours per activities read (FIRST/NEXT)"),
    };
  }

  quota_defaults default_quota() const override {
    quota_defaults q;  // Bronto documents no limit: stay polite
    q.concurrency = 4;
    q.windows = {{50, 1}};
    return q;
  }

  offline_catalog catalog() const override {
    offline_catalog out;
    out.streams = descriptors(bronto::streams());
    return out;
  }

  status run(const task_spec& task, session& s) override {
    const auto* spec = find_stream(bronto::streams(), task.stream);
    if (!spec) return make_error(error_kind::fatal, "bronto: unknown stream " + task.stream);
    auto time_zone = setting_time_zone(s);
    if (!time_zone) return std::move(time_zone).error();
    auto settle = setting_int(s, "settle_minutes", 10, 0, 7 * 24 * 60);
    if (!settle) return std::move(settle).error();
    auto window_days = setting_int(s, "window_days", 7, 1, 366);
    if (!window_days) return std::move(window_days).error();
    auto window_hours = setting_int(s, "activity_window_hours", 24, 1, 720);
    if (!window_hours) return std::move(window_hours).error();

    api a(s, options_.now);
    if (auto st = a.login(); !st) return st;
    emitter out(s, *spec, *time_zone);
    if (spec->stream.name == "list") return run_lists(a, out, s);

    // [GUESS: records can become readable a while after the time they
    // carry (an import committing, a tracking pipeline catching up).] So a
    // run delivers only what is older than `settle_minutes` by the server's
    // clock, and never a record written after the run began: everything
    // newer waits for the next run, and the bookmark never passes it.
    const auto cutoff = plus(a.server_now(), -*settle * minute_ns);
    const auto& replication_key = spec->stream.replication_key;
    auto bound = boundary::resume(tap_bookmark(task.bookmark, replication_key), replication_key, s.job().start_date);
    if (!bound) return std::move(bound).error();
    const auto window_ns = *window_days * 24 * hour_ns;
    if (spec->stream.name == "contact") return run_contacts(a, out, s, *bound, cutoff, window_ns);
    if (spec->stream.name == "unsubscribe") {
      return run_windows(a, out, s, *bound, cutoff, window_ns,
                         [](soap::envelope& e, const std::string& from, const std::string& until, std::int64_t page) {
                           e.open("filter").leaf("start", from).leaf("end", until).close();
                           e.leaf("pageNumber", std::to_string(page));
                         },
                         false, {});
    }
    return run_activities(a, out, s, *spec, *bound, cutoff, *window_hours * hour_ns);
  }

 private:
  // tap-bronto's {"field", "last_record"} as ours, {"<field>": t}.
  static json tap_bookmark(const json& b, const std::string& field) {
    if (b.is_object() && !b.contains(field) && b.contains("last_record")) return {{field, b["last_record"]}};
    return b;
  }

  static status run_lists(api& a, emitter& out, session& s) {
    auto pages = paginator::page_number("bronto readLists");
    for (;;) {
      auto ans = a.call("readLists", [&](soap::envelope& e) {
        e.open("filter").close().leaf("pageNumber", std::to_string(pages.page())).leaf("pageSize", "5000");
      });
      if (!ans) return std::move(ans).error();
      if (ans->fault) return make_error(error_kind::fatal, "bronto readLists: " + soap::describe(*ans->fault));
      std::size_t n = 0;
      std::string first, last;
      for (auto r : soap::children(ans->payload, "return")) {
        auto p = out.prepare(r);
        if (!p) return std::move(p).error();
        if (auto st = out.emit(*p); !st) return st;
        (n++ == 0 ? first : last) = p->key;
      }
      auto more = pages.next_page(n, fingerprint(first, last, n));
      if (!more) return std::move(more).error();
      if (!*more) break;
    }
    return s.checkpoint({{"full_table_completed", true}});
  }

  // The ids of the account's custom contact fields (readFields), so that
  // readContacts returns their values.
  static result<std::vector<std::string>> custom_field_ids(api& a) {
    std::vector<std::string> ids;
    auto pages = paginator::page_number("bronto readFields");
    for (;;) {
      auto ans = a.call("readFields", [&](soap::envelope& e) {
        e.open("filter").close().leaf("pageNumber", std::to_string(pages.page()));
      });
      if (!ans) return std::move(ans).error();
      if (ans->fault) return make_error(error_kind::fatal, "bronto readFields: " + soap::describe(*ans->fault));
      const auto before = ids.size();
      for (auto f : soap::children(ans->payload, "return")) ids.emplace_back(soap::child_text(f, "id"));
      const auto n = ids.size() - before;
      auto more = pages.next_page(n, n ? fingerprint(ids[before], ids.back(), n) : "");
      if (!more) return std::move(more).error();
      if (!*more) return ids;
    }
  }

  // Contacts by `modified` windows. A contact modified while its window is
  // paged leaves the window (or, in modified order, moves to its end), and
  // every contact after it moves one place up: the one across a page
  // boundary is passed over. So once a window is read, the contacts modified
  // since its read began are read too (usually one empty page), and a window
  // that met one of them, or a key twice, as another version is read again,
  // delivering only what it has not.
  static status run_contacts(api& a, emitter& out, session& s, boundary& bound, const instant& cutoff,
                             std::int64_t window_ns) {
    auto field_ids = custom_field_ids(a);
    if (!field_ids) return std::move(field_ids).error();
    const page_request request = [ids = std::move(*field_ids)](soap::envelope& e, const std::string& from,
                                                               const std::string& until, std::int64_t page) {
      e.open("filter").leaf("type", "AND");
      e.open("modified").leaf("value", from).leaf("operator", "GreaterThanEqualTo").close();
      if (!until.empty()) e.open("modified").leaf("value", until).leaf("operator", "LessThan").close();
      e.close();
      e.leaf("includeLists", "true");
      for (const auto& id : ids) e.leaf("fields", id);
      e.leaf("pageNumber", std::to_string(page));
      for (const char* f : {"includeSMSKeywords", "includeGeoIPData", "includeTechnologyData", "includeRFMData",
                            "includeEngagementData", "includeSegments"})
        e.leaf(f, "true");
    };
    // [GUESS: the database's clock is within 5 minutes of the one the
    // Date header reads.]
    return run_windows(a, out, s, bound, cutoff, window_ns, request, true,
                       [&](const delivery& read, const instant& read_began) {
                         return met_otherwise_since(a, out, request,
                                                    format_rfc3339(plus(read_began, -5 * minute_ns), 0), read);
                       });
  }

  // Whether a contact modified at or after `from` is one `read` met as
  // another version: it left the window while the window was paged.
  static result<bool> met_otherwise_since(api& a, emitter& out, const page_request& request, const std::string& from,
                                          const delivery& read) {
    bool moved = false;
    auto pages = paginator::page_number("bronto readContacts from " + from);
    for (;;) {
      auto ans = a.call("readContacts", [&](soap::envelope& e) { request(e, from, "", pages.page()); });
      if (!ans) return std::move(ans).error();
      if (ans->fault) return make_error(error_kind::fatal, "bronto readContacts: " + soap::describe(*ans->fault));
      std::size_t n = 0;
      std::string first, last;
      for (auto r : soap::children(ans->payload, "return")) {
        auto p = out.prepare(r);
        if (!p) return std::move(p).error();
        (n++ == 0 ? first : last) = p->key;
        moved = moved || read.met_otherwise(p->key, p->version);
      }
      auto more = pages.next_page(n, fingerprint(first, last, n));
      if (!more) return std::move(more).error();
      if (!*more) return moved;
    }
  }

  // pageNumber reads (readContacts, readUnsubscribes) in windows [a, b) of
  // `window_ns` from the bookmark to the cutoff, each asked from a second
  // before a, paged until an empty page (pages are not assumed full before
  // the last [GUESS]), in whatever order the server keeps [GUESS: apis.md
  // names none], and checkpointed when it ends. With `open_last` the last
  // window has no upper bound (readContacts: under day-granular operators
  // [GUESS], `LessThan` the cutoff would leave out all of today; the next
  // window covers what an earlier one leaves out of its last day). `moved`,
  // if given, says after a window's read (given when, by the server's
  // clock, it began) whether records left it while it was paged; it is then
  // read again (at most 3 times, then a retriable error).
  static status run_windows(api& a, emitter& out, session& s, boundary bound, const instant& cutoff,
                            std::int64_t window_ns, const page_request& request, bool open_last,
                            const std::function<result<bool>(const delivery&, const instant&)>& moved) {
    const auto& what = out.operation();
    const auto from = bound.since();
    return by_windows(s, out.replication_key(), std::move(bound), from, cutoff, window_ns,
                      [&](boundary& b, const instant& start, const instant& end) -> status {
      delivery read(out, b, cutoff);
      for (int reads = 1;; ++reads) {
        const auto began = a.server_now();
        auto pages = paginator::page_number("bronto " + what + " from " + query_start(start));
        for (;;) {
          auto ans = a.call(what, [&](soap::envelope& e) {
            request(e, query_start(start), open_last && end == cutoff ? "" : format_rfc3339(end, 0), pages.page());
          });
          if (!ans) return std::move(ans).error();
          if (ans->fault) return make_error(error_kind::fatal, "bronto " + what + ": " + soap::describe(*ans->fault));
          auto page = read.take(*ans);
          if (!page) return std::move(page).error();
          auto more = pages.next_page(page->records, page->fingerprint);
          if (!more) return std::move(more).error();
          if (!*more) break;
        }
        if (!moved || read.met_nothing()) return {};
        auto again = read.met_twice() ? result<bool>(true) : moved(read, began);
        if (!again) return std::move(again).error();
        if (!*again) return {};
        if (reads == max_reads)
          return make_error(error_kind::retriable, "bronto " + what + ": records left the window from " +
                                                       query_start(start) + " while it was read, " +
                                                       std::to_string(max_reads) + " times in a row; trying later");
        s.warn("bronto " + what + ": records left the window from " + query_start(start) +
               " while it was read (modified meanwhile); reading it again");
        read.again();
      }
    });
  }

  // Windows [a, b) of `window_ns` from `from` to the cutoff (b on whole
  // seconds): `read` reads one through the boundary, which is then
  // checkpointed and resumed from its own bookmark, so that the next
  // window, asked from a second before its start, drops what this one
  // delivered.
  static status by_windows(session& s, const std::string& field, boundary bound, const instant& from,
                           const instant& cutoff, std::int64_t window_ns,
                           const std::function<status(boundary&, const instant&, const instant&)>& read) {
    for (auto start = from; start < cutoff && !s.cancelled();) {
      const auto end = std::min(plus(floor_second(start), window_ns), cutoff);
      if (auto st = read(bound, start, end); !st) return st;
      const auto mark = bookmark_of(bound, field);
      if (auto st = s.checkpoint(mark); !st) return st;
      auto next = boundary::resume(mark, field, s.job().start_date);
      if (!next) return std::move(next).error();
      bound = std::move(*next);
      start = end;
    }
    return {};
  }

  // readRecent*Activities in windows of `window_ns` from the bookmark to the
  // cutoff, each one FIRST read and NEXT until an empty page or fault 116
  // [GUESS: which of the two ends a read], checkpointed when it ends: the
  // order within a read does not matter [GUESS: apis.md names none].
  // Window k asks [a_k - 1 s, a_{k+1}) (end inclusive or exclusive: either
  // is right, the overlap is dropped by a boundary resumed from the last
  // checkpoint). A fault 103 in a read logs in again and reads the window
  // again from FIRST [GUESS: a NEXT continues one session's read, or the
  // token's latest; a new FIRST is right under both], delivering only what
  // it has not.
  status run_activities(api& a, emitter& out, session& s, const stream_spec& spec, boundary bound,
                        const instant& cutoff, std::int64_t window_ns) {
    const auto oldest = plus(a.server_now(), -horizon_ns);
    auto from = bound.since();
    if (from < oldest) {
      s.warn(spec.stream.name + ": Bronto keeps 30 days of recent activities; starting at " + format_rfc3339(oldest) +
             " instead of " + format_rfc3339(from));
      from = oldest;
    }
    return by_windows(s, spec.stream.replication_key, std::move(bound), from, cutoff, window_ns,
                      [&](boundary& b, const instant& start, const instant& end) {
                        return read_window(a, out, spec, b, cutoff, start, end);
                      });
  }

  static status read_window(api& a, emitter& out, const stream_spec& spec, boundary& bound, const instant& cutoff,
                            const instant& start, const instant& end) {
    delivery read(out, bound, cutoff);
    for (int reads = 1;; ++reads) {
      auto pages = paginator::page_number("bronto " + spec.read.operation + " from " + query_start(start));
      bool session_lost = false;
      for (;;) {
        auto ans = a.call(
            spec.read.operation,
            [&](soap::envelope& e) {
              e.open("filter")
                  .leaf("start", query_start(start))
                  .leaf("end", format_rfc3339(end, 0))
                  .leaf("size", std::to_string(activity_page))
                  .leaf("readDirection", pages.page() == 1 ? "FIRST" : "NEXT")
                  .close();
            },
            false);
        if (!ans) return std::move(ans).error();
        if (ans->fault) {
          const auto code = bronto::fault_code(*ans->fault);
          if (code == "116") break;  // end of results
          if (code == "103") {
            session_lost = true;
            break;
          }
          return make_error(error_kind::fatal, "bronto " + spec.read.operation + ": " + soap::describe(*ans->fault));
        }
        auto page = read.take(*ans);
        if (!page) return std::move(page).error();
        auto more = pages.next_page(page->records, page->fingerprint);
        if (!more) return std::move(more).error();
        if (!*more) break;
      }
      if (!session_lost) return {};
      if (reads == max_reads)
        return make_error(error_kind::auth_expired, "bronto " + spec.read.operation + ": the session expired in " +
                                                        std::to_string(max_reads) + " reads of one window in a row");
      read.again();
    }
  }

  bronto_options options_;
};

} // namespace

std::unique_ptr<connector> make_bronto_connector(bronto_options options) {
  return std::make_unique<bronto_connector>(std::move(options));
}

} // namespace quarry::connectors
