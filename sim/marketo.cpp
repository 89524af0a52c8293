// The Marketo API on the wire (apis.md section 1). Every REST/Bulk answer is
// HTTP 200 JSON with an envelope
//   {"requestId":"1a#18bf...","success":true,"result":[...],"warnings":[], ...}
// or, for a request-level error,
//   {"requestId":"...","success":false,"errors":[{"code":"601","message":"..."}]}
// (codes are quoted integers). Exceptions: the identity endpoint (401 for bad
// credentials) and file.json (raw CSV; 404 text/plain while not ready).
//
// GET|POST /identity/oauth/token?grant_type=client_credentials&client_id=&client_secret=
//   {"access_token":"<uuid>:int","token_type":"bearer","expires_in":N,"scope":"apis@quarry.sim"}
//   The same token until it expires (expires_in = remaining seconds). Not
//   counted as an API call. Bad credentials: 401
//   {"error":"invalid_client","error_description":"Bad client credentials"}.
// Auth on every other call: "Authorization: Bearer T" or ?access_token=T.
//   Unknown token: 601 "Access token invalid"; expired: 602 "Access token expired".
// Limits: 606 "Max rate limit '100' exceeded with in '20' secs",
//   607 "Daily quota reached", 615 "Concurrent access limit '10' reached".
//
// GET /rest/v1/leads/describe.json            result: lead fields
// GET /rest/v1/activities/types.json          result: activity types
// GET /rest/v1/activities/pagingtoken.json?sinceDatetime=T    {"nextPageToken":...}
//   from the first activity at or after T (reading since_datetime=inclusive)
//   or after T (exclusive)
// GET /rest/v1/activities.json?nextPageToken=&activityTypeIds=1,12[&leadIds=][&batchSize<=300]
//   nextPageToken always returned; moreResult true while activities remain
//   (a page may be short, even empty, while moreResult is true); "result" is
//   absent when the page is empty. Missing token/type ids, more than 10 type
//   ids or more than 30 leadIds: 1003.
// GET /rest/v1/campaigns.json|lists.json?batchSize<=300&nextPageToken=
//   nextPageToken (and moreResult true) only when more records follow.
// GET /rest/asset/v1/programs.json?offset=&maxReturn<=200&earliestUpdatedAt=&latestUpdatedAt=
//   past the end: success, no result, warnings ["No assets found for the given search criteria."];
//   which bounds are inclusive: reading programs_bounds (as export_bounds)
// GET /rest/v1/stats/usage.json  result[0] {date, total: API calls today incl. this one, users}
//
// Bulk, {kind} = leads | activities:
// POST /bulk/v1/{kind}/export/create.json   JSON body, see apis.md 1.4
//   leads: fields required (REST names), filter exactly one of createdAt|updatedAt
//   {startAt,endAt}; activities: filter.createdAt required, activityTypeIds
//   optional (<= 10), fields optional (subset of the default columns).
//   Range longer than 31 days, startAt >= endAt, unknown field, bad JSON:
//   1003. updatedAt with updated_at_filter off: 1035. Quota used: 1029
//   "Export daily quota exceeded". Which of startAt and endAt are inclusive:
//   reading export_bounds = start_inclusive_end_inclusive (default),
//   start_inclusive_end_exclusive, start_exclusive_end_inclusive,
//   start_exclusive_end_exclusive (the docs say neither).
// POST .../{exportId}/enqueue.json   1029 "Too many jobs in queue" (10 queued
//   incl. processing), 1029 "Job already queued", 1029 "Export daily quota exceeded"
// GET  .../{exportId}/status.json    exportId, format, status, createdAt,
//   queuedAt, startedAt, finishedAt, numberOfRecords, fileSize,
//   fileChecksum "sha256:<hex>", errorMsg (Failed)
// GET  .../{exportId}/file.json      text/csv; Range: bytes=a-b -> 206 with
//   Content-Range; not Completed (or older than 7 days, or unknown): 404 text/plain
// POST .../{exportId}/cancel.json    Created|Queued|Processing -> Cancelled
// GET  /bulk/v1/{kind}/export.json?status=Completed,Failed   (status repeatable)
// Unknown exportId: 610 "Requested resource not found".
//
// Control (uncounted): POST /_sim/mutate {"touch_leads":K,"add_activities":E},
// GET /_sim/dataset/leads|activities?offset=&limit= (limit <= 100000),
// GET /_sim/dataset/campaigns|lists|programs|activity_types,
// GET /_sim/exports {day, export_bytes_today, export_bytes_served_today, ...},
// GET /_sim/auth {tokens_issued, answered_601, answered_602},
// POST /_sim/export_faults {"malformed_row":N,"kind":"leads"|"activities"}
//   breaks data row N of the next file of that kind with a quote in an
//   unquoted field (the checksum is of the broken file; /_sim/exports shows
//   the job's "malformed_line"), and/or
//   {"cut_after_bytes":B}: the next whole-file answer announces the full
//   length, sends B bytes and drops the connection, and/or
//   {"file_errors":["606","615",...]}: the next file.json calls are answered,
//   one code each in order, with that limit's HTTP-200 envelope instead of
//   the file (counted as calls; /_sim/exports shows "file_errors_answered").
//   Each fault fires once.
// POST /_sim/hold {"path":"/bulk/v1/leads/export/{exportId}/file.json","after_calls":N}
//   holds that route's calls (sim/server.hpp).
// Readings (GET|POST /_sim/readings, --reading NAME=VALUE): export_bounds,
// programs_bounds, since_datetime (above).

#include "sim/marketo.hpp"

#include "sim/page_cursor.hpp"
#include "sim/timestamps.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <deque>
#include <mutex>
#include <set>
#include <stdexcept>

