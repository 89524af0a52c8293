// The Constant Contact simulator over real HTTP on loopback: OAuth with
// rotating refresh tokens, cursor paging, accruing tracking reports, and the
// two 429s, each as apis.md section 5 describes the real API.

#include "sim/constant_contact.hpp"
#include "sim/timestamps.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

namespace quarry::sim {
namespace {

using nlohmann::json;

constexpr std::int64_t day_s = 86'400;

struct reply {
  int status = -1;
  json body;
  std::string text;
};

reply to_reply(const httplib::Result& r) {
  reply out;
  if (!r) return out;
  out.status = r->status;
  out.text = r->body;
  out.body = json::parse(r->body, nullptr, false);
  return out;
}

class cc_sim : public ::testing::Test {
 protected:
  // 230 contacts; limits wide unless a test is about them.
  static constant_contact_options relaxed() {
    constant_contact_options o;
    o.data.contacts = 230;
    o.rate_calls = 1000;
    return o;
  }
  void start(constant_contact_options o = relaxed()) {
    sim_ = std::make_unique<constant_contact_simulator>(std::move(o));
    sim_->start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", sim_->port());
  }

  reply refresh(const std::string& rt, const std::string& secret = "cc-secret") {
    httplib::Headers h{httplib::make_basic_authentication_header("cc-client", secret)};
    return to_reply(client_->Post("/oauth2/default/v1/token?refresh_token=" + rt + "&grant_type=refresh_token", h,
                                  "", "application/x-www-form-urlencoded"));
  }
  // A fresh access token (rotating the chain as a client would).
  std::string token() {
    const auto r = refresh(rt_);
    EXPECT_EQ(r.status, 200) << r.text;
    rt_ = r.body.value("refresh_token", "");
    return r.body.value("access_token", "");
  }
  reply get(const std::string& path, const std::string& bearer) {
    return to_reply(client_->Get(path, httplib::Headers{{"Authorization", "Bearer " + bearer}}));
  }
  json control(const std::string& path) { return to_reply(client_->Get(path)).body; }
  // Every item of a cursor-paged list, following _links.next.href alone.
  json read_all(const std::string& first, const std::string& key, const std::string& bearer, int* pages = nullptr) {
    json all = json::array();
    std::string href = first;
    for (int n = 1;; ++n) {
      const auto r = get(href, bearer);
      EXPECT_EQ(r.status, 200) << href << " " << r.text;
      if (r.status != 200) return all;
      for (const auto& item : r.body[key]) all.push_back(item);
      if (pages) *pages = n;
      if (!r.body.contains("_links")) return all;
      href = r.body["/_links/next/href"_json_pointer].get<std::string>();
      EXPECT_EQ(href.rfind("/v3/", 0), 0u) << href;
      EXPECT_NE(href.find("?cursor="), std::string::npos) << href;
    }
  }

