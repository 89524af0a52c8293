// The Constant Contact v3 API on the wire (apis.md section 5). JSON bodies;
// times RFC 3339 UTC with milliseconds ("2026-11-23T08:00:00.000Z").
//
// OAuth2 (Okta authorization server; not counted as an API call):
// POST /oauth2/default/v1/token?refresh_token=RT&grant_type=refresh_token
//   Authorization: Basic base64(client_id:client_secret), no body.
//   200 {"token_type":"Bearer","expires_in":N,"access_token":"..","scope":"..","refresh_token":"RT2"}
//   RT2 replaces RT, which is dead from then on (see constant_contact.hpp).
//   Dead or unknown RT: 400 {"error":"invalid_grant","error_description":"unknown, invalid, or expired refresh token"}
//   Bad client: 401 {"error":"invalid_client","error_description":"..."}
//
// Every /v3 call needs "Authorization: Bearer <access token>"; an unknown or
// expired one: 401 [{"error_key":"unauthorized","error_message":"The Access Token used is invalid."}].
// Limits: 429 {"error_key":"throttled","error_message":"Too Many Requests"} past
// 4 calls/s, 429 {"error_key":"quota_exceeded","error_message":"Limit Exceeded"}
// past 10,000 calls on a UTC day. No Retry-After, no rate headers. Every
// answer carries a Date header (the sim clock).
// Bad parameters: 400 [{"error_key":"query.param.invalid","error_message":".."}];
// unknown ids: 404 [{"error_key":"not_found","error_message":".."}].
//
// Lists page with `limit` and answer `_links.next.href` ("/v3/...?cursor=C")
// while more records follow; C is opaque (base64url of the query that
// continues the read) and carries the filters: a client sends it alone.
//
// GET /v3/contacts?limit<=500(50)&updated_after=T&status=S&include=custom_fields,list_memberships
//   {"contacts":[{contact_id, email_address{address,permission_to_send,created_at,updated_at,
//     opt_in_source,confirm_status}, first_name, last_name, job_title, company_name,
//     create_source, update_source, created_at, updated_at, [custom_fields[{custom_field_id,value}]],
//     [list_memberships[list_id]], (deleted) deleted_at}], "_links":..}
//   Sorted by (updated_at, contact_id) [GUESS: the docs give no order].
//   updated_after is compared to the microsecond, inclusively or exclusively
//   as the reading updated_after_bound says (below).
//   status: all, or a comma-separated list of active, deleted, not_set,
//   pending_confirmation, temp_hold, unsubscribed (the sim has contacts of
//   the first three kinds: active, deleted, and unsubscribed, whose
//   permission_to_send is "unsubscribed"); absent: every contact but the
//   deleted (the docs' default); another value: 400.
//   A deleted contact has deleted_at (a date or a date-time: the reading
//   deleted_at_format) and no list memberships.
// DELETE /v3/contacts/{contact_id}   204; deleted_at = now (cc_data::delete_contacts)
// GET /v3/contact_lists?limit<=1000(50)   {"lists":[{list_id,name,description,favorite,
//   created_at,updated_at,membership_count}], "lists_count":N, "_links":..}
// GET /v3/contact_custom_fields?limit<=100(50)  {"custom_fields":[{custom_field_id,label,name,
//   type,created_at,updated_at}], "_links":..}
// GET /v3/emails?limit<=500(50)&after_date=T&before_date=T   on updated_at, sorted by it;
//   after_date per the reading after_date_bound, before_date inclusive
//   {"campaigns":[{campaign_id,name,current_status,type,type_code,created_at,updated_at}], "_links":..}
// GET /v3/emails/{campaign_id}   the campaign and
//   "campaign_activities":[{campaign_activity_id, role, document_id}]
// GET /v3/emails/activities/{campaign_activity_id}   {campaign_activity_id, campaign_id, role,
//   contact_list_ids, current_status, format_type, from_email, from_name, reply_to_email,
//   subject, preheader}
// GET /v3/reports/email_reports/{campaign_activity_id}/tracking/{report}?limit<=500(500)
//   report: sends opens unique_opens clicks bounces optouts forwards didnotopens
//   {"tracking_activities":[{contact_id, campaign_activity_id, tracking_activity_type,
//     email_address, first_name, last_name, created_time, (opens, clicks) device_type,
//     (clicks) url_id, link_url, (bounces) bounce_code}], "_links":..}
//   Newest first (created_time, then a hidden sequence, descending); only
//   events whose time has come on the sim clock. A never-sent activity: 200
//   {"tracking_activities":[]}. A permalink activity: 400 (reports exist only
//   for primary_email and resend).
//
// Issue 17 (each 404 for an unknown activity id):
// GET /v3/emails/activities/{id}?include=physical_address_in_footer,permalink_url,html_content,
//   document_properties   the activity with the extras named
// GET /v3/emails/activities/{id}/previews  {campaign_activity_id, from_email, from_name,
//   reply_to_email, subject, preheader, preview_html_content, preview_text_content}
// GET /v3/emails/activities/{id}/schedules  [{scheduled_date}] for a Scheduled campaign's
//   primary_email activity, [] otherwise; one schedule as a bare object under the
//   reading schedules_shape=object
// GET /v3/emails/activities/{id}/send_history  [{send_id, contact_list_ids, segment_ids, count,
//   run_date, send_status, reason_code}] for a sent primary_email activity, [] otherwise
// GET /v3/reports/email_reports/{id}/links?no_clicks=true|false  {campaign_activity_id,
//   link_click_counts[{link_url, url_id, unique_clicks, (url 2) link_tag, list_id,
//   list_action}]}: urls 1-3 with the contacts that clicked them, url 4 never clicked;
//   the unclicked ones only for the no_clicks value the reading no_clicks_meaning says;
//   400 for a permalink activity or another no_clicks
// GET /v3/account/summary?extra_fields=physical_address   one object
// GET /v3/account/emails   a bare array, not paged
// GET /v3/contact_tags?limit<=500(50)&include_count=true  {"tags":[..], "tags_count"}
// GET /v3/segments?limit<=1000(1000)&sort_by=date  {"segments":[{segment_id,name,created_at,edited_at}]}
// GET /v3/reports/summary_reports/email_campaign_summaries?limit<=500(50)
//   {"bulk_email_campaign_summaries":[{campaign_id, campaign_type, last_sent_date,
//   unique_counts{sends,opens,clicks,forwards,optouts,abuse,bounces,not_opened}}]}, the last
//   sent first; counts strings or integers as the reading summary_count_type says
// GET /v3/reports/contact_reports/{contact_id}/activity_summary?start=T&end=T (both required,
//   ISO 8601; 400 when missing, malformed or end before start; 404 for an unknown contact)
//   {"contact_id", "campaign_activities":[{campaign_activity_id, start_on, em_sends, em_opens,
//   em_clicks, em_bounces, em_forwards, em_unsubscribes}], "_links":..}: the reportable
//   activities sent to the contact, the last sent first, 200 a page (no limit parameter).
//   start_on is the send; counts are the contact's visible events. The docs leave open, and
//   the readings say: summary_end (exclusive | inclusive) whether `end` is in the range;
//   summary_range (sends | events) whether the range picks activities by their send and
//   counts every event, or counts only events inside it (listing activities with one);
//   summary_counts (integer | string) how counts are written (the reference: int32; the
//   campaign summaries' docs example: strings); summary_optout_field (em_unsubscribes |
//   em_optouts) the opt-out count's name (the reference's, or the guide's activity type)
// GET /v3/contacts?include=...,taggings,notes,phone_numbers,street_addresses  those extras too
// GET /v3/contact_lists?include_membership_count=all|active  membership_count only then
//
// Readings (sim/server.hpp; the first value is the default). The docs say
// "updated after the date you specify" and "updated_at timestamps that are
// after a specific date" and no more:
//   updated_after_bound  exclusive | inclusive   /v3/contacts updated_after
//   after_date_bound     exclusive | inclusive   /v3/emails after_date
//   [GUESS: exclusive by default, "after" read literally]
// and they say nothing of what deleting a contact does to its updated_at,
// nor whether deleted_at is a date (as in their examples) or a date-time:
//   delete_bumps_updated_at  yes | no        updated_at = the deletion's time, or unchanged
//   deleted_at_format        date | date-time  "2026-11-23" (UTC) or "2026-11-23T08:00:00.000Z"
//
// Control (uncounted):
//   POST /_sim/mutate {"touch_contacts":K,"send_campaigns":C}  K distinct contacts
//                     (as many as there are) changed at the sim clock's now
//   POST /_sim/contacts/delete {"ids":[..],"count":N}  deletes those contacts and N
//                     random live ones at the sim clock's now: {"deleted":[ids]}
//                     (the API's DELETE /v3/contacts/{contact_id} is counted; this is not)
//   POST /_sim/contacts/restore {"ids":[..]}  restores them as adding them to a list
//                     does: {"restored":[ids]}
//   POST /_sim/hold   {"path":"/v3/contacts","after_calls":N} (sim/server.hpp)
//   GET  /_sim/dataset/<stream>     see constant_contact_simulator::dataset_json
//   GET  /_sim/oauth  {tokens_issued, refreshes, invalid_grant, invalid_client,
//                      answered_401, refresh_token_seq, grace_reuses}
//   POST /_sim/storm  {"throttled":N} the next N API calls get 429 throttled;
//                     {"quota_exceeded":true[,"after_calls":N]} every call (after N more
//                     answered normally) gets 429 quota_exceeded until the next 00:00 UTC.
//                     GET: {"throttled_answered", "quota_answered", "throttled_pending"}