namespace quarry::sim {

using nlohmann::json;

namespace {

constexpr std::int64_t day_seconds = 86400;
constexpr std::int64_t chicago_offset_s = -6 * 3600;  // CST; DST ignored
constexpr std::int64_t max_filter_days = 31;
constexpr std::int64_t file_retention_s = 7 * day_seconds;
constexpr const char* no_assets = "No assets found for the given search criteria.";

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::int64_t export_day(std::int64_t unix_seconds) {
  const auto t = unix_seconds + chicago_offset_s;
  return t >= 0 ? t / day_seconds : (t - day_seconds + 1) / day_seconds;
}

std::string uuid_from(std::uint64_t a, std::uint64_t b) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t n = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  return n;
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(sep, start), text.size());
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// RFC 4180: quote when the value holds the delimiter, a quote, CR or LF.
void append_csv(std::string& out, std::string_view value, char delim) {
  if (value.find_first_of(std::string{delim, '"', '\r', '\n'}) == std::string_view::npos) {
    out += value;
    return;
  }
  out += '"';
  for (const char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_row(std::string& out, const std::vector<std::optional<std::string>>& values,
                char delim) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += delim;
    if (values[i]) append_csv(out, *values[i], delim);
    else out += "null";
  }
  out += '\n';
}

const std::vector<std::string>& default_activity_fields() {
  static const std::vector<std::string> fields{
      "marketoGUID", "leadId", "activityDate", "activityTypeId", "campaignId",
      "primaryAttributeValueId", "primaryAttributeValue", "attributes"};
  return fields;
}

json attributes_object(const marketo_activity& a) {
  json out = json::object();
  const auto* type = marketo_data::activity_type(a.type_id);
  for (std::size_t k = 0; k < a.attributes.size(); ++k) {
    const auto& [name, value] = a.attributes[k];
    const auto& dt = type ? type->attributes[k].data_type : std::string("string");
    if (dt == "integer") out[name] = parse_int(value).value_or(0);
    else if (dt == "boolean") out[name] = value == "true";
    else out[name] = value;
  }
  return out;
}

std::optional<std::string> activity_value(const marketo_activity& a, std::string_view f) {
  if (f == "marketoGUID") return std::to_string(a.index + 1);
  if (f == "leadId") return std::to_string(a.lead_id);
  if (f == "activityDate") return format_rfc3339(a.date);
  if (f == "activityTypeId") return std::to_string(a.type_id);
  if (f == "campaignId") return std::to_string(a.campaign_id);
  if (f == "primaryAttributeValueId") return std::to_string(a.primary_value_id);
  if (f == "primaryAttributeValue") return a.primary_value;
  if (f == "attributes") return attributes_object(a).dump();
  return std::nullopt;
}

json activity_json(const marketo_activity& a) {
  json attrs = json::array();
  for (const auto& [name, value] : a.attributes)
    attrs.push_back({{"name", name}, {"value", value}});
  return {{"id", a.index + 1},
          {"marketoGUID", std::to_string(a.index + 1)},
          {"leadId", a.lead_id},
          {"activityDate", format_rfc3339(a.date)},
          {"activityTypeId", a.type_id},
          {"campaignId", a.campaign_id},
          {"primaryAttributeValueId", a.primary_value_id},
          {"primaryAttributeValue", a.primary_value},
          {"attributes", std::move(attrs)}};
}

json lead_json(const marketo_lead& l) {
  json out = json::object();
  for (const auto& f : marketo_data::lead_fields()) {
    if (f.rest_name.empty()) continue;
    const auto v = marketo_data::lead_value(l, f.rest_name);
    if (!v) out[f.rest_name] = nullptr;
    else if (f.data_type == "integer" || f.data_type == "score") out[f.rest_name] = *parse_int(*v);
    else if (f.data_type == "boolean") out[f.rest_name] = *v == "true";
    else out[f.rest_name] = *v;
  }
  return out;
}

} // namespace

// ---------------------------------------------------------------------------
// Export jobs.

struct marketo_simulator::export_job {
  std::string id;
  std::string kind;  // "leads" | "activities"
  std::string status = "Created";
  std::string format = "CSV";
  std::vector<std::string> fields;
  bool by_updated = false;
  std::int64_t start = 0, end = 0;  // the records exported: [start, end], after the bounds reading
  std::vector<int> type_ids;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> queued_at, started_at, finished_at;
  std::int64_t records = 0, size = 0;
  std::string checksum;
  std::shared_ptr<const std::string> file;
  bool will_fail = false;
  std::int64_t malformed_line = 0;  // a test fault broke the row on this line

  json status_json() const;
};

// status.json's result row.
json marketo_simulator::export_job::status_json() const {
  json out{{"exportId", id}, {"format", format}, {"status", status},
           {"createdAt", format_rfc3339(created_at)}};
  if (queued_at) out["queuedAt"] = format_rfc3339(*queued_at);
  if (started_at) out["startedAt"] = format_rfc3339(*started_at);
  if (status == "Completed" || status == "Failed") out["finishedAt"] = format_rfc3339(*finished_at);
  if (status == "Completed") {
    out["numberOfRecords"] = records;
    out["fileSize"] = size;
    out["fileChecksum"] = checksum;
  }
  if (status == "Failed") out["errorMsg"] = "Export failed: internal error";
  return out;
}

struct marketo_simulator::exports {
  std::mutex mu;
  std::vector<std::shared_ptr<export_job>> jobs;  // creation order; guarded by mu
  std::uint64_t created = 0;               // guarded by mu
  std::map<std::int64_t, std::int64_t> served_by_day;  // guarded by mu
  // Test faults (POST /_sim/export_faults), each used once; guarded by mu.
  std::map<std::string, std::int64_t> malformed_row;  // kind -> data row to break
  std::int64_t cut_after_bytes = 0;                    // next whole-file answer
  std::deque<std::string> file_errors;                 // codes answered to the next file.json calls
  std::int64_t file_errors_answered = 0;

  std::shared_ptr<export_job> find(std::string_view kind, std::string_view id) {
    for (auto& j : jobs)
      if (j->id == id && j->kind == kind) return j;
    return nullptr;
  }

  int count(std::initializer_list<std::string_view> statuses) const {
    int n = 0;
    for (const auto& j : jobs)
      for (const auto s : statuses)
        if (j->status == s) ++n;
    return n;
  }

  std::int64_t bytes_on(std::int64_t day) const {
    std::int64_t total = 0;
    for (const auto& j : jobs) {
      if (j->status == "Completed" && j->finished_at && export_day(*j->finished_at) == day)
        total += j->size;
      else if (j->status == "Processing" && j->started_at && export_day(*j->started_at) == day)
        total += j->size;
    }
    return total;
  }
};

