// The Listrak simulator over real HTTP on loopback: the WSUser header, SOAPAction
// dispatch, paging to an empty page, in-band WSException, counters of people
// or of events, dates in the server's zone with or without fractions, range
// bounds, GoogleTrackingDomains' two shapes, mutations, hostile answers, and
// calls_by_operation.

#include "sim/listrak.hpp"
#include "sim/timestamps.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>

namespace quarry::sim {
namespace {

using nlohmann::json;

constexpr const char* ns = "http://webservices.listrak.com/v31/";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

listrak_options small(int page_size = 5) {
  listrak_options o;
  o.data.lists = 2;
  o.data.messages_per_list = 4;
  o.data.recipients_per_message = 30;
  o.data.subscribers_per_list = 40;
  o.data.days = 20;
  o.data.start = unix_now() - 20 * 86400;
  o.page_size = page_size;
  return o;
}

struct answer {
  int status = 0;
  std::string body;
  pugi::xml_document doc;
  pugi::xml_node payload;  // first element of the Body
};

std::string local(pugi::xml_node n) {
  std::string name = n.name();
  const auto colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node parent, const std::string& name) {
  for (auto c : parent.children())
    if (c.type() == pugi::node_element && local(c) == name) return c;
  return {};
}

std::vector<pugi::xml_node> items(pugi::xml_node parent) {
  std::vector<pugi::xml_node> out;
  for (auto c : parent.children())
    if (c.type() == pugi::node_element) out.push_back(c);
  return out;
}

class listrak_sim : public ::testing::Test {
 protected:
  void start(listrak_options o = small()) {
    sim = std::make_unique<listrak_simulator>(std::move(o));
    sim->start();
  }

  std::string envelope(const std::string& method, const std::string& params, const std::string& user,
                       const std::string& password) {
    return std::string{R"(<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">)"} +
           (user.empty() ? "" : std::string{"<soap:Header><WSUser xmlns=\""} + ns + "\"><UserName>" + user +
                                    "</UserName><Password>" + password + "</Password></WSUser></soap:Header>") +
           "<soap:Body><" + method + " xmlns=\"" + ns + "\">" + params + "</" + method +
           "></soap:Body></soap:Envelope>";
  }

  std::unique_ptr<answer> call_raw(const std::string& action, const std::string& body) {
    httplib::Client c{"127.0.0.1", sim->port()};
    httplib::Headers h;
    if (!action.empty()) h.emplace("SOAPAction", "\"" + action + "\"");
    auto r = c.Post("/v31/IntegrationService.asmx", h, body, "text/xml; charset=utf-8");
    auto out = std::make_unique<answer>();
    if (!r) return out;
    out->status = r->status;
    out->body = r->body;
    if (out->doc.load_string(r->body.c_str())) {
      auto b = child(out->doc.document_element(), "Body");
      out->payload = b.first_child();
    }
    return out;
  }

  std::unique_ptr<answer> call(const std::string& method, const std::string& params = "") {
    return call_raw(ns + method,
                    envelope(method, params, sim->options().username, sim->options().password));
  }