  std::unique_ptr<constant_contact_simulator> sim_;
  std::unique_ptr<httplib::Client> client_;
  std::string rt_ = "cc-refresh-0";
};

TEST_F(cc_sim, a_refresh_rotates_the_refresh_token_and_the_old_one_is_dead) {
  start();
  const auto first = refresh("cc-refresh-0");
  ASSERT_EQ(first.status, 200) << first.text;
  EXPECT_EQ(first.body["token_type"], "Bearer");
  EXPECT_EQ(first.body["expires_in"], 86400);
  const auto rotated = first.body["refresh_token"].get<std::string>();
  EXPECT_NE(rotated, "cc-refresh-0");
  const auto reuse = refresh("cc-refresh-0");
  EXPECT_EQ(reuse.status, 400);
  EXPECT_EQ(reuse.body["error"], "invalid_grant");
  EXPECT_EQ(reuse.body["error_description"], "unknown, invalid, or expired refresh token");
  EXPECT_EQ(refresh(rotated, "wrong").status, 401);
  EXPECT_EQ(refresh(rotated).status, 200);
  const auto oauth = control("/_sim/oauth");
  EXPECT_EQ(oauth["refreshes"], 2);
  EXPECT_EQ(oauth["invalid_grant"], 1);
  EXPECT_EQ(oauth["invalid_client"], 1);
  EXPECT_EQ(oauth["refresh_token_seq"], 2);
  EXPECT_EQ(sim_->http().stats().calls_total, 0) << "the token endpoint is not an API call";
}

TEST_F(cc_sim, a_grace_period_accepts_a_rotated_token_once_when_configured) {
  auto o = relaxed();
  o.refresh_grace_s = 30;
  start(o);
  ASSERT_EQ(refresh("cc-refresh-0").status, 200);
  const auto again = refresh("cc-refresh-0");  // the answer was lost: retry within the grace period
  ASSERT_EQ(again.status, 200) << again.text;
  EXPECT_EQ(control("/_sim/oauth")["grace_reuses"], 1);
  EXPECT_EQ(refresh("cc-refresh-0").status, 400) << "a grace reuse kills the token for good";
}

TEST_F(cc_sim, access_tokens_are_required_and_expire) {
  auto o = relaxed();
  o.access_ttl_s = 60;
  start(o);
  const auto none = get("/v3/contact_lists", "nope");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body[0]["error_message"], "The Access Token used is invalid.");
  const auto at = token();
  EXPECT_EQ(get("/v3/contact_lists", at).status, 200);
  sim_->http().clock().advance(std::chrono::seconds(61));
  EXPECT_EQ(get("/v3/contact_lists", at).status, 401);
  EXPECT_EQ(control("/_sim/oauth")["answered_401"], 2);
}

TEST_F(cc_sim, contacts_page_by_cursor_in_updated_order_with_the_filters_in_the_cursor) {
  start();
  const auto at = token();
  int pages = 0;
  const auto all = read_all("/v3/contacts?limit=50&include=list_memberships", "contacts", at, &pages);
  EXPECT_EQ(all.size(), 230u);
  EXPECT_EQ(pages, 5);
  std::set<std::string> ids;
  std::string previous;
  for (const auto& c : all) {
    ids.insert(c["contact_id"].get<std::string>());
    EXPECT_TRUE(c.contains("list_memberships")) << "include survives the cursor";
    EXPECT_FALSE(c.contains("custom_fields"));
    EXPECT_LE(previous, c["updated_at"].get<std::string>());
    previous = c["updated_at"];
  }
  EXPECT_EQ(ids.size(), 230u);
  // updated_after travels in the cursor and is read as the reading says
  // (exclusive by default), to the microsecond: a bound 1 ms before the cut
  // includes the cut's contacts either way.
  const auto cut = all[100]["updated_at"].get<std::string>();
  const auto cut_s = *parse_rfc3339_us(cut) / 1'000'000;
  auto ms_before = format_rfc3339(cut_s - 1);
  ms_before.insert(ms_before.size() - 1, ".999");
  for (const std::string reading : {"exclusive", "inclusive"}) {
    SCOPED_TRACE(reading);
    if (reading == "inclusive") {
      ASSERT_TRUE(sim_->http().set_reading("updated_after_bound", reading));
    }
    std::size_t at_or_after = 0, after = 0;
    for (const auto& c : all) {
      at_or_after += c["updated_at"].get<std::string>() >= cut;
      after += c["updated_at"].get<std::string>() > cut;
    }
    ASSERT_LT(after, at_or_after);
    EXPECT_EQ(read_all("/v3/contacts?limit=20&updated_after=" + cut, "contacts", at).size(),
              reading == "inclusive" ? at_or_after : after);
    EXPECT_EQ(read_all("/v3/contacts?limit=20&updated_after=" + ms_before, "contacts", at).size(), at_or_after);
  }
  EXPECT_EQ(get("/v3/contacts?limit=501", at).status, 400);
  EXPECT_EQ(get("/v3/contacts?updated_after=yesterday", at).status, 400);
  EXPECT_EQ(get("/v3/contacts?cursor=!!", at).status, 400);
}

// Deleted contacts stay in the account: GET /v3/contacts leaves them out
// unless status asks for them, and shows them with deleted_at (a date or a
// date-time) and no lists; what a deletion does to updated_at is a reading.
TEST_F(cc_sim, deleted_contacts_show_only_when_asked_for_as_the_readings_say) {
  for (const std::string bumps : {"yes", "no"})
    for (const std::string format : {"date", "date-time"}) {
      SCOPED_TRACE(bumps + " " + format);
      rt_ = "cc-refresh-0";  // a new simulator, a new chain
      start();
      ASSERT_TRUE(sim_->http().set_reading("delete_bumps_updated_at", bumps));
      ASSERT_TRUE(sim_->http().set_reading("deleted_at_format", format));
      const auto at = token();
      const auto before = read_all("/v3/contacts?limit=500", "contacts", at);
      sim_->http().clock().advance(std::chrono::seconds(3600));
      const auto deleted = to_reply(client_->Post("/_sim/contacts/delete", R"({"count":20})", "application/json"));
      ASSERT_EQ(deleted.status, 200) << deleted.text;
      ASSERT_EQ(deleted.body["deleted"].size(), 20u);
      const std::set<std::string> gone(deleted.body["deleted"].begin(), deleted.body["deleted"].end());
      EXPECT_EQ(read_all("/v3/contacts?limit=500", "contacts", at).size(), 210u) << "the default leaves them out";
      const auto now = format_rfc3339(sim_->http().clock().now_unix_seconds());
      std::map<std::string, json> was;
      for (const auto& c : before) was[c["contact_id"].get<std::string>()] = c;
      std::size_t shown_deleted = 0;
      // status travels in the cursor: pages of 7.
      for (const auto& c : read_all("/v3/contacts?limit=7&status=all&include=list_memberships", "contacts", at)) {
        const auto id = c["contact_id"].get<std::string>();
        if (!gone.contains(id)) {
          EXPECT_FALSE(c.contains("deleted_at")) << id;
          continue;
        }
        ++shown_deleted;
        EXPECT_EQ(c["deleted_at"], format == "date" ? now.substr(0, 10) : now.substr(0, 19) + ".000Z");
        EXPECT_EQ(c["list_memberships"], json::array());
        EXPECT_EQ(c["updated_at"], bumps == "yes" ? json(now.substr(0, 19) + ".000Z") : was[id]["updated_at"]);
      }
      EXPECT_EQ(shown_deleted, 20u);
      const auto only_deleted = read_all("/v3/contacts?limit=7&status=deleted", "contacts", at);
      EXPECT_EQ(only_deleted.size(), 20u);
      for (const auto& c : only_deleted) EXPECT_TRUE(gone.contains(c["contact_id"].get<std::string>()));
      EXPECT_EQ(read_all("/v3/contacts?limit=500&status=active,unsubscribed", "contacts", at).size(), 210u);
      EXPECT_EQ(read_all("/v3/contacts?limit=500&status=active,deleted", "contacts", at).size(),
                read_all("/v3/contacts?limit=500&status=active", "contacts", at).size() + 20u);
      EXPECT_EQ(get("/v3/contacts?status=gone", at).status, 400);
    }
}

TEST_F(cc_sim, the_api_delete_is_a_counted_call_and_a_restore_brings_a_contact_back) {
  start();
  const auto at = token();
  const auto id = read_all("/v3/contacts?limit=1", "contacts", at).front()["contact_id"].get<std::string>();
  const httplib::Headers bearer{{"Authorization", "Bearer " + at}};
  EXPECT_EQ(client_->Delete("/v3/contacts/" + id, bearer)->status, 204);
  EXPECT_EQ(client_->Delete("/v3/contacts/no-such-contact", bearer)->status, 404);
  EXPECT_EQ(sim_->http().stats().calls_by_path.at("/v3/contacts/{contact_id}"), 2);
  ASSERT_EQ(read_all("/v3/contacts?limit=500&status=deleted", "contacts", at).size(), 1u);
  sim_->http().clock().advance(std::chrono::seconds(60));
  const auto restored = to_reply(client_->Post("/_sim/contacts/restore", json{{"ids", {id}}}.dump(), "application/json"));
  ASSERT_EQ(restored.status, 200) << restored.text;
  EXPECT_EQ(restored.body["restored"], json::array({id}));
  EXPECT_TRUE(read_all("/v3/contacts?limit=500&status=deleted", "contacts", at).empty());
  const auto back = read_all("/v3/contacts?limit=500&include=list_memberships", "contacts", at).back();
  EXPECT_EQ(back["contact_id"], id) << "updated now: the newest";
  EXPECT_EQ(back["list_memberships"].size(), 1u);
  EXPECT_EQ(to_reply(client_->Post("/_sim/contacts/delete", R"({"ids":["nope"]})", "application/json")).status, 400);
}

TEST_F(cc_sim, campaigns_after_date_is_read_as_the_reading_says) {
  auto o = relaxed();
  o.data.campaigns = 12;
  start(o);
  const auto at = token();
  const auto all = read_all("/v3/emails?limit=5", "campaigns", at);
  ASSERT_EQ(all.size(), 12u);
  const auto cut = all[6]["updated_at"].get<std::string>();
  std::size_t at_or_after = 0, after = 0;
  for (const auto& c : all) {
    at_or_after += c["updated_at"].get<std::string>() >= cut;
    after += c["updated_at"].get<std::string>() > cut;
  }
  ASSERT_LT(after, at_or_after);
  EXPECT_EQ(read_all("/v3/emails?after_date=" + cut, "campaigns", at).size(), after);
  ASSERT_EQ(to_reply(client_->Post("/_sim/readings", R"({"after_date_bound":"inclusive"})", "application/json")).status,
            200);
  EXPECT_EQ(read_all("/v3/emails?after_date=" + cut, "campaigns", at).size(), at_or_after);
  EXPECT_EQ(to_reply(client_->Post("/_sim/readings", R"({"after_date_bound":"sometimes"})", "application/json")).status,
            400);
}

TEST_F(cc_sim, a_touch_changes_distinct_contacts_at_one_instant) {
  start();
  EXPECT_EQ(sim_->mutate(200, 0).touched_contacts, 200);
  const auto now = sim_->http().clock().now_unix_seconds();
  std::size_t burst = 0;
  for (const auto& c : json::parse(sim_->dataset_json("contacts")))
    burst += *parse_rfc3339_us(c["updated_at"].get<std::string>()) / 1'000'000 == now;
  EXPECT_EQ(burst, 200u);
  EXPECT_EQ(sim_->mutate(500, 0).touched_contacts, 230) << "at most every contact";
}

TEST_F(cc_sim, a_hold_keeps_later_calls_waiting_until_released) {
  start();
  const auto at = token();
  ASSERT_EQ(to_reply(client_->Post("/_sim/hold", R"({"path":"/v3/contacts","after_calls":1})", "application/json")).status,
            200);
  EXPECT_EQ(get("/v3/contacts", at).status, 200);
  EXPECT_EQ(get("/v3/contact_lists", at).status, 200) << "other paths pass";
  std::atomic<int> status{0};
  std::thread waiting([&] {
    httplib::Client c("127.0.0.1", sim_->port());
    auto r = c.Get("/v3/contacts", httplib::Headers{{"Authorization", "Bearer " + at}});
    status = r ? r->status : -1;
  });
  while (control("/_sim/hold")["held"] != 1) std::this_thread::yield();
  EXPECT_EQ(status.load(), 0) << "answered while held";
  ASSERT_EQ(to_reply(client_->Post("/_sim/hold", "{}", "application/json")).status, 200);
  waiting.join();
  EXPECT_EQ(status.load(), 200);
  EXPECT_EQ(control("/_sim/hold")["held"], 0);
}

TEST_F(cc_sim, a_contact_changed_while_a_read_pages_is_not_skipped) {
  start();
  const auto at = token();
  const auto page1 = get("/v3/contacts?limit=100", at);
  ASSERT_EQ(page1.status, 200);
  sim_->mutate(5, 0);  // five contacts move to the end of the order
  auto rest = read_all(page1.body["/_links/next/href"_json_pointer].get<std::string>(), "contacts", at);
  std::set<std::string> ids;
  for (const auto& c : page1.body["contacts"]) ids.insert(c["contact_id"].get<std::string>());
  for (const auto& c : rest) ids.insert(c["contact_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 230u);
}

TEST_F(cc_sim, campaigns_activities_and_reports_link_up) {
  auto o = relaxed();
  o.data.campaigns = 6;
  o.data.activities_per_campaign = 2;
  o.data.recipients = 40;
  start(o);
  const auto at = token();
  const auto campaigns = read_all("/v3/emails?limit=4", "campaigns", at);
  ASSERT_EQ(campaigns.size(), 6u);
  int sent = 0;
  for (const auto& c : campaigns) {
    const auto detail = get("/v3/emails/" + c["campaign_id"].get<std::string>(), at);
    ASSERT_EQ(detail.status, 200);
    ASSERT_EQ(detail.body["campaign_activities"].size(), 3u);  // 2 primary_email + a permalink
    for (const auto& a : detail.body["campaign_activities"]) {
      const auto id = a["campaign_activity_id"].get<std::string>();
      const auto act = get("/v3/emails/activities/" + id, at);
      ASSERT_EQ(act.status, 200);
      EXPECT_EQ(act.body["campaign_id"], c["campaign_id"]);
      const auto sends = get("/v3/reports/email_reports/" + id + "/tracking/sends", at);
      if (a["role"] == "permalink") {
        EXPECT_EQ(sends.status, 400);
        continue;
      }
      ASSERT_EQ(sends.status, 200);
      const auto n = sends.body["tracking_activities"].size();
      EXPECT_TRUE(n == 0 || n == 40u) << n;
      if (c["current_status"] == "Draft") {
        EXPECT_EQ(n, 0u);
      }
      sent += n > 0;
    }
  }
  EXPECT_GT(sent, 0);
  EXPECT_EQ(get("/v3/emails/nope", at).status, 404);
  EXPECT_EQ(get("/v3/reports/email_reports/nope/tracking/opens", at).status, 404);
}

// Issue 17's endpoints: every activity's preview, a Scheduled campaign's
// schedule, a sent activity's send history and links (no_clicks read as the
// reading says), each counted; 404 for an unknown activity, 400 for a
// permalink's report or a bad no_clicks.
TEST_F(cc_sim, activity_children_answer_per_activity_as_the_readings_say) {
  auto o = relaxed();
  o.data.campaigns = 10;
  o.data.recipients = 60;
  start(o);
  const auto at = token();
  int scheduled = 0, sent = 0, unclicked_true = 0, unclicked_false = 0;
  for (const auto& c : read_all("/v3/emails?limit=500", "campaigns", at)) {
    const auto detail = get("/v3/emails/" + c["campaign_id"].get<std::string>(), at);
    for (const auto& a : detail.body["campaign_activities"]) {
      const auto id = a["campaign_activity_id"].get<std::string>();
      const auto base = "/v3/emails/activities/" + id;
      const auto preview = get(base + "/previews", at);
      ASSERT_EQ(preview.status, 200);
      EXPECT_EQ(preview.body["campaign_activity_id"], id);
      EXPECT_TRUE(preview.body["preview_html_content"].is_string());
      ASSERT_TRUE(sim_->http().set_reading("schedules_shape", "array"));
      const auto schedules = get(base + "/schedules", at);
      ASSERT_EQ(schedules.status, 200);
      ASSERT_TRUE(schedules.body.is_array());
      const bool is_scheduled = c["current_status"] == "Scheduled" && a["role"] == "primary_email";
      EXPECT_EQ(schedules.body.size(), is_scheduled ? 1u : 0u) << c.dump();
      ASSERT_TRUE(sim_->http().set_reading("schedules_shape", "object"));
      const auto one = get(base + "/schedules", at);
      if (is_scheduled) {
        ++scheduled;
        ASSERT_TRUE(one.body.is_object()) << one.text;
        EXPECT_EQ(one.body, schedules.body[0]);
      } else {
        EXPECT_EQ(one.body, json::array()) << "none is still an empty array";
      }
      const auto history = get(base + "/send_history", at);
      ASSERT_EQ(history.status, 200);
      const bool is_sent = c["current_status"] == "Done" && a["role"] == "primary_email";
      ASSERT_EQ(history.body.size(), is_sent ? 1u : 0u);
      const auto links_path = "/v3/reports/email_reports/" + id + "/links?no_clicks=";
      if (a["role"] == "permalink") {
        EXPECT_EQ(get(links_path + "true", at).status, 400);
        continue;
      }
      EXPECT_EQ(get(links_path + "maybe", at).status, 400);
      for (const auto* reading : {"true_adds_unclicked", "false_adds_unclicked"}) {
        ASSERT_TRUE(sim_->http().set_reading("no_clicks_meaning", reading));
        const auto t = get(links_path + "true", at).body["link_click_counts"];
        const auto f = get(links_path + "false", at).body["link_click_counts"];
        const auto& all = std::string(reading) == "true_adds_unclicked" ? t : f;
        const auto& clicked = std::string(reading) == "true_adds_unclicked" ? f : t;
        EXPECT_EQ(all.size(), is_sent ? 4u : 0u);
        for (const auto& l : clicked) EXPECT_GT(l["unique_clicks"].get<int>(), 0) << l.dump();
        for (const auto& l : all) (std::string(reading) == "true_adds_unclicked" ? unclicked_true : unclicked_false) += l["unique_clicks"] == 0;
      }
      if (is_sent) {
        ++sent;
        EXPECT_EQ(history.body[0]["count"], 60);
        EXPECT_EQ(history.body[0]["send_id"], 1);
      }
    }
  }
  EXPECT_GT(scheduled, 0);
  EXPECT_GT(sent, 0);
  EXPECT_GT(unclicked_true, 0);
  EXPECT_EQ(unclicked_true, unclicked_false);
  EXPECT_EQ(get("/v3/emails/activities/nope/previews", at).status, 404);
  EXPECT_EQ(get("/v3/reports/email_reports/nope/links", at).status, 404);
  const auto stats = sim_->http().stats();
  EXPECT_GT(stats.calls_by_path.at("/v3/emails/activities/{campaign_activity_id}/previews"), 0);
  EXPECT_GT(stats.calls_by_path.at("/v3/reports/email_reports/{campaign_activity_id}/links"), 0);
}

// GET /v3/reports/contact_reports/{id}/activity_summary: the activities sent
// to the contact, the last sent first, 200 a page by cursor (no limit
// parameter); start and end required; 404 for an unknown contact; and the
// readings the docs leave open: is `end` in the range, does the range pick
// activities by their send or count only its events, are counts strings,
// is the opt-out count em_unsubscribes or em_optouts.
TEST_F(cc_sim, contact_activity_summaries_page_by_200_and_answer_as_the_readings_say) {
  auto o = relaxed();
  o.data.contacts = 10;
  o.data.campaigns = 0;
  o.data.activities_per_campaign = 50;
  o.data.recipients = 10;
  start(o);
  sim_->mutate(0, 5);  // 5 campaigns of 50 activities, each to all 10 contacts, sent now
  const auto sent = sim_->http().clock().now_unix_seconds();
  const auto at = token();
  const auto id = read_all("/v3/contacts?limit=500", "contacts", at)[0]["contact_id"].get<std::string>();
  const auto path = "/v3/reports/contact_reports/" + id + "/activity_summary";
  auto range = [](std::int64_t from, std::int64_t to) {
    return "?start=" + format_rfc3339(from) + "&end=" + format_rfc3339(to);
  };
  int pages = 0;
  const auto rows = read_all(path + range(sent - day_s, sent + day_s), "campaign_activities", at, &pages);
  EXPECT_EQ(pages, 2);
  ASSERT_EQ(rows.size(), 250u);
  const auto first = get(path + range(sent - day_s, sent + day_s), at);
  EXPECT_EQ(first.body["contact_id"], id);
  EXPECT_EQ(first.body["campaign_activities"].size(), 200u);
  std::set<std::string> activities;
  for (const auto& r : rows) {
    activities.insert(r["campaign_activity_id"].get<std::string>());
    EXPECT_EQ(r["em_sends"], 1) << r.dump();
    EXPECT_TRUE(r["em_unsubscribes"].is_number_integer()) << r.dump();
    EXPECT_EQ(r["start_on"], format_rfc3339(sent).insert(19, ".000")) << r.dump();
  }
  EXPECT_EQ(activities.size(), 250u) << "each activity once over the pages";

  // The send at `end` itself.
  ASSERT_TRUE(sim_->http().set_reading("summary_end", "exclusive"));
  EXPECT_EQ(get(path + range(sent - day_s, sent), at).body["campaign_activities"].size(), 0u);
  ASSERT_TRUE(sim_->http().set_reading("summary_end", "inclusive"));
  EXPECT_EQ(get(path + range(sent - day_s, sent), at).body["campaign_activities"].size(), 200u);

  // Twenty days on, opens have come after a range that ends a second past the send.
  sim_->http().clock().advance(std::chrono::seconds(20 * day_s));
  const auto later = token();
  auto opens = [&](const char* reading) {
    EXPECT_TRUE(sim_->http().set_reading("summary_range", reading));
    std::int64_t n = 0;
    for (const auto& r : read_all(path + range(sent - 3600, sent + 1), "campaign_activities", later))
      n += r["em_opens"].get<std::int64_t>();
    return n;
  };
  EXPECT_GT(opens("sends"), 0) << "a range that picks the send counts every event";
  EXPECT_EQ(opens("events"), 0) << "a range that counts its own events only";

  ASSERT_TRUE(sim_->http().set_reading("summary_counts", "string"));
  ASSERT_TRUE(sim_->http().set_reading("summary_optout_field", "em_optouts"));
  const auto strings = get(path + range(sent - day_s, sent + day_s), later).body["campaign_activities"][0];
  EXPECT_EQ(strings["em_sends"], "1") << strings.dump();
  EXPECT_TRUE(strings.contains("em_optouts") && !strings.contains("em_unsubscribes")) << strings.dump();

  EXPECT_EQ(get(path + "?start=" + format_rfc3339(sent), later).status, 400) << "end is required";
  EXPECT_EQ(get(path + range(sent, sent - 1), later).status, 400) << "end before start";
  EXPECT_EQ(get(path + "?start=yesterday&end=" + format_rfc3339(sent), later).status, 400);
  EXPECT_EQ(get("/v3/reports/contact_reports/nope/activity_summary" + range(sent - day_s, sent), later).status, 404);
  EXPECT_EQ(get(path + range(sent - day_s, sent), "bad-token").status, 401);
  EXPECT_GE(sim_->http().stats().calls_by_path.at("/v3/reports/contact_reports/{contact_id}/activity_summary"), 14);
}

// The account-wide lists: tags, segments and campaign summaries page by
// cursor under their limits; the summary and emails are one answer each;
// list membership counts only when asked for.
TEST_F(cc_sim, account_lists_page_and_answer_as_the_docs_show) {
  auto o = relaxed();
  o.data.campaigns = 12;
  start(o);
  const auto at = token();
  int pages = 0;
  const auto tags = read_all("/v3/contact_tags?limit=2&include_count=true", "tags", at, &pages);
  EXPECT_EQ(tags.size(), 5u);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(get("/v3/contact_tags?limit=501", at).status, 400);
  EXPECT_EQ(get("/v3/contact_tags?limit=1&include_count=true", at).body["tags_count"], 5);
  const auto segments = read_all("/v3/segments?limit=2&sort_by=date", "segments", at, &pages);
  EXPECT_EQ(segments.size(), 3u);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(get("/v3/segments?limit=1001", at).status, 400);
  ASSERT_TRUE(sim_->http().set_reading("summary_count_type", "string"));
  const auto summaries = read_all("/v3/reports/summary_reports/email_campaign_summaries?limit=3",
                                  "bulk_email_campaign_summaries", at);
  ASSERT_GT(summaries.size(), 3u);
  EXPECT_TRUE(summaries[0]["unique_counts"]["sends"].is_string());
  for (std::size_t i = 1; i < summaries.size(); ++i)
    EXPECT_GE(summaries[i - 1]["last_sent_date"].get<std::string>(), summaries[i]["last_sent_date"].get<std::string>());
  ASSERT_TRUE(sim_->http().set_reading("summary_count_type", "integer"));
  EXPECT_TRUE(get("/v3/reports/summary_reports/email_campaign_summaries", at)
                  .body["bulk_email_campaign_summaries"][0]["unique_counts"]["sends"].is_number_integer());
  EXPECT_EQ(get("/v3/reports/summary_reports/email_campaign_summaries?limit=501", at).status, 400);
  const auto summary = get("/v3/account/summary", at);
  ASSERT_EQ(summary.status, 200);
  EXPECT_FALSE(summary.body.contains("physical_address"));
  EXPECT_TRUE(get("/v3/account/summary?extra_fields=physical_address", at).body.contains("physical_address"));
  const auto emails = get("/v3/account/emails", at);
  ASSERT_TRUE(emails.body.is_array());
  EXPECT_EQ(emails.body.size(), 3u);
  EXPECT_FALSE(get("/v3/contact_lists", at).body["lists"][0].contains("membership_count"));
  EXPECT_TRUE(get("/v3/contact_lists?include_membership_count=all", at).body["lists"][0].contains("membership_count"));
  EXPECT_EQ(get("/v3/contact_lists?include_membership_count=some", at).status, 400);
  EXPECT_EQ(get("/v3/account/emails", "wrong").status, 401);
  const auto contact = get("/v3/contacts?limit=4&include=taggings,notes,phone_numbers,street_addresses", at);
  ASSERT_EQ(contact.status, 200);
  for (const auto* extra : {"taggings", "notes", "phone_numbers", "street_addresses"})
    EXPECT_TRUE(contact.body["contacts"][0][extra].is_array()) << extra;
  EXPECT_FALSE(get("/v3/contacts?limit=1", at).body["contacts"][0].contains("taggings"));
}

TEST_F(cc_sim, tracking_events_accrue_newest_first_after_a_send) {
  auto o = relaxed();
  o.data.campaigns = 0;
  o.data.recipients = 200;
  start(o);
  sim_->mutate(0, 1);  // a campaign sent now
  const auto at = token();
  const auto activity = json::parse(sim_->dataset_json("campaign_activities"))[0]["campaign_activity_id"].get<std::string>();
  const auto path = "/v3/reports/email_reports/" + activity + "/tracking/";
  const auto opens_now = read_all(path + "opens?limit=50", "tracking_activities", at).size();
  const auto didnot_now = read_all(path + "didnotopens", "tracking_activities", at).size();
  EXPECT_EQ(read_all(path + "sends", "tracking_activities", at).size(), 200u);
  sim_->http().clock().advance(std::chrono::hours(24 * 40));  // past the horizon: everything is in
  const auto later = token();  // the first one expired meanwhile
  const auto opens = read_all(path + "opens?limit=50", "tracking_activities", later);
  EXPECT_GT(opens.size(), opens_now);
  EXPECT_LT(read_all(path + "didnotopens", "tracking_activities", later).size(), didnot_now);
  std::string previous = "9999";
  std::set<std::string> distinct;
  for (const auto& e : opens) {
    EXPECT_GE(previous, e["created_time"].get<std::string>()) << "newest first";
    previous = e["created_time"];
    EXPECT_EQ(e["tracking_activity_type"], "em_opens");
    distinct.insert(e["contact_id"].get<std::string>() + e["created_time"].get<std::string>());
  }
  EXPECT_EQ(distinct.size(), opens.size()) << "an open is unique by contact and time";
  const auto unique = read_all(path + "unique_opens", "tracking_activities", later);
  std::set<std::string> openers;
  for (const auto& e : opens) openers.insert(e["contact_id"].get<std::string>());
  EXPECT_EQ(unique.size(), openers.size());
  EXPECT_EQ(json::parse(sim_->dataset_json("opens")).size(), opens.size());
}

TEST_F(cc_sim, more_than_four_calls_a_second_are_throttled_and_recorded) {
  auto o = relaxed();
  o.rate_calls = 4;
  start(o);
  const auto at = token();
  int throttled = 0;
  for (int i = 0; i < 8; ++i) {
    const auto r = get("/v3/contact_custom_fields", at);
    if (r.status == 429) {  // 8 calls on loopback take far less than a second
      ++throttled;
      EXPECT_EQ(r.body["error_key"], "throttled");
      EXPECT_EQ(r.body["error_message"], "Too Many Requests");
    }
  }
  EXPECT_GE(throttled, 1);
  EXPECT_FALSE(sim_->http().stats().violations.empty());
}

TEST_F(cc_sim, the_daily_limit_answers_quota_exceeded_until_midnight_utc) {
  auto o = relaxed();
  o.daily_limit = 3;
  start(o);
  const auto at = token();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/v3/contact_lists", at).status, 200);
  const auto over = get("/v3/contact_lists", at);
  EXPECT_EQ(over.status, 429);
  EXPECT_EQ(over.body["error_key"], "quota_exceeded");
  EXPECT_EQ(over.body["error_message"], "Limit Exceeded");
  const auto now = sim_->http().clock().now_unix_seconds();
  sim_->http().clock().set_now(std::chrono::system_clock::time_point{std::chrono::seconds((now / 86400 + 1) * 86400 + 1)});
  const auto fresh = token();
  EXPECT_EQ(get("/v3/contact_lists", fresh).status, 200);
}

TEST_F(cc_sim, storms_are_answered_like_limits_but_are_not_violations) {
  start();
  const auto at = token();
  ASSERT_EQ(to_reply(client_->Post("/_sim/storm", R"({"throttled":3})", "application/json")).status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/v3/contact_lists", at).body["error_key"], "throttled");
  EXPECT_EQ(get("/v3/contact_lists", at).status, 200);
  ASSERT_EQ(to_reply(client_->Post("/_sim/storm", R"({"quota_exceeded":true})", "application/json")).status, 200);
  EXPECT_EQ(get("/v3/contact_lists", at).body["error_key"], "quota_exceeded");
  const auto storm = control("/_sim/storm");
  EXPECT_EQ(storm["throttled_answered"], 3);
  EXPECT_EQ(storm["quota_answered"], 1);
  EXPECT_TRUE(sim_->http().stats().violations.empty());
}

TEST_F(cc_sim, every_answer_carries_the_sim_clock_as_its_date) {
  start();
  const auto at = token();
  sim_->http().clock().set_now(std::chrono::system_clock::time_point{std::chrono::seconds(1'900'000'000)});
  auto r = client_->Get("/v3/contact_lists", httplib::Headers{{"Authorization", "Bearer " + at}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Date"), "Sun, 17 Mar 2030 17:46:40 GMT");
}

} // namespace
} // namespace quarry::sim