// Access tokens: the same one until it expires (identity).
struct marketo_simulator::tokens {
  std::mutex mu;
  std::string token;                           // guarded by mu
  std::int64_t expiry = 0;                     // guarded by mu
  std::map<std::string, std::int64_t> issued;  // token -> expiry, guarded by mu
  std::uint64_t seq = 0;                       // tokens issued, guarded by mu
  std::atomic<std::int64_t> answered_601{0}, answered_602{0};
};

marketo_simulator::marketo_simulator(marketo_options options)
    : options_(std::move(options)),
      data_(std::make_unique<marketo_data>(options_.data)),
      exports_(std::make_unique<exports>()),
      tokens_(std::make_unique<tokens>()),
      server_([this] {
        auto s = options_.server;
        s.limits = {};
        if (options_.daily_limit < 0 || options_.rate_calls < 1 || !(options_.rate_seconds > 0) ||
            options_.concurrency < 1 || options_.token_ttl_s < 1 || options_.export_daily_mb < 0 ||
            options_.export_seconds_per_mb < 0 || options_.export_fail_rate < 0 ||
            options_.export_fail_rate > 1 || options_.max_processing_exports < 1 ||
            options_.max_queued_exports < options_.max_processing_exports)
          throw std::invalid_argument("invalid marketo simulator options");
        s.limits.daily = options_.daily_limit;
        s.limits.windows.push_back({options_.rate_calls, options_.rate_seconds});
        s.limits.concurrency = options_.concurrency;
        s.limits.day_offset_s = chicago_offset_s;  // 607 and usage.json count CST days
        return s;
      }()) {
  // Where the docs are silent (apis.md 1.3, 1.4): which bounds of a date
  // filter are inclusive. First value: the most likely reading.
  const std::vector<std::string> bounds{"start_inclusive_end_inclusive", "start_inclusive_end_exclusive",
                                        "start_exclusive_end_inclusive", "start_exclusive_end_exclusive"};
  server_.declare_reading("export_bounds", bounds);    // bulk createdAt/updatedAt startAt, endAt
  server_.declare_reading("programs_bounds", bounds);  // programs.json earliestUpdatedAt, latestUpdatedAt
  server_.declare_reading("since_datetime", {"inclusive", "exclusive"});  // activities/pagingtoken.json
  add_routes();
}

marketo_simulator::~marketo_simulator() { server_.stop(); }

void marketo_simulator::start() { server_.start(); }
void marketo_simulator::stop() { server_.stop(); }

marketo_mutation marketo_simulator::mutate(std::int64_t touch_leads, std::int64_t add_activities) {
  return data_->mutate(touch_leads, add_activities, server_.clock().now_unix_seconds());
}

std::int64_t marketo_simulator::export_bytes_today() const {
  std::lock_guard lock(exports_->mu);
  return exports_->bytes_on(export_day(server_.clock().now_unix_seconds()));
}

std::int64_t marketo_simulator::export_bytes_served_today() const {
  std::lock_guard lock(exports_->mu);
  const auto it = exports_->served_by_day.find(export_day(server_.clock().now_unix_seconds()));
  return it == exports_->served_by_day.end() ? 0 : it->second;
}

// ---------------------------------------------------------------------------
// The route table.

void marketo_simulator::add_routes() {
  using self = marketo_simulator;
  server_.set_rejection_handler([this](const rejection& why, const request& req, response& res) {
    answer_rejection(why, req, res);
  });
  const auto plain = [this](route r) -> server::handler {
    return [this, r](const request& req, response& res) { (this->*r)(req, res); };
  };

  // Identity: not an API call, uncounted.
  server_.add_control_route("GET", "/identity/oauth/token", plain(&self::identity));
  server_.add_control_route("GET", "/_sim/auth", plain(&self::sim_auth));
  server_.add_control_route("POST", "/identity/oauth/token", plain(&self::identity));

  // REST.
  server_.add_api_route("GET", "/rest/v1/leads/describe.json", authed(&self::leads_describe));
  server_.add_api_route("GET", "/rest/v1/activities/types.json", authed(&self::activity_types));
  server_.add_api_route("GET", "/rest/v1/activities/pagingtoken.json", authed(&self::paging_token));
  server_.add_api_route("GET", "/rest/v1/activities.json", authed(&self::activities));
  server_.add_api_route("GET", "/rest/v1/campaigns.json", authed(&self::campaigns));
  server_.add_api_route("GET", "/rest/v1/lists.json", authed(&self::lists));
  server_.add_api_route("GET", "/rest/asset/v1/programs.json", authed(&self::programs));
  server_.add_api_route("GET", "/rest/v1/stats/usage.json", authed(&self::usage));

  // Bulk Extract.
  for (const std::string kind : {"leads", "activities"}) {
    const std::string base = "/bulk/v1/" + kind + "/export";
    server_.add_api_route("POST", base + "/create.json", authed(kind, &self::export_create));
    server_.add_api_route("POST", base + "/{exportId}/enqueue.json", with_job(kind, &self::export_enqueue));
    server_.add_api_route("GET", base + "/{exportId}/status.json", with_job(kind, &self::export_status));
    server_.add_api_route("POST", base + "/{exportId}/cancel.json", with_job(kind, &self::export_cancel));
    server_.add_api_route("GET", base + "/{exportId}/file.json", with_job(kind, &self::export_file));
    server_.add_api_route("GET", base + ".json", authed(kind, &self::export_list));
  }

  // Control (uncounted).
  server_.add_control_route("POST", "/_sim/mutate", plain(&self::sim_mutate));
  server_.add_control_route("GET", "/_sim/dataset/{kind}", plain(&self::sim_dataset));
  server_.add_control_route("POST", "/_sim/export_faults", plain(&self::sim_export_faults));
  server_.add_control_route("GET", "/_sim/exports", plain(&self::sim_exports));
}

server::handler marketo_simulator::authed(route r) {
  return [this, r](const request& req, response& res) {
    if (authorized(req, res)) (this->*r)(req, res);
  };
}

