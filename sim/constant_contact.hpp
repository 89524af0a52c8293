#pragma once

// The Constant Contact v3 simulator (apis.md section 5): contacts, lists,
// custom fields, email campaigns and their activities, the eight email
// tracking reports, cursor paging through _links.next.href, and the OAuth2
// token endpoint with access tokens that expire and refresh tokens that
// rotate. The wire format in detail: constant_contact.cpp's top comment.
//
// Limits: 4 calls/s and 10,000 calls a day (00:00 UTC), both answered 429
// with their own body, enforced by sim::server's call_ledger (so a client
// that breaks one shows up in /_sim/violations). Storms a test asks for with
// POST /_sim/storm are answered the same way but are not the client's fault
// (another app of the same account spent the window or the day).
//
// Refresh token lifecycle (one chain per simulator):
//
//   issued --refresh--> rotated (dead) --reuse--> 400 invalid_grant
//      |                     | within refresh_grace_s: accepted once more [GUESS: Okta's grace period]
//      +-- the one valid token; /_sim/oauth shows its sequence number

#include "sim/constant_contact_data.hpp"
#include "sim/server.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace quarry::sim {

struct constant_contact_options {
  cc_shape data;
  std::string client_id = "cc-client";
  std::string client_secret = "cc-secret";
  std::string refresh_token = "cc-refresh-0";  // the first one, from the authorization step
  std::int64_t access_ttl_s = 86400;
  std::int64_t refresh_grace_s = 0;  // 0: a rotated token is dead at once
  std::int64_t daily_limit = 10000;  // 429 quota_exceeded beyond; the day starts 00:00 UTC
  std::int64_t rate_calls = 4;       // 429 throttled beyond rate_calls in rate_seconds
  double rate_seconds = 1;
  // host, port, latency_ms, fault_rate, malformed_paths; its limits are
  // replaced by the ones above.
  server_options server;
};

class constant_contact_simulator {
 public:
  // Throws std::invalid_argument for bad options.
  explicit constant_contact_simulator(constant_contact_options options);
  ~constant_contact_simulator();
  constant_contact_simulator(const constant_contact_simulator&) = delete;
  constant_contact_simulator& operator=(const constant_contact_simulator&) = delete;

  void start();  // see server::start
  void stop();
  int port() const { return server_.port(); }
  std::string base_url() const { return server_.base_url(); }
  const constant_contact_options& options() const { return options_; }

  server& http() { return server_; }
  const server& http() const { return server_; }

  // As POST /_sim/mutate, at the sim clock's now.
  cc_data::mutation mutate(int touch_contacts, int send_campaigns);
  // As POST /_sim/contacts/delete, at the sim clock's now (cc_data::delete_contacts):
  // the ids deleted.
  std::vector<std::string> delete_contacts(const std::vector<std::string>& ids, int count);
  // As GET /_sim/dataset/<stream>: what the API shows now, a JSON array.
  // Streams: contacts (as status=all shows them, with custom_fields and
  // list_memberships; deleted ones with deleted_at),
  // contact_lists, contact_custom_fields, campaigns, campaign_activities,
  // and each report (sends, opens, ...) over every activity; issue 17's
  // email_links (every link, unclicked ones too), email_previews,
  // campaign_activity_schedules, campaign_activity_send_history (each row
  // with its campaign_activity_id), account_summary (with its
  // physical_address), account_emails, contact_tags, segments and
  // email_campaign_summaries (counts as integers), contact_activity_summaries
  // (every row of every contact, integer counts, em_unsubscribes), all as
  // quarry delivers them. Empty string for an unknown stream.
  std::string dataset_json(std::string_view stream) const;
  // As GET /_sim/oauth.
  std::string oauth_json() const;

 private:
  struct state;
  using route = void (constant_contact_simulator::*)(const request&, response&);
  // An activity's child, given the activity (404 for an unknown id is answered before).
  using activity_child =
      void (constant_contact_simulator::*)(const request&, response&, const cc_campaign&, const cc_activity&);

  // add_routes is the route table (the /v3 API); each route below is one handler.
  void add_routes();
  void contacts(const request& req, response& res);
  void contact_delete(const request& req, response& res);
  void contact_lists(const request& req, response& res);
  void contact_custom_fields(const request& req, response& res);
  void emails(const request& req, response& res);
  void email(const request& req, response& res);
  void activity(const request& req, response& res);
  void activity_previews(const request&, response& res, const cc_campaign& c, const cc_activity& a);
  void activity_schedules(const request&, response& res, const cc_campaign& c, const cc_activity& a);
  void activity_send_history(const request&, response& res, const cc_campaign& c, const cc_activity& a);
  void activity_links(const request& req, response& res, const cc_campaign& c, const cc_activity& a);
  void account_summary(const request& req, response& res);
  void account_emails(const request&, response& res);
  void contact_tags(const request& req, response& res);
  void segments(const request& req, response& res);
  void email_campaign_summaries(const request& req, response& res);
  void contact_activity_summary(const request& req, response& res);
  void tracking_report(cc_report report, const request& req, response& res);
  void add_oauth_routes();
  void add_control_routes();
  bool bumps_on_delete() const;  // the reading delete_bumps_updated_at

  const constant_contact_options options_;
  std::unique_ptr<state> state_;
  server server_;
};

} // namespace quarry::sim