  json get(const std::string& path) {
    httplib::Client c{"127.0.0.1", sim->port()};
    auto r = c.Get(path);
    EXPECT_TRUE(r && r->status == 200) << path;
    return r ? json::parse(r->body, nullptr, false) : json();
  }
  json post(const std::string& path, const json& body) {
    httplib::Client c{"127.0.0.1", sim->port()};
    auto r = c.Post(path, body.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << path << (r ? r->body : "");
    return r ? json::parse(r->body, nullptr, false) : json();
  }

  static std::string range(const std::string& id_name, std::int64_t id, int page,
                           const std::string& from = "2000-01-01T00:00:00",
                           const std::string& to = "2100-01-01T00:00:00") {
    return "<" + id_name + ">" + std::to_string(id) + "</" + id_name + "><StartDate>" + from +
           "</StartDate><EndDate>" + to + "</EndDate><Page>" + std::to_string(page) + "</Page>";
  }

  // Every record of a paged report, and the number of calls it took.
  std::vector<std::string> all_pages(const std::string& method, const std::string& id_name, std::int64_t id,
                                     int& calls) {
    std::vector<std::string> out;
    for (int page = 1;; ++page) {
      auto a = call(method, range(id_name, id, page));
      EXPECT_EQ(a->status, 200) << a->body;
      ++calls;
      const auto result = child(a->payload, method + "Result");
      EXPECT_TRUE(result) << a->body;
      const auto rows = items(result);
      if (rows.empty()) break;
      EXPECT_LE(rows.size(), static_cast<std::size_t>(sim->options().page_size));
      for (auto r : rows) out.push_back(child(r, "EmailAddress").text().get());
      if (page > 1000) break;
    }
    return out;
  }

  std::unique_ptr<listrak_simulator> sim;
};

TEST_F(listrak_sim, wsuser_header_is_required_on_every_call_and_bad_credentials_fault_with_invalid_logon) {
  start();
  const auto good = call("GetContactListCollection");
  ASSERT_EQ(good->status, 200) << good->body;
  EXPECT_EQ(items(child(good->payload, "GetContactListCollectionResult")).size(), 2u);

  for (const auto& [user, password] : {std::pair<std::string, std::string>{"quarry", "wrong"},
                                       {"someone", sim->options().password},
                                       {"", ""}}) {
    const auto a = call_raw(std::string{ns} + "GetContactListCollection",
                            envelope("GetContactListCollection", "", user, password));
    EXPECT_EQ(a->status, 500);
    EXPECT_EQ(local(a->payload), "Fault");
    EXPECT_NE(std::string{child(a->payload, "faultstring").text().get()}.find("[InvalidLogonAttempt]"),
              std::string::npos)
        << a->body;
  }
}

TEST_F(listrak_sim, dispatch_is_by_soapaction_and_calls_are_counted_per_operation) {
  start();
  const auto body = envelope("GetContactListCollection", "", "quarry", "quarry-password");
  EXPECT_EQ(call_raw("", body)->status, 500) << "no SOAPAction";
  const auto other = call_raw(std::string{ns} + "ReportMessageContactSent", body);
  EXPECT_EQ(other->status, 500);
  EXPECT_NE(other->body.find("did not recognize the value of HTTP Header SOAPAction"), std::string::npos);
  EXPECT_EQ(call_raw(std::string{ns} + "NoSuchMethod", envelope("NoSuchMethod", "", "quarry", "quarry-password"))->status,
            500);
  EXPECT_EQ(call("GetContactListCollection")->status, 200);
  EXPECT_EQ(call("ReportMessageContactSent", "<MsgID>10001</MsgID><Page>1</Page>")->status, 200);
  EXPECT_EQ(call("ReportMessageContactSent", "<MsgID>x</MsgID><Page>1</Page>")->status, 500) << "unreadable MsgID";
  EXPECT_EQ(call("ReportMessageContactSent", "<MsgID>10001</MsgID><Page>0</Page>")->status, 500) << "Page 0";
  const auto stats = sim->http().stats();
  EXPECT_EQ(stats.calls_by_operation.at("GetContactListCollection"), 2);
  EXPECT_EQ(stats.calls_by_operation.at("ReportMessageContactSent"), 4);
  EXPECT_EQ(stats.calls_total, 7);
}

TEST_F(listrak_sim, paged_reports_end_with_an_empty_result_and_hold_every_record_once) {
  start(small(4));
  const auto opens = get("/_sim/dataset/message_opens");
  const auto sends = get("/_sim/dataset/message_sends");
  for (const std::int64_t msg : {10001, 10004}) {
    int calls = 0;
    const auto emails = all_pages("ReportRangeMessageContactOpen", "MsgID", msg, calls);
    std::vector<std::string> expected;
    for (const auto& o : opens)
      if (o["MsgID"] == msg) expected.push_back(o["EmailAddress"]);
    EXPECT_EQ(emails, expected) << msg;
    EXPECT_EQ(calls, static_cast<int>((expected.size() + 3) / 4 + 1)) << "pages of 4, then one empty page";

    int sent_calls = 0;
    std::vector<std::string> sent;
    for (int page = 1;; ++page) {
      auto a = call("ReportMessageContactSent", "<MsgID>" + std::to_string(msg) + "</MsgID><Page>" +
                                                    std::to_string(page) + "</Page>");
      ++sent_calls;
      ASSERT_TRUE(child(a->payload, "WSException")) << "nillable WSException next to the result";
      const auto rows = items(child(a->payload, "ReportMessageContactSentResult"));
      if (rows.empty()) break;
      for (auto r : rows) sent.push_back(child(r, "EmailAddress").text().get());
    }
    std::vector<std::string> expected_sent;
    for (const auto& s : sends)
      if (s["MsgID"] == msg) expected_sent.push_back(s["EmailAddress"]);
    EXPECT_EQ(sent, expected_sent);
    EXPECT_EQ(expected_sent.size(), 30u);
    EXPECT_EQ(sent_calls, 30 / 4 + 2);
  }
}

TEST_F(listrak_sim, dates_carry_no_zone_and_are_wall_time_in_the_server_zone) {
  start();
  const auto opens = get("/_sim/dataset/message_opens");
  ASSERT_FALSE(opens.empty());
  const auto& first = opens[0];
  const auto msg = first["MsgID"].get<std::int64_t>();
  const auto utc = first["OpenDate"].get<std::string>();  // the dataset: UTC with Z
  ASSERT_EQ(utc.back(), 'Z');
  const auto us = *parse_rfc3339_us(utc);
  const auto wall = [](std::int64_t t_us) {  // zone-less, with the fraction
    auto s = format_rfc3339(t_us / 1'000'000);
    s.pop_back();
    if (t_us % 1'000'000 != 0) {
      char buf[16];
      std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(t_us % 1'000'000));
      std::string f = buf;
      while (f.back() == '0') f.pop_back();
      s += f;
    }
    return s;
  };
  for (const auto& [zone, offset_s] : {std::pair<std::string, std::int64_t>{"UTC", 0}, {"Etc/GMT+5", -5 * 3600}}) {
    post("/_sim/readings", {{"server_time_zone", zone}});
    const auto local = wall(us + offset_s * 1'000'000);
    const auto a = call("ReportRangeMessageContactOpen", range("MsgID", msg, 1, local, local));
    const auto rows = items(child(a->payload, "ReportRangeMessageContactOpenResult"));
    ASSERT_FALSE(rows.empty()) << zone << " " << local << "\n" << a->body;
    for (auto r : rows) EXPECT_EQ(std::string{child(r, "OpenDate").text().get()}, local) << zone;
    // A request date with a zone is read as it says.
    const auto b = call("ReportRangeMessageContactOpen", range("MsgID", msg, 1, utc, utc));
    EXPECT_EQ(items(child(b->payload, "ReportRangeMessageContactOpenResult")).size(), rows.size()) << zone;
  }
  EXPECT_EQ(get("/_sim/dataset/message_opens")[0]["OpenDate"], utc) << "the dataset stays UTC";
}

TEST_F(listrak_sim, range_bounds_are_inclusive_exclusive_or_half_open_by_reading) {
  start(small(1000));
  const auto opens = get("/_sim/dataset/message_opens");
  const auto& first = opens[0];
  const auto msg = first["MsgID"].get<std::int64_t>();
  const auto at = first["OpenDate"].get<std::string>();
  auto count = [&](const std::string& from, const std::string& to) {
    return items(child(call("ReportRangeMessageContactOpen", range("MsgID", msg, 1, from, to))->payload,
                       "ReportRangeMessageContactOpenResult"))
        .size();
  };
  const std::string before = "2000-01-01T00:00:00Z", after = "2100-01-01T00:00:00Z";
  const auto all = count(before, after), at_at = count(at, at);
  ASSERT_GT(at_at, 0u);
  ASSERT_GT(all, at_at);
  post("/_sim/readings", {{"range_bound", "exclusive"}});
  EXPECT_EQ(count(at, at), 0u);
  EXPECT_EQ(count(before, at) + at_at + count(at, after), all) << "both bounds excluded";
  post("/_sim/readings", {{"range_bound", "half_open"}});
  EXPECT_EQ(count(at, at), 0u);
  EXPECT_EQ(count(before, at) + count(at, after), all) << "[a, b) and [b, c) meet";
}

TEST_F(listrak_sim, subsecond_off_writes_whole_seconds_and_same_second_clicks_become_identical_rows) {
  listrak_options o = small();
  o.data.recipients_per_message = 40;
  o.data.messages_per_list = 6;
  start(o);
  auto identical = [&] {
    int ordinals = 0;
    for (const auto& c : get("/_sim/dataset/message_clicks")) ordinals += c["Ordinal"].get<int>() > 0;
    return ordinals;
  };
  bool fractions = false;
  for (const auto& c : get("/_sim/dataset/message_clicks"))
    fractions = fractions || c["ClickDate"].get<std::string>().find('.') != std::string::npos;
  EXPECT_TRUE(fractions);
  EXPECT_EQ(identical(), 0) << "with fractions no two clicks are identical";
  post("/_sim/readings", {{"subsecond", "off"}});
  for (const auto& c : get("/_sim/dataset/message_clicks"))
    EXPECT_EQ(c["ClickDate"].get<std::string>().find('.'), std::string::npos) << c;
  EXPECT_GT(identical(), 0) << "clicks at .19 and .93 on one link";
  const auto a = call("ReportRangeMessageContactClick", range("MsgID", 10001, 1));
  for (auto r : items(child(a->payload, "ReportRangeMessageContactClickResult")))
    EXPECT_EQ(std::string{child(r, "ClickDate").text().get()}.size(), 19u);
}

TEST_F(listrak_sim, bounce_dates_as_dotnet_strings_by_reading) {
  start();
  post("/_sim/readings", {{"bounce_date", "dotnet"}});
  const auto bounces = get("/_sim/dataset/message_bounces");
  ASSERT_FALSE(bounces.empty());
  const auto msg = bounces[0]["MsgID"].get<std::int64_t>();
  const auto a = call("ReportRangeMessageContactBounces", range("MsgID", msg, 1));
  const auto rows = items(child(a->payload, "ReportRangeMessageContactBouncesResult"));
  ASSERT_FALSE(rows.empty());
  const std::string text = child(rows[0], "BounceDate").text().get();
  EXPECT_NE(text.find('/'), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with(" AM") || text.ends_with(" PM")) << text;
  EXPECT_EQ(bounces[0]["BounceDate"].get<std::string>().find('.'), std::string::npos) << "whole seconds";
}

TEST_F(listrak_sim, google_tracking_domains_come_in_both_shapes) {
  listrak_options o = small();
  o.data.lists = 4;
  start(o);
  const auto a = call("GetContactListCollection");
  std::map<std::string, int> shapes;  // ListID -> <string> children, -1: no element
  for (auto l : items(child(a->payload, "GetContactListCollectionResult"))) {
    const auto domains = child(l, "GoogleTrackingDomains");
    shapes[child(l, "ListID").text().get()] = domains ? static_cast<int>(items(domains).size()) : -1;
  }
  EXPECT_EQ(shapes, (std::map<std::string, int>{{"201", 2}, {"202", 1}, {"203", 0}, {"204", -1}}));
  std::map<std::int64_t, json> expected{{201, {"shop.example.com", "blog.example.com"}},
                                        {202, {"shop.example.com"}},
                                        {203, json::array()},
                                        {204, json::array()}};
  for (const auto& l : get("/_sim/dataset/lists"))
    EXPECT_EQ(l["GoogleTrackingDomains"], expected.at(l["ListID"].get<std::int64_t>())) << l;
}

TEST_F(listrak_sim, unknown_list_or_message_is_an_in_band_wsexception) {
  start();
  const auto a = call("ReportListMessageActivity",
                      "<ListID>999</ListID><StartDate>2000-01-01T00:00:00</StartDate><EndDate>2100-01-01T00:00:00</EndDate>"
                      "<IncludeTestMessages>true</IncludeTestMessages>");
  ASSERT_EQ(a->status, 200) << a->body;
  EXPECT_NE(std::string{child(child(a->payload, "WSException"), "Description").text().get()}.find("[InvalidListID]"),
            std::string::npos)
      << a->body;
  const auto b = call("ReportRangeMessageContactClick", range("MsgID", 99999, 1));
  ASSERT_EQ(b->status, 200);
  EXPECT_NE(std::string{child(child(b->payload, "WSException"), "Description").text().get()}.find("[InvalidMsgID]"),
            std::string::npos);
  const auto ok = call("ReportListMessageActivity",
                       "<ListID>201</ListID><StartDate>2000-01-01T00:00:00</StartDate><EndDate>2100-01-01T00:00:00</EndDate>"
                       "<IncludeTestMessages>true</IncludeTestMessages>");
  EXPECT_EQ(std::string{child(ok->payload, "WSException").attribute("xsi:nil").value()}, "true");
  EXPECT_EQ(items(child(ok->payload, "ReportListMessageActivityResult")).size(), 4u);
}

TEST_F(listrak_sim, message_counters_count_people_or_events_and_repeat_events_exist) {
  listrak_options o = small();
  o.data.recipients_per_message = 40;
  o.data.messages_per_list = 6;
  start(o);
  std::map<std::int64_t, std::map<std::string, std::int64_t>> events;
  std::map<std::int64_t, std::map<std::string, std::set<std::string>>> people;
  for (const auto* stream : {"message_sends", "message_opens", "message_clicks", "message_reads", "message_unsubs"})
    for (const auto& r : get(std::string{"/_sim/dataset/"} + stream)) {
      ++events[r["MsgID"]][stream];
      people[r["MsgID"]][stream].insert(r["EmailAddress"]);
    }
  for (const auto* reading : {"people", "events"}) {
    post("/_sim/readings", {{"counters", reading}});
    const auto messages = get("/_sim/dataset/messages");
    ASSERT_EQ(messages.size(), 12u);
    for (const auto& m : messages) {
      const auto& id = m["MsgID"];
      auto count = [&](const char* stream) {
        return std::string{reading} == "people" ? static_cast<std::int64_t>(people[id][stream].size())
                                                : events[id][stream];
      };
      EXPECT_EQ(m["DeliverCount"], events[id]["message_sends"]) << m;
      EXPECT_EQ(m["OpenCount"], count("message_opens")) << reading << m;
      EXPECT_EQ(m["ClickCount"], count("message_clicks")) << reading << m;
      EXPECT_EQ(m["ReadCount"], count("message_reads")) << reading << m;
      EXPECT_EQ(m["RemoveCount"], count("message_unsubs")) << reading << m;
      EXPECT_EQ(m["ClickerCount"], static_cast<std::int64_t>(people[id]["message_clicks"].size())) << m;
    }
  }
  const auto messages = get("/_sim/dataset/messages");
  // Repeat opens and clicks, clicks of two links in one second, one link
  // twice in one second, no two events with one key (fractions on).
  std::set<std::string> open_keys;
  std::map<std::string, int> opens_per_contact;
  for (const auto& r : get("/_sim/dataset/message_opens")) {
    EXPECT_TRUE(open_keys.insert(r["MsgID"].dump() + r["EmailAddress"].dump() + r["OpenDate"].dump()).second);
    ++opens_per_contact[r["MsgID"].dump() + r["EmailAddress"].dump()];
  }
  int repeat_openers = 0;
  for (const auto& [k, n] : opens_per_contact) repeat_openers += n > 1;
  EXPECT_GT(repeat_openers, 0);
  std::set<std::string> click_keys;
  std::map<std::string, std::set<std::string>> links_per_second;
  std::map<std::string, int> clicks_per_link;
  for (const auto& r : get("/_sim/dataset/message_clicks")) {
    const auto who = r["MsgID"].dump() + r["EmailAddress"].dump();
    EXPECT_TRUE(click_keys.insert(who + r["ClickDate"].dump() + r["LinkUrl"].dump()).second);
    links_per_second[who + r["ClickDate"].dump()].insert(r["LinkUrl"]);
    ++clicks_per_link[who + r["LinkUrl"].dump()];
  }
  int same_second = 0, repeat_link = 0, twice_in_a_second = 0;
  for (const auto& [k, l] : links_per_second) same_second += l.size() > 1;
  std::map<std::string, int> per_link_second;
  for (const auto& r : get("/_sim/dataset/message_clicks")) {
    const auto date = r["ClickDate"].get<std::string>();
    twice_in_a_second += ++per_link_second[r["MsgID"].dump() + r["EmailAddress"].dump() + r["LinkUrl"].dump() +
                                           date.substr(0, 19)] == 2;
  }
  EXPECT_GT(twice_in_a_second, 0);
  for (const auto& [k, n] : clicks_per_link) repeat_link += n > 1;
  EXPECT_GT(same_second, 0);
  EXPECT_GT(repeat_link, 0);
  // Bounces within 72 hours of sending.
  std::map<std::int64_t, std::string> sent_at;
  for (const auto& m : messages) sent_at[m["MsgID"]] = m["SendDate"];
  const auto bounces = get("/_sim/dataset/message_bounces");
  EXPECT_FALSE(bounces.empty());
  for (const auto& b : bounces) {
    const auto& sent = sent_at[b["MsgID"]];
    const auto bounced = *parse_rfc3339_us(b["BounceDate"].get<std::string>());
    const auto sent_us = *parse_rfc3339_us(sent);
    EXPECT_GE(bounced, sent_us) << b;
    EXPECT_LE(bounced - sent_us, std::int64_t{72} * 3600 * 1000000) << b;
  }
}

TEST_F(listrak_sim, mutate_adds_events_messages_and_subscribers_at_now) {
  start();
  const auto before = get("/_sim/dataset/message_opens").size();
  const auto m = post("/_sim/mutate", {{"touch_messages", 2}, {"events_per_message", 3}, {"add_messages", 1},
                                       {"add_subscribers", 5}});
  ASSERT_EQ(m["touched_messages"].size(), 2u);
  ASSERT_EQ(m["added_messages"].size(), 1u);
  EXPECT_EQ(m["added_subscribers"], 5);
  EXPECT_EQ(get("/_sim/dataset/message_opens").size(), before + m["added_events"]["message_opens"].get<std::size_t>());
  EXPECT_GE(m["added_events"]["message_opens"].get<int>(), 6);
  EXPECT_EQ(get("/_sim/dataset/messages").size(), 9u);
  EXPECT_EQ(get("/_sim/dataset/subscribed_contacts").size(), 85u);
}

TEST_F(listrak_sim, touches_move_counters_of_people_and_repeats_leave_them_alone) {
  start();
  auto counters = [&] {
    std::map<std::int64_t, json> out;
    for (const auto& m : get("/_sim/dataset/messages")) out[m["MsgID"]] = m;
    return out;
  };
  const auto at = format_rfc3339(unix_now() - 60);
  const auto before = counters();
  const auto touched = post("/_sim/mutate", {{"touch_messages", 1}, {"events_per_message", 2}, {"at", at}});
  const auto id = touched["touched_messages"][0].get<std::int64_t>();
  auto after = counters();
  for (const auto* c : {"OpenCount", "ClickCount", "ReadCount", "RemoveCount"})
    EXPECT_GT(after[id][c].get<int>(), before.at(id)[c].get<int>()) << c << ": new people";

  const auto opens_before = get("/_sim/dataset/message_opens").size();
  const auto repeated = post("/_sim/mutate", {{"repeat_messages", 1}, {"events_per_message", 2}, {"at", at}});
  ASSERT_EQ(repeated["repeated_messages"][0], id) << "repeats start from the same first message";
  EXPECT_EQ(repeated["added_events"]["message_opens"], 2);
  EXPECT_EQ(repeated["added_events"]["message_reads"], 2);
  EXPECT_EQ(repeated["added_events"]["message_clicks"], 4) << "2 repeat clicks, then .19 and .93";
  EXPECT_EQ(get("/_sim/dataset/message_opens").size(), opens_before + 2);
  const auto people = counters();
  for (const auto* c : {"OpenCount", "ClickCount", "ReadCount", "ClickerCount"})
    EXPECT_EQ(people.at(id)[c], after[id][c]) << c << ": the same people";
  post("/_sim/readings", {{"counters", "events"}});
  const auto events = counters();
  int opens_of_id = 0;
  for (const auto& o : get("/_sim/dataset/message_opens")) opens_of_id += o["MsgID"] == id;
  EXPECT_EQ(events.at(id)["OpenCount"], opens_of_id) << "counters of events see the repeats";
  EXPECT_GT(opens_of_id, people.at(id)["OpenCount"].get<int>());
  int clicks_at = 0;
  for (const auto& c : get("/_sim/dataset/message_clicks"))
    if (c["MsgID"] == id && c["ClickDate"].get<std::string>().starts_with(at.substr(0, 19))) ++clicks_at;
  EXPECT_EQ(clicks_at, 2 + 4) << "touch's 2 and the repeat's 4 at `at`";
}

TEST_F(listrak_sim, xml_faults_break_the_next_answers_of_one_operation) {
  start();
  post("/_sim/xml_faults", {{"operation", "ReportMessageContactSent"}, {"kind", "repeat_page"}, {"count", 1}});
  const auto page3 = call("ReportMessageContactSent", "<MsgID>10001</MsgID><Page>3</Page>");
  const auto page1 = call("ReportMessageContactSent", "<MsgID>10001</MsgID><Page>1</Page>");
  EXPECT_EQ(page3->body, page1->body) << "repeat_page answers page 1 whatever Page says";
  EXPECT_NE(call("ReportMessageContactSent", "<MsgID>10001</MsgID><Page>3</Page>")->body, page1->body);
  for (const auto* kind : {"malformed", "truncated", "entity_bomb", "external_entity"}) {
    post("/_sim/xml_faults", {{"operation", "GetContactListCollection"}, {"kind", kind}, {"count", 1}});
    const auto bad = call("GetContactListCollection");
    EXPECT_EQ(bad->status, 200);
    pugi::xml_document doc;
    const bool parses = doc.load_string(bad->body.c_str(), pugi::parse_default | pugi::parse_doctype);
    bool has_doctype = false;
    for (auto n : doc.children()) has_doctype = has_doctype || n.type() == pugi::node_doctype;
    EXPECT_TRUE(!parses || has_doctype) << kind << ": " << bad->body.substr(0, 200);
    EXPECT_EQ(call("ReportMessageContactSent", "<MsgID>10001</MsgID><Page>1</Page>")->status, 200)
        << "other operations are not affected";
    const auto good = call("GetContactListCollection");
    EXPECT_EQ(items(child(good->payload, "GetContactListCollectionResult")).size(), 2u) << kind << " fired once";
  }
}

TEST_F(listrak_sim, serves_its_wsdl) {
  start();
  httplib::Client c{"127.0.0.1", sim->port()};
  auto r = c.Get("/v31/IntegrationService.asmx?WSDL");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("ReportRangeMessageContactBounces"), std::string::npos);
  EXPECT_NE(r->body.find(sim->endpoint()), std::string::npos);
  EXPECT_EQ(sim->http().stats().calls_total, 0);
}

} // namespace
} // namespace quarry::sim