server::handler marketo_simulator::authed(std::string kind, kind_route r) {
  return [this, kind = std::move(kind), r](const request& req, response& res) {
    if (authorized(req, res)) (this->*r)(kind, req, res);
  };
}

server::handler marketo_simulator::with_job(std::string kind, job_route r) {
  return [this, kind = std::move(kind), r](const request& req, response& res) {
    if (!authorized(req, res)) return;
    std::lock_guard lock(exports_->mu);
    advance_exports(now_s());
    const auto j = exports_->find(kind, req.path_param("exportId"));
    if (!j) return fail(res, {"610", "Requested resource not found"});
    (this->*r)(*j, req, res);
  };
}

bool marketo_simulator::authorized(const request& req, response& res) {
  std::string token;
  if (const auto auth = req.header("authorization"); auth && auth->starts_with("Bearer "))
    token = auth->substr(7);
  else if (const auto q = req.query_param("access_token")) token = *q;
  std::optional<std::int64_t> expiry;
  {
    std::lock_guard lock(tokens_->mu);
    if (const auto it = tokens_->issued.find(token); it != tokens_->issued.end()) expiry = it->second;
  }
  if (!expiry) {
    ++tokens_->answered_601;
    fail(res, {"601", "Access token invalid"});
    return false;
  }
  if (server_.clock().now_unix_seconds() >= *expiry) {
    ++tokens_->answered_602;
    fail(res, {"602", "Access token expired"});
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Envelopes.

std::string marketo_simulator::request_id() {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%llx#%llx", static_cast<unsigned long long>(++request_seq_),
                static_cast<unsigned long long>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        server_.clock().now().time_since_epoch())
                        .count()));
  return std::string(buf);
}

void marketo_simulator::fail(response& res, const error& e) {
  res.json(200, json{{"requestId", request_id()},
                     {"success", false},
                     {"errors", json::array({{{"code", e.code}, {"message", e.message}}})}}
                    .dump());
}

void marketo_simulator::succeed(response& res, json result) {
  succeed(res, std::move(result), json::object());
}

void marketo_simulator::succeed(response& res, json result, json extra) {
  json body{{"requestId", request_id()}, {"success", true}};
  if (!result.is_null()) body["result"] = std::move(result);
  body["warnings"] = json::array();
  for (auto& [k, v] : extra.items()) body[k] = v;
  res.json(200, body.dump());
}

void marketo_simulator::answer_rejection(const rejection& why, const request&, response& res) {
  char rate[160];
  switch (why.kind) {
    case limit_kind::window:
      std::snprintf(rate, sizeof rate, "Max rate limit '%lld' exceeded with in '%g' secs",
                    static_cast<long long>(options_.rate_calls), options_.rate_seconds);
      fail(res, {"606", rate});
      break;
    case limit_kind::daily:
      fail(res, {"607", "Daily quota reached"});
      break;
    case limit_kind::concurrency:
      std::snprintf(rate, sizeof rate, "Concurrent access limit '%lld' reached",
                    static_cast<long long>(options_.concurrency));
      fail(res, {"615", rate});
      break;
  }
}

// ---------------------------------------------------------------------------
// Identity.

void marketo_simulator::identity(const request& req, response& res) {
  if (req.query_param("grant_type") != "client_credentials" ||
      req.query_param("client_id") != options_.client_id ||
      req.query_param("client_secret") != options_.client_secret) {
    res.json(401, R"({"error":"invalid_client","error_description":"Bad client credentials"})");
    return;
  }
  const auto seed = options_.data.seed;
  const auto now = server_.clock().now_unix_seconds();
  std::lock_guard lock(tokens_->mu);
  if (tokens_->token.empty() || now >= tokens_->expiry) {
    const auto n = ++tokens_->seq;
    tokens_->token = uuid_from(splitmix(seed ^ (n * 31)), splitmix(seed + n)) + ":int";
    tokens_->expiry = now + options_.token_ttl_s;
    tokens_->issued[tokens_->token] = tokens_->expiry;
  }
  res.json(200, json{{"access_token", tokens_->token},
                     {"token_type", "bearer"},
                     {"expires_in", tokens_->expiry - now},
                     {"scope", "apis@quarry.sim"}}
                    .dump());
}

// ---------------------------------------------------------------------------
// REST.

void marketo_simulator::leads_describe(const request&, response& res) {
  json result = json::array();
  for (const auto& f : marketo_data::lead_fields()) {
    json field{{"id", f.id}, {"displayName", f.display_name}, {"dataType", f.data_type}};
    if (f.length > 0) field["length"] = f.length;
    if (!f.rest_name.empty()) field["rest"] = {{"name", f.rest_name}, {"readOnly", f.read_only}};
    field["soap"] = {{"name", f.soap_name}, {"readOnly", f.read_only}};
    result.push_back(std::move(field));
  }
  succeed(res, std::move(result));
}

void marketo_simulator::activity_types(const request&, response& res) {
  json result = json::array();
  for (const auto& t : marketo_data::activity_types()) {
    json attrs = json::array();
    for (const auto& a : t.attributes) attrs.push_back({{"name", a.name}, {"dataType", a.data_type}});
    result.push_back({{"id", t.id},
                      {"name", t.name},
                      {"description", t.description},
                      {"primaryAttribute", {{"name", t.primary.name}, {"dataType", t.primary.data_type}}},
                      {"attributes", std::move(attrs)}});
  }
  succeed(res, std::move(result));
}

void marketo_simulator::paging_token(const request& req, response& res) {
  const auto since = req.query_param("sinceDatetime");
  const auto us = since ? parse_rfc3339_us(*since) : std::nullopt;
  if (!us) return fail(res, {"1003", "sinceDatetime must be an ISO 8601 date-time"});
  // The first activity at or after (inclusive) or after (exclusive)
  // sinceDatetime; activity dates are whole seconds.
  const bool exclusive = server_.reading("since_datetime") == "exclusive";
  const auto seconds = exclusive ? floor_div(*us, 1000000) + 1 : -floor_div(-*us, 1000000);
  const auto index = data_->first_activity_at(seconds);
  succeed(res, nullptr, {{"nextPageToken", encode_page_token({index, "a"})}});
}