#include "sim/constant_contact.hpp"

#include "sim/page_cursor.hpp"
#include "sim/timestamps.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <condition_variable>
#include <functional>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

namespace quarry::sim {

using nlohmann::json;

namespace {

constexpr std::int64_t day_s = 86400;
constexpr const char* invalid_token = "The Access Token used is invalid.";
constexpr const char* scope = "contact_data campaign_data offline_access";

std::string cc_time(std::int64_t unix_seconds) {
  auto text = format_rfc3339(unix_seconds);  // "...:09Z"
  text.insert(text.size() - 1, ".000");
  return text;
}

void api_error(response& res, int status, std::string_view key, std::string_view message) {
  res.json(status, json::array({{{"error_key", key}, {"error_message", message}}}).dump());
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t n = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  return n;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// The parameters of a list read: the request's own, or those its cursor
// carries (a cursor replaces the query).
using params = std::map<std::string, std::string, std::less<>>;

std::optional<params> read_params(const request& req) {
  params out;
  const auto cursor = req.query_param("cursor");
  if (!cursor) {
    for (const auto& [k, v] : req.query) out.emplace(k, v);
    return out;
  }
  const auto text = base64url_decode(*cursor);
  if (!text) return std::nullopt;
  std::size_t start = 0;
  while (start < text->size()) {
    auto end = text->find('&', start);
    if (end == std::string::npos) end = text->size();
    const auto pair = std::string_view(*text).substr(start, end - start);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    out.emplace(std::string(pair.substr(0, eq)), percent_decode(pair.substr(eq + 1)));
    start = end + 1;
  }
  if (!out.count("next")) return std::nullopt;
  return out;
}

std::string next_href(const std::string& path, params p, const std::string& next) {
  p["next"] = next;
  std::string text;
  for (const auto& [k, v] : p) {
    if (k == "cursor") continue;
    if (!text.empty()) text += '&';
    text += k + "=" + percent_encode(v);
  }
  return path + "?cursor=" + base64url_encode(text);
}

// Fills `limit` from the parameters (default `fallback`, at most `max`);
// false (with a 400 answered) when malformed.
bool read_limit(const params& p, response& res, std::int64_t fallback, std::int64_t max,
                std::int64_t& limit) {
  limit = fallback;
  const auto it = p.find("limit");
  if (it == p.end()) return true;
  const auto n = parse_int(it->second);
  if (!n || *n < 1 || *n > max) {
    api_error(res, 400, "query.param.invalid",
              "limit must be an integer from 1 to " + std::to_string(max));
    return false;
  }
  limit = *n;
  return true;
}

// An optional RFC 3339 parameter in unix microseconds; false (400 answered)
// when malformed.
bool read_time(const params& p, response& res, std::string_view name, std::optional<std::int64_t>& out) {
  const auto it = p.find(name);
  if (it == p.end()) return true;
  const auto us = parse_rfc3339_us(it->second);
  if (!us) {
    api_error(res, 400, "query.param.invalid", std::string(name) + " must be an ISO-8601 date-time");
    return false;
  }
  out = *us;
  return true;
}

// A lower bound on a time of whole seconds (sim times are), in microseconds.
struct after_bound {
  std::optional<std::int64_t> us;
  bool inclusive = true;
  bool admits(std::int64_t unix_seconds) const {
    if (!us) return true;
    const auto t = unix_seconds * 1'000'000;
    return inclusive ? t >= *us : t > *us;
  }
};

// Where a read stands: a row's position as cursor text, and whether a row
// was served before the cursor `next`. Keyset cursors (a contact touched
// while a read pages moves to the end, a new event to the front: neither is
// skipped nor repeated); position cursors for the small static lists.
template <class Row>
struct cursor_rule {
  std::function<std::string(const Row&, std::size_t index)> of;
  std::function<bool(const Row&, std::size_t index, std::string_view next)> served;
};

template <class Row>
cursor_rule<Row> by_position() {
  return {[](const Row&, std::size_t i) { return std::to_string(i + 1); },
          [](const Row&, std::size_t i, std::string_view next) {
            return static_cast<std::int64_t>(i) < parse_int(next).value_or(0);
          }};
}

// "<seconds>:<tie>" of a keyset cursor; nullopt when malformed.
std::optional<std::pair<std::int64_t, std::string>> split_key(std::string_view next) {
  const auto colon = next.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto t = parse_int(next.substr(0, colon));
  if (!t) return std::nullopt;
  return std::make_pair(*t, std::string(next.substr(colon + 1)));
}

// One page of `rows` (already filtered and sorted) after the cursor's
// position; the answer's list is `list_key`.
template <class Row, class ToJson>
void answer_page(response& res, const std::string& path, const params& p, std::int64_t limit,
                 const std::vector<Row>& rows, const std::string& list_key, ToJson to_json,
                 const cursor_rule<Row>& rule, json extra = json::object()) {
  std::size_t from = 0;
  if (const auto it = p.find("next"); it != p.end())
    while (from < rows.size() && rule.served(rows[from], from, it->second)) ++from;
  json items = json::array();
  const auto to = std::min(rows.size(), from + static_cast<std::size_t>(limit));
  for (std::size_t i = from; i < to; ++i) items.push_back(to_json(rows[i]));
  json body = std::move(extra);
  body[list_key] = std::move(items);
  if (to < rows.size())
    body["_links"] = {{"next", {{"href", next_href(path, p, rule.of(rows[to - 1], to - 1))}}}};
  res.json(200, body.dump());
}

std::string email_of(const cc_contact& c) { return "contact" + std::to_string(c.number) + "@example.com"; }

std::optional<std::string> basic_credentials(const request& req) {
  const auto h = req.header("authorization");
  if (!h || h->rfind("Basic ", 0) != 0) return std::nullopt;
  std::string b64 = h->substr(6);
  for (auto& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return base64url_decode(b64);
}

} // namespace

// Everything that changes while serving, under one mutex.
struct constant_contact_simulator::state {
  explicit state(const cc_shape& shape) : data(shape) {}
  mutable std::mutex mu;
  cc_data data;
  // OAuth
  // token -> when it expires: expires_in after its issue, to the microsecond
  // (whole seconds would cut a 1 s token's life to anything from 0 to 1 s).
  std::map<std::string, sim_clock::time_point> access_tokens;
  std::string refresh_token;                          // the one valid
  std::string previous_refresh;                       // rotated away ...
  std::int64_t rotated_at = 0;                        // ... at this time
  std::int64_t refresh_seq = 0;
  std::int64_t tokens_issued = 0, refreshes = 0, invalid_grant = 0, invalid_client = 0,
               answered_401 = 0, grace_reuses = 0;
  // storms
  std::int64_t storm_throttled = 0;
  std::optional<std::int64_t> quota_storm_after;  // calls still answered before it starts
  std::optional<std::int64_t> quota_storm_until;
  std::int64_t throttled_answered = 0, quota_answered = 0;
};

namespace {

// A deleted contact's deleted_at as the reading deleted_at_format says: a
// UTC date as the docs' examples show, or a date-time.
std::string deleted_at_text(std::int64_t at, bool date_only) {
  return date_only ? format_rfc3339(at).substr(0, 10) : cc_time(at);
}

// The account's tags (cc_shape::tags): tag t is on every contact whose
// number is t modulo 5 (tag 4 and any past it on none).
constexpr int tag_count = 5;
std::string tag_id(int t) { return cc_uuid(0x7a9, static_cast<std::uint64_t>(t)); }

// The include extras of GET /v3/contacts beyond custom_fields and list_memberships.
struct contact_extras {
  bool taggings = false, notes = false, phones = false, addresses = false;
};

contact_extras extras_of(std::string_view include) {
  return {include.find("taggings") != std::string_view::npos, include.find("notes") != std::string_view::npos,
          include.find("phone_numbers") != std::string_view::npos,
          include.find("street_addresses") != std::string_view::npos};
}

json contact_json(const cc_data& data, const cc_contact& c, bool fields, bool lists, bool date_only,
                  contact_extras extras = {}) {
  json out = {{"contact_id", c.id},
              {"email_address",
               {{"address", email_of(c)},
                {"permission_to_send", c.number % 7 == 0 ? "unsubscribed" : "implicit"},
                {"created_at", cc_time(c.created_at)},
                {"updated_at", cc_time(c.updated_at)},
                {"opt_in_source", "Contact"},
                {"confirm_status", "confirmed"}}},
              {"first_name", "First" + std::to_string(c.number)},
              {"last_name", "Last" + std::to_string(c.number)},
              {"job_title", c.revision == 0 ? "Musician" : "Musician r" + std::to_string(c.revision)},
              {"company_name", "Company " + std::to_string(c.number % 17)},
              {"create_source", "Account"},
              {"update_source", c.revision == 0 ? "Account" : "Contact"},
              {"created_at", cc_time(c.created_at)},
              {"updated_at", cc_time(c.updated_at)}};
  if (fields) {
    json values = json::array();
    for (std::size_t i = 0; i < data.custom_fields().size() && i < 2; ++i)
      values.push_back({{"custom_field_id", data.custom_fields()[i].id},
                        {"value", "v" + std::to_string(c.number) + "-" + std::to_string(c.revision)}});
    out["custom_fields"] = std::move(values);
  }
  if (lists) {
    json ids = json::array();
    for (const int l : c.lists) ids.push_back(data.lists()[static_cast<std::size_t>(l)].id);
    out["list_memberships"] = std::move(ids);
  }
  const auto n = std::to_string(c.number);
  if (extras.taggings) {
    out["taggings"] = json::array();
    if (c.number % tag_count < tag_count - 1) out["taggings"].push_back(tag_id(c.number % tag_count));
  }
  if (extras.notes) {
    out["notes"] = json::array();
    if (c.number % 3 == 0)
      out["notes"].push_back({{"note_id", cc_uuid(0x401e, static_cast<std::uint64_t>(c.number))},
                              {"created_at", cc_time(c.created_at)},
                              {"content", "Met contact " + n + " at the fair"}});
  }
  if (extras.phones) {
    out["phone_numbers"] = json::array();
    if (c.number % 2 == 0)
      out["phone_numbers"].push_back({{"phone_number_id", cc_uuid(0x9404e, static_cast<std::uint64_t>(c.number))},
                                      {"phone_number", "+1-555-01" + std::to_string(c.number % 100)},
                                      {"kind", "home"},
                                      {"created_at", cc_time(c.created_at)},
                                      {"updated_at", cc_time(c.created_at)},
                                      {"create_source", "Account"},
                                      {"update_source", "Account"}});
  }
  if (extras.addresses) {
    out["street_addresses"] = json::array();
    if (c.number % 4 == 0)
      out["street_addresses"].push_back({{"street_address_id", cc_uuid(0xadd2, static_cast<std::uint64_t>(c.number))},
                                         {"kind", "home"},
                                         {"street", n + " Main St"},
                                         {"city", "Waltham"},
                                         {"state", "MA"},
                                         {"postal_code", "02451"},
                                         {"country", "United States"},
                                         {"created_at", cc_time(c.created_at)},
                                         {"updated_at", cc_time(c.created_at)}});
  }
  if (c.deleted_at) out["deleted_at"] = deleted_at_text(*c.deleted_at, date_only);
  return out;
}

constexpr contact_extras all_contact_extras{true, true, true, true};

// membership_count only when include_membership_count asks for it.
json list_json(const cc_list& l, bool count = true) {
  json out = {{"list_id", l.id},          {"name", l.name},
              {"description", "Members of " + l.name}, {"favorite", false},
              {"created_at", cc_time(l.created_at)},   {"updated_at", cc_time(l.updated_at)}};
  if (count) out["membership_count"] = l.members;
  return out;
}

json field_json(const cc_custom_field& f) {
  return {{"custom_field_id", f.id}, {"label", "Field " + f.name.substr(6)}, {"name", f.name},
          {"type", f.type},          {"created_at", cc_time(f.created_at)},
          {"updated_at", cc_time(f.created_at)}};
}

json campaign_json(const cc_campaign& c) {
  return {{"campaign_id", c.id},         {"name", c.name},
          {"current_status", c.status},  {"type", "NEWSLETTER"},
          {"type_code", 10},             {"created_at", cc_time(c.created_at)},
          {"updated_at", cc_time(c.updated_at)}};
}

json campaign_detail_json(const cc_campaign& c) {
  auto out = campaign_json(c);
  json acts = json::array();
  for (const auto& a : c.activities)
    acts.push_back({{"campaign_activity_id", a.id}, {"role", a.role},
                    {"document_id", cc_uuid(std::hash<std::string>{}(a.id), 7)}});
  out["campaign_activities"] = std::move(acts);
  return out;
}

// `include`: GET /v3/emails/activities/{id}'s include parameter (the extras).
json activity_json(const cc_data& data, const cc_campaign& c, const cc_activity& a, std::string_view include = {}) {
  json out = {{"campaign_activity_id", a.id},
          {"campaign_id", c.id},
          {"role", a.role},
          {"contact_list_ids", json::array({data.lists()[static_cast<std::size_t>(a.list)].id})},
          {"segment_ids", json::array()},
          {"current_status", c.status == "Done" ? "DONE" : "DRAFT"},
          {"format_type", 5},
          {"from_email", "news@example.com"},
          {"from_name", "Example News"},
          {"reply_to_email", "reply@example.com"},
          {"subject", c.name + " (" + a.role + ")"},
          {"preheader", "Read " + c.name}};
  auto wants = [&](std::string_view e) { return include.find(e) != std::string_view::npos; };
  if (wants("html_content")) out["html_content"] = "<html><body><h1>" + c.name + "</h1></body></html>";
  if (wants("permalink_url")) out["permalink_url"] = "https://conta.cc/" + a.id.substr(0, 8);
  if (wants("physical_address_in_footer"))
    out["physical_address_in_footer"] = {{"address_line1", "1601 Trapelo Rd"}, {"city", "Waltham"},
                                         {"state_code", "MA"},                 {"postal_code", "02451"},
                                         {"country_code", "US"},               {"organization_name", "Example News"}};
  if (wants("document_properties"))
    out["document_properties"] = {{"letter_format", "XHTML"}, {"permission_reminder_enabled", "false"}};
  return out;
}

constexpr std::string_view all_activity_extras = "physical_address_in_footer,permalink_url,html_content,document_properties";

json preview_json(const cc_campaign& c, const cc_activity& a) {
  return {{"campaign_activity_id", a.id},
          {"from_email", "news@example.com"},
          {"from_name", "Example News"},
          {"reply_to_email", "reply@example.com"},
          {"subject", c.name + " (" + a.role + ")"},
          {"preheader", "Read " + c.name},
          {"preview_html_content", "<html><body><h1>" + c.name + "</h1><p>[[FIRSTNAME]]</p></body></html>"},
          {"preview_text_content", c.name + "\n[[FIRSTNAME]]"}};
}

bool reportable(const cc_activity& a) { return a.role == "primary_email" || a.role == "resend"; }

// GET .../schedules rows: a Scheduled campaign's primary_email activity has one.
json schedule_rows(const cc_campaign& c, const cc_activity& a) {
  json rows = json::array();
  if (c.scheduled_at && a.role == "primary_email") rows.push_back({{"scheduled_date", cc_time(*c.scheduled_at)}});
  return rows;
}

// GET .../send_history rows: one send of a sent reportable activity.
json send_history_rows(const cc_data& data, const cc_campaign& c, const cc_activity& a) {
  json rows = json::array();
  if (c.sent_at && reportable(a))
    rows.push_back({{"send_id", 1},
                    {"contact_list_ids", json::array({data.lists()[static_cast<std::size_t>(a.list)].id})},
                    {"segment_ids", json::array()},
                    {"count", a.recipients.size()},
                    {"run_date", cc_time(*c.sent_at)},
                    {"send_status", "COMPLETED"},
                    {"reason_code", 0}});
  return rows;
}

// The links of a sent reportable activity: the three its clicks go to, with
// the contacts that clicked each by `now`, and a fourth nobody clicks.
// `unclicked`: with the links whose unique_clicks is 0.
json link_rows(const cc_data& data, const cc_campaign& c, const cc_activity& a, std::int64_t now, bool unclicked) {
  json rows = json::array();
  if (!c.sent_at || !reportable(a)) return rows;
  std::map<int, std::set<int>> clickers;
  for (const auto& e : data.report(a, cc_report::clicks, now)) clickers[e.url].insert(e.contact);
  for (int url = 1; url <= 4; ++url) {
    const auto n = clickers.count(url) ? clickers[url].size() : 0;
    if (n == 0 && !unclicked) continue;
    json row = {{"link_url", "https://example.com/offer/" + std::to_string(url)},
                {"url_id", std::to_string(url)},
                {"unique_clicks", n}};
    if (url == 2) {
      row["link_tag"] = "offer-2";
      row["list_id"] = data.lists()[static_cast<std::size_t>(a.list)].id;
      row["list_action"] = "add";
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// One campaign's row of the summary report: unique contacts per tracking
// activity over its reportable activities at `now`; counts as strings (the
// docs' example) or integers, as the reading summary_count_type says.
json summary_json(const cc_data& data, const cc_campaign& c, std::int64_t now, bool strings) {
  std::map<cc_report, std::set<int>> who;
  for (const auto& a : c.activities)
    if (reportable(a))
      for (const auto r : {cc_report::sends, cc_report::opens, cc_report::clicks, cc_report::forwards,
                           cc_report::optouts, cc_report::bounces, cc_report::didnotopens})
        for (const auto& e : data.report(a, r, now)) who[r].insert(e.contact);
  auto count = [&](std::size_t n) { return strings ? json(std::to_string(n)) : json(n); };
  return {{"campaign_id", c.id},
          {"campaign_type", "Newsletter"},
          {"last_sent_date", cc_time(*c.sent_at)},
          {"unique_counts",
           {{"sends", count(who[cc_report::sends].size())},
            {"opens", count(who[cc_report::opens].size())},
            {"clicks", count(who[cc_report::clicks].size())},
            {"forwards", count(who[cc_report::forwards].size())},
            {"optouts", count(who[cc_report::optouts].size())},
            {"abuse", count(0)},
            {"bounces", count(who[cc_report::bounces].size())},
            {"not_opened", count(who[cc_report::didnotopens].size())}}}};
}

// Sent campaigns, the last sent first (the summary report's order).
std::vector<const cc_campaign*> summary_campaigns(const cc_data& data) {
  std::vector<const cc_campaign*> out;
  for (const auto& c : data.campaigns())
    if (c.sent_at) out.push_back(&c);
  std::stable_sort(out.begin(), out.end(),
                   [](const cc_campaign* x, const cc_campaign* y) { return *x->sent_at > *y->sent_at; });
  return out;
}

// How the contact activity summary reads what the docs leave open (the
// readings summary_end, summary_range, summary_counts, summary_optout_field).
struct summary_reading {
  bool end_inclusive = false;
  bool events_in_range = false;
  bool strings = false;
  const char* optout_field = "em_unsubscribes";
};

// One contact's activity summary rows at `now` for the range [start, end]
// (microseconds), the last sent first.
std::vector<json> contact_summary_rows(const cc_data& data, const cc_contact& contact, std::int64_t now,
                                       std::int64_t start_us, std::int64_t end_us, const summary_reading& r) {
  auto in_range = [&](std::int64_t t) {
    const auto us = t * 1'000'000;
    return us >= start_us && (r.end_inclusive ? us <= end_us : us < end_us);
  };
  std::vector<std::pair<std::int64_t, json>> rows;  // (send, row)
  for (const auto& c : data.campaigns()) {
    if (!c.sent_at) continue;
    for (const auto& a : c.activities) {
      const auto mine = a.events_of_contact.find(contact.number);  // every recipient has a send
      if (!reportable(a) || mine == a.events_of_contact.end()) continue;
      if (!r.events_in_range && !in_range(*c.sent_at)) continue;
      std::map<cc_report, std::int64_t> n;
      bool any = false;
      for (const auto i : mine->second)
        if (const auto& e = a.events[i]; e.created_time <= now && (!r.events_in_range || in_range(e.created_time))) {
          ++n[e.report];
          any = true;
        }
      if (!any) continue;
      auto count = [&](cc_report k) { return r.strings ? json(std::to_string(n[k])) : json(n[k]); };
      rows.emplace_back(*c.sent_at, json{{"campaign_activity_id", a.id},
                                          {"start_on", cc_time(*c.sent_at)},
                                          {"em_sends", count(cc_report::sends)},
                                          {"em_opens", count(cc_report::opens)},
                                          {"em_clicks", count(cc_report::clicks)},
                                          {"em_bounces", count(cc_report::bounces)},
                                          {"em_forwards", count(cc_report::forwards)},
                                          {r.optout_field, count(cc_report::optouts)}});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  std::vector<json> out;
  for (auto& [sent, row] : rows) out.push_back(std::move(row));
  return out;
}

json account_summary_json() {
  return {{"encoded_account_id", "a07e1lxqbxlm"},
          {"organization_name", "Example News"},
          {"organization_phone", "+1-555-0100"},
          {"contact_email", "owner@example.com"},
          {"contact_phone", "+1-555-0101"},
          {"first_name", "Olive"},
          {"last_name", "Owner"},
          {"website", "https://example.com"},
          {"time_zone_id", "US/Eastern"},
          {"country_code", "US"},
          {"state_code", "MA"}};
}

json physical_address_json() {
  return {{"address_line1", "1601 Trapelo Rd"}, {"address_line2", "Suite 329"}, {"city", "Waltham"},
          {"state_code", "MA"},                 {"postal_code", "02451"},       {"country_code", "US"}};
}

json account_emails_json(std::int64_t start) {
  json out = json::array();
  const char* roles[] = {"CONTACT", "BILLING", "JOURNALING"};
  for (int i = 0; i < 3; ++i)
    out.push_back({{"email_address", "account" + std::to_string(i + 1) + "@example.com"},
                   {"email_id", i + 1},
                   {"confirm_status", i < 2 ? "CONFIRMED" : "UNCONFIRMED"},
                   {"confirm_time", i < 2 ? json(cc_time(start + i * 3600)) : json()},
                   {"confirm_source_type", "SITE_OWNER"},
                   {"roles", json::array({roles[i]})},
                   {"pending_roles", json::array()}});
  return out;
}

json tag_json(const cc_data& data, int t) {
  int count = 0;
  for (const auto& c : data.contacts()) count += c.number % tag_count == t && t < tag_count - 1;
  const auto at = data.shape().start + t * 3600;
  return {{"tag_id", tag_id(t)},           {"name", "Tag " + std::to_string(t)},
          {"tag_source", t % 2 ? "ETSY" : "Account"}, {"contacts_count", count},
          {"created_at", cc_time(at)},     {"updated_at", cc_time(at + 60)}};
}

constexpr int segment_count = 3;

json segment_json(const cc_data& data, int i) {
  const auto at = data.shape().start + i * 86'400;
  return {{"segment_id", 30 + i}, {"name", "Segment " + std::to_string(i)},
          {"created_at", cc_time(at)}, {"edited_at", cc_time(at + 7200)}};
}

const char* activity_type(cc_report r) {
  switch (r) {
    case cc_report::sends: return "em_sends";
    case cc_report::opens: return "em_opens";
    case cc_report::unique_opens: return "em_opens";
    case cc_report::clicks: return "em_clicks";
    case cc_report::bounces: return "em_bounces";
    case cc_report::optouts: return "em_optouts";
    case cc_report::forwards: return "em_forwards";
    case cc_report::didnotopens: return "em_not_opened";  // [GUESS]: undocumented
  }
  return "";
}

json event_json(const cc_data& data, const cc_activity& a, const cc_event& e) {
  const auto& c = data.contacts()[static_cast<std::size_t>(e.contact - 1)];
  json out = {{"contact_id", c.id},
              {"campaign_activity_id", a.id},
              {"tracking_activity_type", activity_type(e.report)},
              {"email_address", email_of(c)},
              {"first_name", "First" + std::to_string(c.number)},
              {"last_name", "Last" + std::to_string(c.number)},
              {"created_time", cc_time(e.created_time)}};
  if (e.report == cc_report::opens || e.report == cc_report::clicks)
    out["device_type"] = (e.seq % 3 == 0) ? "mobile" : "computer";
  if (e.report == cc_report::clicks) {
    out["url_id"] = std::to_string(e.url);
    out["link_url"] = "https://example.com/offer/" + std::to_string(e.url);
  }
  if (e.report == cc_report::bounces) out["bounce_code"] = std::string(1, e.bounce_code);
  return out;
}

// Ascending (updated_at, id) keyset: contacts and campaigns.
template <class Row>
cursor_rule<const Row*> by_updated_at() {
  return {[](const Row* r, std::size_t) { return std::to_string(r->updated_at) + ":" + r->id; },
          [](const Row* r, std::size_t, std::string_view next) {
            const auto key = split_key(next);
            return key && std::make_pair(r->updated_at, r->id) <= *key;
          }};
}

// Descending (created_time, seq) keyset: tracking events, newest first.
cursor_rule<cc_event> by_event_time() {
  return {[](const cc_event& e, std::size_t) {
            return std::to_string(e.created_time) + ":" + std::to_string(e.seq);
          },
          [](const cc_event& e, std::size_t, std::string_view next) {
            const auto key = split_key(next);
            if (!key) return false;
            const auto seq = parse_int(key->second).value_or(0);
            return std::make_pair(e.created_time, e.seq) >= std::make_pair(key->first, seq);
          }};
}

// The statuses a contact has, as GET /v3/contacts?status= filters them.
bool has_status(const cc_contact& c, std::string_view status) {
  if (status == "all") return true;
  if (status == "deleted") return c.deleted_at.has_value();
  if (c.deleted_at) return false;
  const bool unsubscribed = c.number % 7 == 0;  // permission_to_send, as contact_json writes it
  if (status == "unsubscribed") return unsubscribed;
  if (status == "active") return !unsubscribed;
  return false;  // not_set, pending_confirmation, temp_hold: none in the sim
}

// The `status` parameter: a comma-separated list of statuses (nullopt for
// an unknown one); absent, every status but deleted (the docs' default).
std::optional<std::vector<std::string>> read_statuses(const params& p) {
  const auto it = p.find("status");
  if (it == p.end()) return std::vector<std::string>{"active", "unsubscribed"};
  static const std::set<std::string, std::less<>> known = {
      "all", "active", "deleted", "not_set", "pending_confirmation", "temp_hold", "unsubscribed"};
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= it->second.size()) {
    auto end = it->second.find(',', start);
    if (end == std::string::npos) end = it->second.size();
    auto one = it->second.substr(start, end - start);
    if (!known.contains(one)) return std::nullopt;
    out.push_back(std::move(one));
    start = end + 1;
  }
  return out;
}

std::vector<const cc_contact*> sorted_contacts(const cc_data& data, const after_bound& after,
                                               const std::vector<std::string>& statuses = {"all"}) {
  std::vector<const cc_contact*> out;
  for (const auto& c : data.contacts())
    if (after.admits(c.updated_at) &&
        std::any_of(statuses.begin(), statuses.end(), [&](const auto& st) { return has_status(c, st); }))
      out.push_back(&c);
  std::sort(out.begin(), out.end(), [](const cc_contact* x, const cc_contact* y) {
    return x->updated_at != y->updated_at ? x->updated_at < y->updated_at : x->id < y->id;
  });
  return out;
}

std::vector<const cc_campaign*> sorted_campaigns(const cc_data& data, const after_bound& after,
                                                 std::optional<std::int64_t> before_us) {
  std::vector<const cc_campaign*> out;
  for (const auto& c : data.campaigns())
    if (after.admits(c.updated_at) && (!before_us || c.updated_at * 1'000'000 <= *before_us)) out.push_back(&c);
  std::sort(out.begin(), out.end(), [](const cc_campaign* x, const cc_campaign* y) {
    return x->updated_at != y->updated_at ? x->updated_at < y->updated_at : x->id < y->id;
  });
  return out;
}

} // namespace

constant_contact_simulator::constant_contact_simulator(constant_contact_options options)
    : options_(std::move(options)),
      state_(std::make_unique<state>(options_.data)),
      server_([this] {
        if (options_.access_ttl_s < 1 || options_.daily_limit < 1 || options_.rate_calls < 1 ||
            !(options_.rate_seconds > 0) || options_.refresh_grace_s < 0 || options_.refresh_token.empty())
          throw std::invalid_argument(
              "constant_contact: access_ttl_s, daily_limit, rate_calls and rate_seconds must be "
              "positive, refresh_grace_s >= 0, refresh_token non-empty");
        auto s = options_.server;
        s.limits = {};
        s.limits.daily = options_.daily_limit;
        window_limit per_second;
        per_second.calls = options_.rate_calls;
        per_second.seconds = options_.rate_seconds;
        s.limits.windows = {per_second};
        return s;
      }()) {
  state_->refresh_token = options_.refresh_token;
  // [GUESS: "after" read literally]; the connector must not care.
  server_.declare_reading("updated_after_bound", {"exclusive", "inclusive"});
  server_.declare_reading("after_date_bound", {"exclusive", "inclusive"});
  // [GUESS: removing a contact's list memberships moves updated_at, as the
  // v2 docs said of list changes]; the connector must not care.
  server_.declare_reading("delete_bumps_updated_at", {"yes", "no"});
  // The docs' examples show a date ("2022-08-15"); a date-time is plausible.
  server_.declare_reading("deleted_at_format", {"date", "date-time"});
  // The links report's no_clicks: the docs' text says true adds the links
  // nobody clicked, their example shows false doing it.
  server_.declare_reading("no_clicks_meaning", {"true_adds_unclicked", "false_adds_unclicked"});
  // An activity's schedules: an array (the docs), or one schedule as a bare object.
  server_.declare_reading("schedules_shape", {"array", "object"});
  // The summary report's unique_counts: strings (the docs' example) or integers.
  server_.declare_reading("summary_count_type", {"string", "integer"});
  // The contact activity summary's range and counts (see the top comment).
  server_.declare_reading("summary_end", {"exclusive", "inclusive"});
  server_.declare_reading("summary_range", {"sends", "events"});
  server_.declare_reading("summary_counts", {"integer", "string"});
  server_.declare_reading("summary_optout_field", {"em_unsubscribes", "em_optouts"});
  server_.set_rejection_handler([](const rejection& why, const request&, response& res) {
    if (why.kind == limit_kind::daily)
      res.json(429, R"({"error_key":"quota_exceeded","error_message":"Limit Exceeded"})");
    else
      res.json(429, R"({"error_key":"throttled","error_message":"Too Many Requests"})");
  });
  add_oauth_routes();
  add_routes();
  add_control_routes();
}

constant_contact_simulator::~constant_contact_simulator() = default;

void constant_contact_simulator::start() { server_.start(); }
void constant_contact_simulator::stop() { server_.stop(); }

void constant_contact_simulator::add_oauth_routes() {
  server_.add_control_route("POST", "/oauth2/default/v1/token", [this](const request& req, response& res) {
    const auto now = server_.clock().now_unix_seconds();
    std::lock_guard lock(state_->mu);
    auto& st = *state_;
    if (basic_credentials(req) != options_.client_id + ":" + options_.client_secret) {
      ++st.invalid_client;
      res.json(401, R"({"error":"invalid_client","error_description":"Invalid value for 'client_id' or 'client_secret' parameter."})");
      return;
    }
    if (req.query_param("grant_type") != "refresh_token") {
      res.json(400, R"({"error":"unsupported_grant_type","error_description":"The authorization grant type is not supported by the authorization server."})");
      return;
    }
    const auto given = req.query_param("refresh_token").value_or("");
    const bool current = !given.empty() && given == st.refresh_token;
    const bool grace = !current && !given.empty() && given == st.previous_refresh &&
                       now - st.rotated_at < options_.refresh_grace_s;
    if (!current && !grace) {
      ++st.invalid_grant;
      res.json(400, R"({"error_description":"unknown, invalid, or expired refresh token","error":"invalid_grant"})");
      return;
    }
    if (grace) ++st.grace_reuses;
    // Rotate: the given token dies (a grace reuse kills both), a new one lives.
    st.previous_refresh = current ? st.refresh_token : "";
    st.rotated_at = now;
    ++st.refresh_seq;
    st.refresh_token = "rt." + cc_uuid(options_.data.seed * 7919 + static_cast<std::uint64_t>(st.refresh_seq),
                                       static_cast<std::uint64_t>(now));
    ++st.refreshes;
    const auto access = "at." + cc_uuid(static_cast<std::uint64_t>(st.tokens_issued) + 17,
                                        static_cast<std::uint64_t>(now)) +
                        "." + std::to_string(st.tokens_issued);
    ++st.tokens_issued;
    st.access_tokens[access] = server_.clock().now() + std::chrono::seconds{options_.access_ttl_s};
    res.json(200, json{{"token_type", "Bearer"},
                       {"expires_in", options_.access_ttl_s},
                       {"access_token", access},
                       {"scope", scope},
                       {"refresh_token", st.refresh_token}}
                      .dump());
  });
}

void constant_contact_simulator::add_routes() {
  using self = constant_contact_simulator;
  const auto plain = [this](route r) -> server::handler {
    return [this, r](const request& req, response& res) { (this->*r)(req, res); };
  };
  // Bearer check, storms and the Date header around every /v3 handler; the
  // handler runs under the state mutex.
  auto api = [this](server::handler h) {
    return [this, h = std::move(h)](const request& req, response& res) {
      const auto now = server_.clock().now_unix_seconds();
      res.headers.emplace_back("Date", http_date(now));
      std::lock_guard lock(state_->mu);
      auto& st = *state_;
      const auto auth = req.header("authorization").value_or("");
      const auto token = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : std::string();
      const auto it = st.access_tokens.find(token);
      if (it == st.access_tokens.end() || it->second <= server_.clock().now()) {
        ++st.answered_401;
        api_error(res, 401, "unauthorized", invalid_token);
        return;
      }
      if (st.quota_storm_after && (*st.quota_storm_after)-- <= 0) {
        st.quota_storm_after.reset();
        st.quota_storm_until = (now / day_s + 1) * day_s;
      }
      if (st.quota_storm_until && now < *st.quota_storm_until) {
        ++st.quota_answered;
        res.json(429, R"({"error_key":"quota_exceeded","error_message":"Limit Exceeded"})");
        return;
      }
      if (st.storm_throttled > 0) {
        --st.storm_throttled;
        ++st.throttled_answered;
        res.json(429, R"({"error_key":"throttled","error_message":"Too Many Requests"})");
        return;
      }
      h(req, res);
    };
  };

  server_.add_api_route("GET", "/v3/contacts", api(plain(&self::contacts)));
  server_.add_api_route("DELETE", "/v3/contacts/{contact_id}", api(plain(&self::contact_delete)));
  server_.add_api_route("GET", "/v3/contact_lists", api(plain(&self::contact_lists)));
  server_.add_api_route("GET", "/v3/contact_custom_fields", api(plain(&self::contact_custom_fields)));
  server_.add_api_route("GET", "/v3/emails", api(plain(&self::emails)));
  server_.add_api_route("GET", "/v3/emails/{campaign_id}", api(plain(&self::email)));
  server_.add_api_route("GET", "/v3/emails/activities/{campaign_activity_id}", api(plain(&self::activity)));

  // An activity's children: 404 for an unknown id.
  auto activity_route = [this, api](const std::string& path, activity_child body) {
    server_.add_api_route("GET", path, api([this, body](const request& req, response& res) {
      const auto found = state_->data.activity(req.path_param("campaign_activity_id"));
      if (!found) return api_error(res, 404, "not_found", "The campaign activity was not found.");
      (this->*body)(req, res, *found->first, *found->second);
    }));
  };
  activity_route("/v3/emails/activities/{campaign_activity_id}/previews", &self::activity_previews);
  activity_route("/v3/emails/activities/{campaign_activity_id}/schedules", &self::activity_schedules);
  activity_route("/v3/emails/activities/{campaign_activity_id}/send_history", &self::activity_send_history);
  activity_route("/v3/reports/email_reports/{campaign_activity_id}/links", &self::activity_links);

  server_.add_api_route("GET", "/v3/account/summary", api(plain(&self::account_summary)));
  server_.add_api_route("GET", "/v3/account/emails", api(plain(&self::account_emails)));
  server_.add_api_route("GET", "/v3/contact_tags", api(plain(&self::contact_tags)));
  server_.add_api_route("GET", "/v3/segments", api(plain(&self::segments)));
  server_.add_api_route("GET", "/v3/reports/summary_reports/email_campaign_summaries",
                        api(plain(&self::email_campaign_summaries)));
  server_.add_api_route("GET", "/v3/reports/contact_reports/{contact_id}/activity_summary",
                        api(plain(&self::contact_activity_summary)));

  for (const auto report : all_cc_reports) {
    const auto name = std::string(report_path_name(report));
    const auto path = "/v3/reports/email_reports/{campaign_activity_id}/tracking/" + name;
    server_.add_api_route("GET", path, api([this, report](const request& req, response& res) {
      tracking_report(report, req, res);
    }));
  }
}

void constant_contact_simulator::contacts(const request& req, response& res) {
  const auto p = read_params(req);
  if (!p) return api_error(res, 400, "query.param.invalid", "cursor is not valid");
  std::int64_t limit = 0;
  after_bound after{.us = std::nullopt, .inclusive = server_.reading("updated_after_bound") == "inclusive"};
  if (!read_limit(*p, res, 50, 500, limit) || !read_time(*p, res, "updated_after", after.us)) return;
  const auto statuses = read_statuses(*p);
  if (!statuses)
    return api_error(res, 400, "query.param.invalid",
                     "status must be all, active, deleted, not_set, pending_confirmation, temp_hold or "
                     "unsubscribed");
  const auto include = p->count("include") ? p->at("include") : std::string();
  const bool fields = include.find("custom_fields") != std::string::npos;
  const bool lists = include.find("list_memberships") != std::string::npos;
  const bool date_only = server_.reading("deleted_at_format") == "date";
  const auto& data = state_->data;
  answer_page(res, "/v3/contacts", *p, limit, sorted_contacts(data, after, *statuses), "contacts",
              [&](const cc_contact* c) { return contact_json(data, *c, fields, lists, date_only, extras_of(include)); },
              by_updated_at<cc_contact>());
}

void constant_contact_simulator::contact_delete(const request& req, response& res) {
  const auto& id = req.path_param("contact_id");
  const auto& contacts = state_->data.contacts();
  if (std::none_of(contacts.begin(), contacts.end(), [&](const cc_contact& c) { return c.id == id; }))
    return api_error(res, 404, "not_found", "The contact was not found.");
  state_->data.delete_contacts({id}, 0, server_.clock().now_unix_seconds(), bumps_on_delete());
  res.status = 204;
}

void constant_contact_simulator::contact_lists(const request& req, response& res) {
  const auto p = read_params(req);
  if (!p) return api_error(res, 400, "query.param.invalid", "cursor is not valid");
  std::int64_t limit = 0;
  if (!read_limit(*p, res, 50, 1000, limit)) return;
  const auto count = p->find("include_membership_count");
  if (count != p->end() && count->second != "all" && count->second != "active")
    return api_error(res, 400, "query.param.invalid", "include_membership_count must be all or active");
  const auto& rows = state_->data.lists();
  answer_page(res, "/v3/contact_lists", *p, limit, rows, "lists",
              [&](const cc_list& l) { return list_json(l, count != p->end()); }, by_position<cc_list>(),
              {{"lists_count", rows.size()}});
}

void constant_contact_simulator::contact_custom_fields(const request& req, response& res) {
  const auto p = read_params(req);
  if (!p) return api_error(res, 400, "query.param.invalid", "cursor is not valid");
  std::int64_t limit = 0;
  if (!read_limit(*p, res, 50, 100, limit)) return;
  answer_page(res, "/v3/contact_custom_fields", *p, limit, state_->data.custom_fields(),
              "custom_fields", field_json, by_position<cc_custom_field>());
}

void constant_contact_simulator::emails(const request& req, response& res) {
  const auto p = read_params(req);
  if (!p) return api_error(res, 400, "query.param.invalid", "cursor is not valid");
  std::int64_t limit = 0;
  after_bound after{.us = std::nullopt, .inclusive = server_.reading("after_date_bound") == "inclusive"};
  std::optional<std::int64_t> before;
  if (!read_limit(*p, res, 50, 500, limit) || !read_time(*p, res, "after_date", after.us) ||
      !read_time(*p, res, "before_date", before))
    return;
  answer_page(res, "/v3/emails", *p, limit, sorted_campaigns(state_->data, after, before), "campaigns",
              [](const cc_campaign* c) { return campaign_json(*c); }, by_updated_at<cc_campaign>());
}

void constant_contact_simulator::email(const request& req, response& res) {
  const auto* c = state_->data.campaign(req.path_param("campaign_id"));
  if (!c) return api_error(res, 404, "not_found", "The campaign was not found.");
  res.json(200, campaign_detail_json(*c).dump());
}

void constant_contact_simulator::activity(const request& req, response& res) {
  const auto found = state_->data.activity(req.path_param("campaign_activity_id"));
  if (!found) return api_error(res, 404, "not_found", "The campaign activity was not found.");
  const auto include = req.query_param("include").value_or("");
  res.json(200, activity_json(state_->data, *found->first, *found->second, include).dump());
}

void constant_contact_simulator::activity_previews(const request&, response& res,
                                                   const cc_campaign& c, const cc_activity& a) {
  res.json(200, preview_json(c, a).dump());
}

void constant_contact_simulator::activity_schedules(const request&, response& res,
                                                    const cc_campaign& c, const cc_activity& a) {
  auto rows = schedule_rows(c, a);
  // [GUESS] one schedule as a bare object under the reading "object".
  if (rows.size() == 1 && server_.reading("schedules_shape") == "object") rows = rows[0];
  res.json(200, rows.dump());
}

void constant_contact_simulator::activity_send_history(const request&, response& res,
                                                       const cc_campaign& c, const cc_activity& a) {
  res.json(200, send_history_rows(state_->data, c, a).dump());
}

void constant_contact_simulator::activity_links(const request& req, response& res,
                                                const cc_campaign& c, const cc_activity& a) {
  if (!reportable(a))
    return api_error(res, 400, "campaign.activity.role",
                     "Reports are available for primary_email and resend activities only.");
  const auto flag = req.query_param("no_clicks").value_or("false");
  if (flag != "true" && flag != "false")
    return api_error(res, 400, "query.param.invalid", "no_clicks must be true or false");
  const bool unclicked =
      flag == (server_.reading("no_clicks_meaning") == "true_adds_unclicked" ? "true" : "false");
  res.json(200, json{{"campaign_activity_id", a.id},
                     {"link_click_counts",
                      link_rows(state_->data, c, a, server_.clock().now_unix_seconds(), unclicked)}}
                    .dump());
}

void constant_contact_simulator::account_summary(const request& req, response& res) {
  auto out = account_summary_json();
  const auto extra = req.query_param("extra_fields").value_or("");
  if (extra.find("physical_address") != std::string::npos) out["physical_address"] = physical_address_json();
  res.json(200, out.dump());
}

void constant_contact_simulator::account_emails(const request&, response& res) {
  res.json(200, account_emails_json(state_->data.shape().start).dump());
}

void constant_contact_simulator::contact_tags(const request& req, response& res) {
  const auto p = read_params(req);
  if (!p) return api_error(res, 400, "query.param.invalid", "cursor is not valid");
  std::int64_t limit = 0;
  if (!read_limit(*p, res, 50, 500, limit)) return;
  std::vector<int> rows;
  for (int t = 0; t < state_->data.shape().tags; ++t) rows.push_back(t);
  json extra = json::object();
  if (p->count("include_count") && p->at("include_count") == "true") extra["tags_count"] = state_->data.shape().tags;
  answer_page(res, "/v3/contact_tags", *p, limit, rows, "tags",
              [this](int t) { return tag_json(state_->data, t); }, by_position<int>(), extra);
}

void constant_contact_simulator::segments(const request& req, response& res) {
  const auto p = read_params(req);
  if (!p) return api_error(res, 400, "query.param.invalid", "cursor is not valid");
  std::int64_t limit = 0;
  if (!read_limit(*p, res, 1000, 1000, limit)) return;
  std::vector<int> rows;
  for (int i = segment_count - 1; i >= 0; --i) rows.push_back(i);  // sort_by=date: newest first
  answer_page(res, "/v3/segments", *p, limit, rows, "segments",
              [this](int i) { return segment_json(state_->data, i); }, by_position<int>());
}

void constant_contact_simulator::email_campaign_summaries(const request& req, response& res) {
  const auto p = read_params(req);
  if (!p) return api_error(res, 400, "query.param.invalid", "cursor is not valid");
  std::int64_t limit = 0;
  if (!read_limit(*p, res, 50, 500, limit)) return;
  auto rows = summary_campaigns(state_->data);
  if (rows.size() > 500) rows.resize(500);  // the last 500 campaigns at most
  const bool strings = server_.reading("summary_count_type") == "string";
  const auto now = server_.clock().now_unix_seconds();
  answer_page(res, "/v3/reports/summary_reports/email_campaign_summaries", *p, limit, rows,
              "bulk_email_campaign_summaries",
              [&](const cc_campaign* c) { return summary_json(state_->data, *c, now, strings); },
              by_position<const cc_campaign*>());
}

void constant_contact_simulator::contact_activity_summary(const request& req, response& res) {
  const auto p = read_params(req);
  if (!p) return api_error(res, 400, "query.param.invalid", "cursor is not valid");
  std::optional<std::int64_t> start, end;
  if (!read_time(*p, res, "start", start) || !read_time(*p, res, "end", end)) return;
  if (!start || !end) return api_error(res, 400, "query.param.invalid", "start and end are required");
  if (*end < *start) return api_error(res, 400, "query.param.invalid", "end must not be before start");
  const auto& id = req.path_param("contact_id");
  const auto& contacts = state_->data.contacts();
  const auto it = std::find_if(contacts.begin(), contacts.end(), [&](const cc_contact& c) { return c.id == id; });
  if (it == contacts.end()) return api_error(res, 404, "not_found", "The contact was not found.");
  const summary_reading r{.end_inclusive = server_.reading("summary_end") == "inclusive",
                          .events_in_range = server_.reading("summary_range") == "events",
                          .strings = server_.reading("summary_counts") == "string",
                          .optout_field = server_.reading("summary_optout_field") == "em_optouts"
                                              ? "em_optouts"
                                              : "em_unsubscribes"};
  const auto rows = contact_summary_rows(state_->data, *it, server_.clock().now_unix_seconds(), *start, *end, r);
  answer_page(res, "/v3/reports/contact_reports/" + id + "/activity_summary", *p, 200, rows,
              "campaign_activities", [](const json& row) { return row; }, by_position<json>(),
              {{"contact_id", id}});
}

void constant_contact_simulator::tracking_report(cc_report report, const request& req, response& res) {
  const auto p = read_params(req);
  if (!p) return api_error(res, 400, "query.param.invalid", "cursor is not valid");
  std::int64_t limit = 0;
  if (!read_limit(*p, res, 500, 500, limit)) return;
  const auto& id = req.path_param("campaign_activity_id");
  const auto found = state_->data.activity(id);
  if (!found) return api_error(res, 404, "not_found", "The campaign activity was not found.");
  const auto& a = *found->second;
  if (a.role != "primary_email" && a.role != "resend")
    return api_error(res, 400, "campaign.activity.role",
                     "Reports are available for primary_email and resend activities only.");
  const auto events = state_->data.report(a, report, server_.clock().now_unix_seconds());
  answer_page(res, req.path, *p, limit, events, "tracking_activities",
              [&](const cc_event& e) { return event_json(state_->data, a, e); }, by_event_time());
}

void constant_contact_simulator::add_control_routes() {
  server_.add_control_route("POST", "/_sim/mutate", [this](const request& req, response& res) {
    const auto body = control_body(req);
    auto count = [&](const char* name) {
      const auto v = body.value(name, json(0));
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 1000000)
        throw std::invalid_argument(std::string(name) + " must be an integer from 0 to 1000000");
      return static_cast<int>(v.get<std::int64_t>());
    };
    const auto m = mutate(count("touch_contacts"), count("send_campaigns"));
    res.json(200, json{{"touched_contacts", m.touched_contacts}, {"sent_campaigns", m.sent_campaigns}}.dump());
  });
  // {"ids": [...]} and/or {"count": N}: ids of contacts, or N random live ones.
  auto contact_ids = [](const json& body) {
    std::vector<std::string> ids;
    if (body.contains("ids")) {
      if (!body["ids"].is_array()) throw std::invalid_argument("ids must be an array of contact ids");
      for (const auto& id : body["ids"]) {
        if (!id.is_string()) throw std::invalid_argument("ids must be an array of contact ids");
        ids.push_back(id.get<std::string>());
      }
    }
    return ids;
  };
  server_.add_control_route("POST", "/_sim/contacts/delete", [this, contact_ids](const request& req, response& res) {
    const auto body = control_body(req);
    const auto count = body.value("count", json(0));
    if (!count.is_number_integer() || count.get<std::int64_t>() < 0 || count.get<std::int64_t>() > 1000000)
      throw std::invalid_argument("count must be an integer from 0 to 1000000");
    res.json(200, json{{"deleted", delete_contacts(contact_ids(body), static_cast<int>(count.get<std::int64_t>()))}}.dump());
  });
  server_.add_control_route("POST", "/_sim/contacts/restore", [this, contact_ids](const request& req, response& res) {
    const auto body = control_body(req);
    const auto ids = contact_ids(body);
    const auto now = server_.clock().now_unix_seconds();
    std::lock_guard lock(state_->mu);
    res.json(200, json{{"restored", state_->data.restore_contacts(ids, now)}}.dump());
  });
  server_.add_control_route("GET", "/_sim/dataset/{stream}", [this](const request& req, response& res) {
    auto body = dataset_json(req.path_param("stream"));
    if (body.empty()) res.json(404, R"({"error":"not_found"})");
    else res.json(200, std::move(body));
  });
  server_.add_control_route("GET", "/_sim/oauth", [this](const request&, response& res) {
    res.json(200, oauth_json());
  });
  server_.add_control_route("POST", "/_sim/storm", [this](const request& req, response& res) {
    const auto body = control_body(req);
    const auto now = server_.clock().now_unix_seconds();
    std::lock_guard lock(state_->mu);
    if (body.contains("throttled")) {
      if (!body["throttled"].is_number_integer() || body["throttled"].get<std::int64_t>() < 0)
        throw std::invalid_argument("throttled must be a non-negative integer");
      state_->storm_throttled = body["throttled"].get<std::int64_t>();
    }
    if (body.value("quota_exceeded", false)) {
      const auto after = body.value("after_calls", json(0));
      if (!after.is_number_integer() || after.get<std::int64_t>() < 0)
        throw std::invalid_argument("after_calls must be a non-negative integer");
      if (after.get<std::int64_t>() == 0) state_->quota_storm_until = (now / day_s + 1) * day_s;
      else state_->quota_storm_after = after.get<std::int64_t>();
    }
    res.json(200, R"({"ok":true})");
  });
  server_.add_control_route("GET", "/_sim/storm", [this](const request&, response& res) {
    std::lock_guard lock(state_->mu);
    res.json(200, json{{"throttled_answered", state_->throttled_answered},
                       {"quota_answered", state_->quota_answered},
                       {"throttled_pending", state_->storm_throttled}}
                      .dump());
  });
}

cc_data::mutation constant_contact_simulator::mutate(int touch_contacts, int send_campaigns) {
  const auto now = server_.clock().now_unix_seconds();
  std::lock_guard lock(state_->mu);
  return state_->data.mutate(touch_contacts, send_campaigns, now);
}

std::vector<std::string> constant_contact_simulator::delete_contacts(const std::vector<std::string>& ids, int count) {
  const auto now = server_.clock().now_unix_seconds();
  std::lock_guard lock(state_->mu);
  return state_->data.delete_contacts(ids, count, now, bumps_on_delete());
}

bool constant_contact_simulator::bumps_on_delete() const { return server_.reading("delete_bumps_updated_at") == "yes"; }

std::string constant_contact_simulator::oauth_json() const {
  std::lock_guard lock(state_->mu);
  const auto& st = *state_;
  return json{{"tokens_issued", st.tokens_issued}, {"refreshes", st.refreshes},
              {"invalid_grant", st.invalid_grant}, {"invalid_client", st.invalid_client},
              {"answered_401", st.answered_401},   {"refresh_token_seq", st.refresh_seq},
              {"grace_reuses", st.grace_reuses}}
      .dump();
}

std::string constant_contact_simulator::dataset_json(std::string_view stream) const {
  const auto now = server_.clock().now_unix_seconds();
  std::lock_guard lock(state_->mu);
  const auto& data = state_->data;
  json out = json::array();
  if (stream == "contacts") {
    const bool date_only = server_.reading("deleted_at_format") == "date";
    for (const auto* c : sorted_contacts(data, {}))
      out.push_back(contact_json(data, *c, true, true, date_only, all_contact_extras));
  } else if (stream == "contact_lists") {
    for (const auto& l : data.lists()) out.push_back(list_json(l));
  } else if (stream == "contact_custom_fields") {
    for (const auto& f : data.custom_fields()) out.push_back(field_json(f));
  } else if (stream == "campaigns") {
    for (const auto& c : data.campaigns()) out.push_back(campaign_json(c));
  } else if (stream == "campaign_activities") {
    for (const auto& c : data.campaigns())
      for (const auto& a : c.activities) out.push_back(activity_json(data, c, a, all_activity_extras));
  } else if (stream == "email_previews") {
    for (const auto& c : data.campaigns())
      for (const auto& a : c.activities) out.push_back(preview_json(c, a));
  } else if (stream == "campaign_activity_schedules" || stream == "campaign_activity_send_history" ||
             stream == "email_links") {
    for (const auto& c : data.campaigns())
      for (const auto& a : c.activities) {
        auto rows = stream == "email_links"                    ? link_rows(data, c, a, now, true)
                    : stream == "campaign_activity_schedules" ? schedule_rows(c, a)
                                                               : send_history_rows(data, c, a);
        for (auto& r : rows) {
          r["campaign_activity_id"] = a.id;
          out.push_back(std::move(r));
        }
      }
  } else if (stream == "account_summary") {
    auto summary = account_summary_json();
    summary["physical_address"] = physical_address_json();
    out.push_back(std::move(summary));
  } else if (stream == "account_emails") {
    out = account_emails_json(data.shape().start);
  } else if (stream == "contact_tags") {
    for (int t = 0; t < data.shape().tags; ++t) out.push_back(tag_json(data, t));
  } else if (stream == "segments") {
    for (int i = 0; i < segment_count; ++i) out.push_back(segment_json(data, i));
  } else if (stream == "email_campaign_summaries") {
    // As quarry delivers them: counts as integers whatever the reading.
    for (const auto* c : summary_campaigns(data)) out.push_back(summary_json(data, *c, now, false));
  } else if (stream == "contact_activity_summaries") {
    // As quarry delivers them: every activity since the epoch, integer
    // counts, the opt-outs as em_unsubscribes, each row with its contact_id.
    for (const auto& c : data.contacts())
      for (auto& row : contact_summary_rows(data, c, now, 0, (now + day_s) * 1'000'000, {})) {
        row["contact_id"] = c.id;
        out.push_back(std::move(row));
      }
  } else if (const auto report = report_of(stream)) {
    for (const auto& c : data.campaigns())
      for (const auto& a : c.activities)
        if (a.role == "primary_email" || a.role == "resend")
          for (const auto& e : data.report(a, *report, now)) out.push_back(event_json(data, a, e));
  } else {
    return {};
  }
  return out.dump();
}

} // namespace quarry::sim