void marketo_simulator::activities(const request& req, response& res) {
  const auto token = req.query_param("nextPageToken");
  if (!token || token->empty()) return fail(res, {"1003", "nextPageToken is required"});
  const auto cursor = decode_page_token(*token);
  if (!cursor || cursor->id != "a" || cursor->key < 0) return fail(res, {"1003", "Invalid nextPageToken"});
  const auto types_text = req.query_param("activityTypeIds");
  if (!types_text || types_text->empty()) return fail(res, {"1003", "activityTypeIds is required"});
  std::set<int> types;
  for (const auto& t : split(*types_text, ',')) {
    const auto n = parse_int(t);
    if (!n) return fail(res, {"1003", "Invalid activityTypeIds: " + t});
    types.insert(static_cast<int>(*n));
  }
  if (types.size() > 10) return fail(res, {"1003", "activityTypeIds accepts at most 10 ids"});
  std::set<std::int64_t> leads;
  if (const auto ids = req.query_param("leadIds")) {
    for (const auto& t : split(*ids, ',')) {
      const auto n = parse_int(t);
      if (!n) return fail(res, {"1003", "Invalid leadIds: " + t});
      leads.insert(*n);
    }
    if (leads.size() > 30) return fail(res, {"1003", "leadIds accepts at most 30 ids"});
  }
  std::int64_t batch = 300;
  if (const auto b = req.query_param("batchSize")) {
    const auto n = parse_int(*b);
    if (!n || *n < 1) return fail(res, {"1003", "batchSize must be a positive integer"});
    batch = std::min<std::int64_t>(*n, 300);
  }
  // Real Marketo returns short pages while moreResult is true: one page in
  // four is cut to half, and a page scans at most 10 x batchSize activities.
  std::int64_t limit = batch;
  if (splitmix(options_.data.seed ^ static_cast<std::uint64_t>(cursor->key) ^ 0x5a5a) % 4 == 0)
    limit = std::max<std::int64_t>(1, batch / 2);
  const auto total = data_->activity_count();
  const auto scan_end = std::min(total, cursor->key + 10 * batch);
  json result = json::array();
  auto j = cursor->key;
  for (; j < scan_end && static_cast<std::int64_t>(result.size()) < limit; ++j) {
    const auto a = data_->activity(j);
    if (!types.contains(a.type_id)) continue;
    if (!leads.empty() && !leads.contains(a.lead_id)) continue;
    result.push_back(activity_json(a));
  }
  const bool more = j < total;
  succeed(res, result.empty() ? json(nullptr) : std::move(result),
          {{"nextPageToken", encode_page_token({j, "a"})}, {"moreResult", more}});
}

void marketo_simulator::campaigns(const request& req, response& res) {
  offset_page("c", options_.data.campaigns, &marketo_data::campaign_json, req, res);
}

void marketo_simulator::lists(const request& req, response& res) {
  offset_page("l", options_.data.lists, &marketo_data::list_json, req, res);
}

// Offset paging behind an opaque token tagged `tag`.
void marketo_simulator::offset_page(const std::string& tag, int count,
                                    std::string (marketo_data::*row)(int) const,
                                    const request& req, response& res) {
  std::int64_t batch = 300, offset = 0;
  if (const auto b = req.query_param("batchSize")) {
    const auto n = parse_int(*b);
    if (!n || *n < 1 || *n > 300) return fail(res, {"1003", "batchSize must be within 1..300"});
    batch = *n;
  }
  if (const auto t = req.query_param("nextPageToken"); t && !t->empty()) {
    const auto cursor = decode_page_token(*t);
    if (!cursor || cursor->id != tag || cursor->key < 0) return fail(res, {"1003", "Invalid nextPageToken"});
    offset = cursor->key;
  }
  json result = json::array();
  const auto end = std::min<std::int64_t>(count, offset + batch);
  for (auto i = offset; i < end; ++i) result.push_back(json::parse(((*data_).*row)(static_cast<int>(i))));
  json extra = json::object();
  if (end < count) {
    extra["nextPageToken"] = encode_page_token({end, tag});
    extra["moreResult"] = true;
  }
  succeed(res, std::move(result), std::move(extra));
}

void marketo_simulator::programs(const request& req, response& res) {
  std::int64_t offset = 0, max_return = 20;
  if (const auto o = req.query_param("offset")) {
    const auto n = parse_int(*o);
    if (!n || *n < 0) return fail(res, {"1003", "offset must be a non-negative integer"});
    offset = *n;
  }
  if (const auto m = req.query_param("maxReturn")) {
    const auto n = parse_int(*m);
    if (!n || *n < 1 || *n > 200) return fail(res, {"1003", "maxReturn must be within 1..200"});
    max_return = *n;
  }
  std::optional<std::int64_t> earliest, latest;
  for (const auto& [name, target] :
       {std::pair{"earliestUpdatedAt", &earliest}, std::pair{"latestUpdatedAt", &latest}}) {
    if (const auto v = req.query_param(name)) {
      const auto us = parse_rfc3339_us(*v);
      if (!us) return fail(res, {"1003", std::string(name) + " must be an ISO 8601 date-time"});
      *target = *us / 1000000;
    }
  }
  if (earliest && latest && *earliest >= *latest)
    return fail(res, {"701", "earliestUpdatedAt must be before latestUpdatedAt"});
  const auto bounds = server_.reading("programs_bounds");
  const bool start_open = bounds.starts_with("start_exclusive"), end_open = bounds.ends_with("end_exclusive");
  json result = json::array();
  std::int64_t matched = 0;
  for (int i = 0; i < options_.data.programs && static_cast<std::int64_t>(result.size()) < max_return; ++i) {
    const auto updated = data_->program_updated_at(i);
    if (earliest && (updated < *earliest || (start_open && updated == *earliest))) continue;
    if (latest && (updated > *latest || (end_open && updated == *latest))) continue;
    if (matched++ < offset) continue;
    result.push_back(json::parse(data_->program_json(i)));
  }
  // Not the usual envelope: "errors" is present, and past the end there is
  // a warning instead of a result.
  json body{{"success", true}, {"errors", json::array()}, {"requestId", request_id()}};
  if (result.empty()) body["warnings"] = json::array({no_assets});
  else {
    body["warnings"] = json::array();
    body["result"] = std::move(result);
  }
  res.json(200, body.dump());
}

void marketo_simulator::usage(const request&, response& res) {
  const auto stats = server_.stats();
  const auto day = format_day(server_.clock().now() + std::chrono::seconds{chicago_offset_s});
  const auto it = stats.calls_by_day.find(day);
  const std::int64_t total = it == stats.calls_by_day.end() ? 0 : it->second;
  const json user{{"userId", options_.client_id + "@quarry.sim"}, {"count", total}};
  succeed(res, json::array({{{"date", day}, {"total", total}, {"users", json::array({user})}}}));
}

// ---------------------------------------------------------------------------
// Bulk Extract.

// create.json's body read into j (j.kind set): its fields, filter and
// range after the bounds reading, or the error to answer.
std::optional<marketo_simulator::error> marketo_simulator::read_export_request(const std::string& text,
                                                                              export_job& j) const {
  const auto body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return error{"1003", "Request body must be a JSON object"};
  j.format = body.value("format", std::string("CSV"));
  if (j.format != "CSV" && j.format != "TSV" && j.format != "SSV")
    return error{"1003", "Invalid format: " + j.format};
  if (body.contains("fields") && !body["fields"].is_array())
    return error{"1003", "fields must be an array"};
  if (body.contains("fields"))
    for (const auto& f : body["fields"]) {
      if (!f.is_string()) return error{"1003", "fields must be strings"};
      j.fields.push_back(f.get<std::string>());
    }
  const auto filter = body.value("filter", json::object());
  if (!filter.is_object()) return error{"1003", "filter must be an object"};
  std::string range_name;
  if (j.kind == "leads") {
    if (j.fields.empty()) return error{"1003", "fields is required"};
    for (const auto& f : j.fields) {
      const auto& all = marketo_data::lead_fields();
      if (std::none_of(all.begin(), all.end(),
                       [&](const auto& d) { return !d.rest_name.empty() && d.rest_name == f; }))
        return error{"1003", "Invalid field: " + f};
    }
    int filters = 0;
    for (const auto& [k, v] : filter.items()) {
      (void)v;
      ++filters;
      if (k == "createdAt" || k == "updatedAt") range_name = k;
      else return error{"1003", "Unsupported filter type in this simulator: " + k};
    }
    if (filters != 1) return error{"1003", "filter must hold exactly one filter type"};
    if (range_name == "updatedAt" && !options_.updated_at_filter)
      return error{"1035", "Unsupported filter type for target subscription: updatedAt"};
    j.by_updated = range_name == "updatedAt";
  } else {
    if (j.fields.empty()) j.fields = default_activity_fields();
    for (const auto& f : j.fields)
      if (std::find(default_activity_fields().begin(), default_activity_fields().end(), f) ==
              default_activity_fields().end() && f != "actionResult")
        return error{"1003", "Invalid field: " + f};
    if (!filter.contains("createdAt"))
      return error{"1003", "filter.createdAt is required"};
    range_name = "createdAt";
    if (filter.contains("activityTypeIds")) {
      const auto& ids = filter["activityTypeIds"];
      if (!ids.is_array() || ids.size() > 10)
        return error{"1003", "activityTypeIds must be an array of at most 10 ids"};
      for (const auto& id : ids) {
        if (!id.is_number_integer())
          return error{"1003", "activityTypeIds must be integers"};
        j.type_ids.push_back(id.get<int>());
      }
    }
  }
  const auto& range = filter[range_name];
  if (!range.is_object() || !range.contains("startAt") || !range.contains("endAt") ||
      !range["startAt"].is_string() || !range["endAt"].is_string())
    return error{"1003", range_name + " needs startAt and endAt"};
  const auto start = parse_rfc3339_us(range["startAt"].get<std::string>());
  const auto end = parse_rfc3339_us(range["endAt"].get<std::string>());
  if (!start || !end)
    return error{"1003", range_name + " startAt/endAt must be ISO 8601"};
  j.start = *start / 1000000;
  j.end = *end / 1000000;
  if (j.start >= j.end)
    return error{"1003", range_name + ": startAt must be before endAt"};
  if (j.end - j.start > max_filter_days * day_seconds)
    return error{"1003", "Date range of filter " + range_name + " exceeds 31 days"};
  // The docs do not say which bounds are inclusive: a reading (dates
  // are whole seconds here).
  const auto bounds = server_.reading("export_bounds");
  if (bounds.starts_with("start_exclusive")) j.start += 1;
  if (bounds.ends_with("end_exclusive")) j.end -= 1;
  return std::nullopt;
}

void marketo_simulator::export_create(const std::string& kind, const request& req, response& res) {
  auto j = std::make_shared<export_job>();
  j->kind = kind;
  if (const auto e = read_export_request(req.body, *j)) return fail(res, *e);
  const auto now = now_s();
  std::lock_guard lock(exports_->mu);
  advance_exports(now);
  if (exports_->bytes_on(export_day(now)) >= daily_export_bytes())
    return fail(res, {"1029", "Export daily quota exceeded"});
  const auto n = ++exports_->created;
  j->id = uuid_from(splitmix(options_.data.seed ^ (n * 0x9e37)), splitmix(options_.data.seed * 7 + n));
  j->created_at = now;
  j->will_fail = options_.export_fail_rate > 0 &&
                 static_cast<double>(splitmix(options_.data.seed ^ (n << 20)) % 1000000) / 1e6 <
                     options_.export_fail_rate;
  exports_->jobs.push_back(j);
  succeed(res, json::array({j->status_json()}));
}

void marketo_simulator::export_enqueue(export_job& j, const request&, response& res) {
  if (j.status == "Queued" || j.status == "Processing")
    return fail(res, {"1029", "Job already queued"});
  if (j.status != "Created")
    return fail(res, {"1003", "Export cannot be enqueued in status " + j.status});
  if (exports_->count({"Queued", "Processing"}) >= options_.max_queued_exports)
    return fail(res, {"1029", "Too many jobs in queue"});
  const auto now = now_s();
  if (exports_->bytes_on(export_day(now)) >= daily_export_bytes())
    return fail(res, {"1029", "Export daily quota exceeded"});
  j.status = "Queued";
  j.queued_at = now;
  advance_exports(now);
  // Marketo answers enqueue with "Queued" even when it starts at once.
  auto out = j.status_json();
  out["status"] = "Queued";
  succeed(res, json::array({out}));
}

void marketo_simulator::export_status(export_job& j, const request&, response& res) {
  succeed(res, json::array({j.status_json()}));
}

void marketo_simulator::export_cancel(export_job& j, const request&, response& res) {
  if (j.status == "Created" || j.status == "Queued" || j.status == "Processing") {
    const bool was_processing = j.status == "Processing";
    j.status = "Cancelled";
    j.file.reset();
    j.finished_at.reset();
    if (was_processing) advance_exports(now_s());
  }
  succeed(res, json::array({j.status_json()}));
}

void marketo_simulator::export_file(export_job& j, const request& req, response& res) {
  if (!exports_->file_errors.empty()) {
    // A test fault: the limit answers Marketo gives to any call, here in
    // place of the file (HTTP 200, a JSON envelope).
    const auto code = exports_->file_errors.front();
    exports_->file_errors.pop_front();
    ++exports_->file_errors_answered;
    char message[160];
    if (code == "606")
      std::snprintf(message, sizeof message, "Max rate limit '%lld' exceeded with in '%g' secs",
                    static_cast<long long>(options_.rate_calls), options_.rate_seconds);
    else
      std::snprintf(message, sizeof message, "Concurrent access limit '%lld' reached",
                    static_cast<long long>(options_.concurrency));
    return fail(res, {code, message});
  }
  const auto now = now_s();
  if (j.status != "Completed" || !j.file || now > *j.finished_at + file_retention_s) {
    res.status = 404;
    res.content_type = "text/plain";
    res.body = "Export file not found or not ready";
    return;
  }
  res.status = 200;
  res.content_type = "text/csv; charset=utf-8";
  res.body = *j.file;
  res.headers.emplace_back("Accept-Ranges", "bytes");
  std::int64_t served = j.size;
  // The HTTP layer (cpp-httplib) cuts the body to a single Range itself
  // and adds Content-Range; a 206 status tells it this is partial content.
  if (const auto range = req.header("range"); range && range->starts_with("bytes=")) {
    const auto spec = std::string_view(*range).substr(6);
    const auto dash = spec.find('-');
    if (dash != std::string_view::npos && spec.find(',') == std::string_view::npos) {
      const auto a = parse_int(spec.substr(0, dash));
      const auto b = parse_int(spec.substr(dash + 1));
      std::int64_t first = 0, last = j.size - 1;
      if (a) {
        first = *a;
        if (b) last = std::min(*b, j.size - 1);
      } else if (b) {
        first = std::max<std::int64_t>(0, j.size - *b);
      }
      res.status = 206;
      served = first < j.size && last >= first ? last - first + 1 : 0;
    }
  }
  if (exports_->cut_after_bytes > 0 && res.status == 200) {
    res.cut_after = static_cast<std::size_t>(exports_->cut_after_bytes);
    served = std::min(served, exports_->cut_after_bytes);
    exports_->cut_after_bytes = 0;
  }
  // The file goes out as it is: compressing tens of MB whole would hold
  // back its first byte.
  res.uncompressed = true;
  exports_->served_by_day[export_day(now)] += served;
}

void marketo_simulator::export_list(const std::string& kind, const request& req, response& res) {
  std::set<std::string> wanted;
  for (auto [it, end] = req.query.equal_range("status"); it != end; ++it)
    for (const auto& s : split(it->second, ',')) wanted.insert(s);
  std::lock_guard lock(exports_->mu);
  advance_exports(now_s());
  json result = json::array();
  for (const auto& j : exports_->jobs)
    if (j->kind == kind && (wanted.empty() || wanted.contains(j->status)))
      result.push_back(j->status_json());
  succeed(res, std::move(result));
}

// Runs the queue forward to `now`. Caller holds exports_->mu.
void marketo_simulator::advance_exports(std::int64_t now) {
  auto& ex = *exports_;
  auto fill_slots = [&](std::int64_t slot_free_at) {
    for (auto& j : ex.jobs) {
      if (ex.count({"Processing"}) >= options_.max_processing_exports) break;
      if (j->status == "Queued") start_export(*j, std::max(slot_free_at, *j->queued_at));
    }
  };
  fill_slots(0);
  for (;;) {
    std::shared_ptr<export_job> next;
    for (auto& j : ex.jobs)
      if (j->status == "Processing" && *j->finished_at <= now &&
          (!next || *j->finished_at < *next->finished_at))
        next = j;
    if (!next) break;
    if (next->will_fail) {
      next->status = "Failed";
      next->file.reset();
    } else {
      next->status = "Completed";
    }
    fill_slots(*next->finished_at);
  }
}

// Queued -> Processing at `at`: writes the file now, done at finished_at. Caller holds exports_->mu.
void marketo_simulator::start_export(export_job& j, std::int64_t at) {
  j.status = "Processing";
  j.started_at = at;
  const char delim = j.format == "TSV" ? '\t' : j.format == "SSV" ? ' ' : ',';
  auto file = std::make_shared<std::string>();
  std::string header;
  for (std::size_t i = 0; i < j.fields.size(); ++i) {
    if (i > 0) header += delim;
    append_csv(header, j.fields[i], delim);
  }
  *file += header + "\n";
  std::vector<std::optional<std::string>> values(j.fields.size());
  std::int64_t records = 0;
  if (j.kind == "leads") {
    for (const auto index : data_->leads_in(j.by_updated, j.start, j.end)) {
      const auto lead = data_->lead(index);
      for (std::size_t f = 0; f < j.fields.size(); ++f)
        values[f] = marketo_data::lead_value(lead, j.fields[f]);
      append_row(*file, values, delim);
      ++records;
    }
  } else {
    const auto total = data_->activity_count();
    for (auto k = data_->first_activity_at(j.start);
         k < total && data_->activity_date(k) <= j.end; ++k) {
      const auto a = data_->activity(k);
      if (!j.type_ids.empty() &&
          std::find(j.type_ids.begin(), j.type_ids.end(), a.type_id) == j.type_ids.end())
        continue;
      for (std::size_t f = 0; f < j.fields.size(); ++f)
        values[f] = activity_value(a, j.fields[f]);
      append_row(*file, values, delim);
      ++records;
    }
  }
  if (const auto fault = exports_->malformed_row.find(j.kind);
      fault != exports_->malformed_row.end()) {
    // A quote after the first byte of data row N. Quoted fields may hold
    // line breaks (CR, LF or CRLF, each one line), so rows and lines are
    // counted apart.
    std::int64_t row = 0, line = 1;
    bool quoted = false;
    for (std::size_t at = 0; at + 1 < file->size(); ++at) {
      const char c = (*file)[at];
      if (c == '"') quoted = !quoted;
      if (c == '\r') ++line;
      if (c != '\n') continue;
      if (at == 0 || (*file)[at - 1] != '\r') ++line;
      if (quoted || ++row != fault->second) continue;
      file->insert(at + 2, "\"");
      j.malformed_line = line;
      exports_->malformed_row.erase(fault);
      break;
    }
  }
  j.records = records;
  j.size = static_cast<std::int64_t>(file->size());
  j.checksum = sha256_checksum(*file);
  j.file = std::move(file);
  const double mb = static_cast<double>(j.size) / (1024.0 * 1024.0);
  j.finished_at =
      at + static_cast<std::int64_t>(std::ceil(mb * options_.export_seconds_per_mb));
}

// ---------------------------------------------------------------------------
// Control.

void marketo_simulator::sim_auth(const request&, response& res) {
  std::lock_guard lock(tokens_->mu);
  res.json(200, json{{"tokens_issued", tokens_->seq},
                     {"answered_601", tokens_->answered_601.load()},
                     {"answered_602", tokens_->answered_602.load()}}
                    .dump());
}

void marketo_simulator::sim_mutate(const request& req, response& res) {
  const auto body = control_body(req);
  auto count = [&](const char* name) { return control_count(body, name, 10'000'000); };
  const auto changed = mutate(count("touch_leads"), count("add_activities"));
  res.json(200, json{{"touched_leads", changed.touched_leads},
                     {"added_activities", changed.added_activities}}
                    .dump());
}

void marketo_simulator::sim_dataset(const request& req, response& res) {
  const auto& kind = req.path_param("kind");
  std::int64_t offset = 0, limit = 100000;
  if (const auto o = req.query_param("offset"))
    offset = std::max<std::int64_t>(0, parse_int(*o).value_or(0));
  if (const auto l = req.query_param("limit"))
    limit = std::clamp<std::int64_t>(parse_int(*l).value_or(limit), 0, 100000);
  json out = json::array();
  if (kind == "leads") {
    for (auto i = offset; i < data_->lead_count() && i < offset + limit; ++i)
      out.push_back(lead_json(data_->lead(i)));
  } else if (kind == "activities") {
    const auto total = data_->activity_count();
    for (auto i = offset; i < total && i < offset + limit; ++i)
      out.push_back(activity_json(data_->activity(i)));
  } else if (kind == "campaigns") {
    for (int i = 0; i < options_.data.campaigns; ++i)
      out.push_back(json::parse(data_->campaign_json(i)));
  } else if (kind == "lists") {
    for (int i = 0; i < options_.data.lists; ++i) out.push_back(json::parse(data_->list_json(i)));
  } else if (kind == "programs") {
    for (int i = 0; i < options_.data.programs; ++i)
      out.push_back(json::parse(data_->program_json(i)));
  } else {
    res.json(404, R"({"error":"not_found"})");
    return;
  }
  res.json(200, out.dump());
}

void marketo_simulator::sim_export_faults(const request& req, response& res) {
  const auto body = control_body(req);
  std::lock_guard lock(exports_->mu);
  if (body.contains("malformed_row")) {
    const auto kind = body.value("kind", std::string{"leads"});
    if (kind != "leads" && kind != "activities")
      throw std::invalid_argument("kind must be leads or activities");
    if (!body["malformed_row"].is_number_integer() || body["malformed_row"].get<std::int64_t>() < 1)
      throw std::invalid_argument("malformed_row must be a data row number (1 or more)");
    exports_->malformed_row[kind] = body["malformed_row"].get<std::int64_t>();
  }
  if (body.contains("file_errors")) {
    const auto& codes = body["file_errors"];
    if (!codes.is_array()) throw std::invalid_argument("file_errors must be an array of \"606\" and \"615\"");
    for (const auto& c : codes)
      if (!c.is_string() || (c != "606" && c != "615"))
        throw std::invalid_argument("file_errors must be an array of \"606\" and \"615\"");
    for (const auto& c : codes) exports_->file_errors.push_back(c.get<std::string>());
  }
  if (body.contains("cut_after_bytes")) {
    if (!body["cut_after_bytes"].is_number_integer() || body["cut_after_bytes"].get<std::int64_t>() < 1)
      throw std::invalid_argument("cut_after_bytes must be a positive integer");
    exports_->cut_after_bytes = body["cut_after_bytes"].get<std::int64_t>();
  }
  res.json(200, R"({"ok":true})");
}

void marketo_simulator::sim_exports(const request&, response& res) {
  const auto now = server_.clock().now_unix_seconds();
  const auto day = export_day(now);
  std::lock_guard lock(exports_->mu);
  advance_exports(now);
  json jobs = json::array();
  for (const auto& j : exports_->jobs) {
    auto s = j->status_json();
    s["kind"] = j->kind;
    if (j->malformed_line > 0) s["malformed_line"] = j->malformed_line;
    jobs.push_back(std::move(s));
  }
  const auto served = exports_->served_by_day.find(day);
  res.json(200, json{{"day", format_rfc3339(day * day_seconds).substr(0, 10)},
                     {"export_bytes_today", exports_->bytes_on(day)},
                     {"export_bytes_served_today",
                      served == exports_->served_by_day.end() ? 0 : served->second},
                     {"export_daily_limit_bytes", daily_export_bytes()},
                     {"file_errors_answered", exports_->file_errors_answered},
                     {"jobs", std::move(jobs)}}
                    .dump());
}

} // namespace quarry::sim
