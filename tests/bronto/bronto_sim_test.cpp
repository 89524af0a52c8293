// The Bronto simulator over real HTTP on loopback: sessions (102, 103),
// paging to an empty page, page-size faults (115), FIRST/NEXT/116, the
// 30-day activity horizon, calls_by_operation, held calls, and that each
// reading changes what the server answers the way it says.

#include "sim/bronto.hpp"
#include "sim/timestamps.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <chrono>
#include <ctime>
#include <future>
#include <regex>
#include <thread>
#include <string>

namespace quarry {
namespace {

using nlohmann::json;

constexpr std::int64_t day_s = 86'400;

// "2026-11-14T15:05:37.042Z"
std::string ms_text(std::int64_t unix_ms) {
  return sim::format_rfc3339_ms(std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms)));
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An answer: HTTP status, the operation's response element or the fault.
struct soap_answer {
  int status = 0;
  pugi::xml_document doc;
  pugi::xml_node payload;
  std::string fault;       // faultstring
  std::string error_code;  // detail/ApiException/errorCode
  std::string body;

  std::size_t returns() const {
    std::size_t n = 0;
    for (auto c : payload.children("return")) (void)c, ++n;
    return n;
  }
};

class bronto_sim : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::bronto_options o;
    o.data.contacts = 25;
    o.data.lists = 15;
    o.data.unsubscribes = 12;
    o.data.inbound = 2600;
    o.data.outbound = 400;
    o.data.days = 40;
    o.page_size = 10;
    sim_ = std::make_unique<sim::bronto_simulator>(o);
    sim_->start();
  }

  std::unique_ptr<soap_answer> call(const std::string& body_xml, const std::string& session = {}) {
    std::string env =
        R"(<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:v4="http://api.bronto.com/v4">)";
    if (!session.empty())
      env += "<soapenv:Header><v4:sessionHeader><sessionId>" + session + "</sessionId></v4:sessionHeader></soapenv:Header>";
    env += "<soapenv:Body>" + body_xml + "</soapenv:Body></soapenv:Envelope>";
    httplib::Client c{"127.0.0.1", sim_->port()};
    auto r = c.Post("/v4", env, "text/xml; charset=utf-8");
    auto a = std::make_unique<soap_answer>();
    if (!r) return a;
    a->status = r->status;
    a->body = r->body;
    if (!a->doc.load_string(r->body.c_str())) return a;
    a->payload = a->doc.document_element().child("soap:Body").first_child();
    a->fault = a->payload.child("faultstring").text().get();
    a->error_code = a->payload.child("detail").first_child().child("errorCode").text().get();
    return a;
  }

  std::string login() {
    auto a = call("<v4:login><apiToken>" + sim_->options().api_token + "</apiToken></v4:login>");
    EXPECT_EQ(a->status, 200) << a->body;
    return a->payload.child("return").text().get();
  }

  std::string activities(const std::string& direction, std::int64_t start, std::int64_t size,
                         const std::string& op = "readRecentInboundActivities") {
    return "<v4:" + op + "><filter><start>" + sim::format_rfc3339(start) + "</start><size>" +
           std::to_string(size) + "</size><readDirection>" + direction + "</readDirection></filter></v4:" + op + ">";
  }

  void set_reading(const std::string& name, const std::string& value) {
    control("POST", "/_sim/readings", {{name, value}});
  }

  // Every page of a pageNumber read, until an empty one.
  std::vector<std::unique_ptr<soap_answer>> pages(const std::string& op, const std::string& inner,
                                                  const std::string& session) {
    std::vector<std::unique_ptr<soap_answer>> out;
    for (int page = 1;; ++page) {
      auto a = call("<v4:" + op + ">" + inner + "<pageNumber>" + std::to_string(page) + "</pageNumber></v4:" + op + ">",
                    session);
      if (a->status != 200 || a->returns() == 0) break;
      out.push_back(std::move(a));
    }
    return out;
  }

  json control(const std::string& method, const std::string& path, const json& body = json::object()) {
    httplib::Client c{"127.0.0.1", sim_->port()};
    auto r = method == "GET" ? c.Get(path) : c.Post(path, body.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << path;
    return r ? json::parse(r->body) : json();
  }

  std::unique_ptr<sim::bronto_simulator> sim_;
};

TEST_F(bronto_sim, login_answers_a_session_and_a_wrong_token_fault_102) {
  const auto session = login();
  EXPECT_FALSE(session.empty());
  EXPECT_NE(login(), session) << "every login opens a new session";
  auto bad = call("<v4:login><apiToken>nope</apiToken></v4:login>");
  EXPECT_EQ(bad->status, 500);
  EXPECT_EQ(bad->error_code, "102");
  EXPECT_EQ(bad->fault.rfind("102: Authentication failed", 0), 0u) << bad->fault;
  const auto s = control("GET", "/_sim/sessions");
  EXPECT_EQ(s["logins"], 2);
  EXPECT_EQ(s["answered_102"], 1);
}

TEST_F(bronto_sim, a_missing_unknown_or_idle_session_is_answered_103) {
  auto none = call("<v4:readLists><pageNumber>1</pageNumber></v4:readLists>");
  EXPECT_EQ(none->error_code, "103");
  EXPECT_EQ(none->fault, "103: Your session is invalid. Please log in again.");
  const auto session = login();
  EXPECT_EQ(call("<v4:readLists><pageNumber>1</pageNumber></v4:readLists>", session)->status, 200);
  sim_->http().clock().advance(std::chrono::minutes(19));
  EXPECT_EQ(call("<v4:readLists><pageNumber>1</pageNumber></v4:readLists>", session)->status, 200)
      << "a call restarts the idle timer";
  sim_->http().clock().advance(std::chrono::minutes(20));
  EXPECT_EQ(call("<v4:readLists><pageNumber>1</pageNumber></v4:readLists>", session)->error_code, "103");
  EXPECT_EQ(control("GET", "/_sim/sessions")["answered_103"], 2);
}

TEST_F(bronto_sim, pages_end_with_an_empty_answer_and_page_sizes_are_checked) {
  const auto session = login();
  std::size_t total = 0;
  int page = 1;
  for (;; ++page) {
    auto a = call("<v4:readContacts><filter><type>AND</type></filter><pageNumber>" + std::to_string(page) +
                      "</pageNumber></v4:readContacts>",
                  session);
    ASSERT_EQ(a->status, 200) << a->body;
    if (a->returns() == 0) break;
    EXPECT_LE(a->returns(), 10u);
    total += a->returns();
  }
  EXPECT_EQ(total, 25u);
  EXPECT_EQ(page, 4);
  auto lists = call("<v4:readLists><pageNumber>2</pageNumber><pageSize>10</pageSize></v4:readLists>", session);
  EXPECT_EQ(lists->returns(), 5u);
  auto small = call("<v4:readLists><pageNumber>1</pageNumber><pageSize>9</pageSize></v4:readLists>", session);
  EXPECT_EQ(small->error_code, "115") << small->body;
  auto bad_type = call("<v4:readContacts><filter><type>XOR</type></filter><pageNumber>1</pageNumber></v4:readContacts>",
                       session);
  EXPECT_EQ(bad_type->error_code, "112");
}

TEST_F(bronto_sim, contact_filters_compare_instants_and_include_flags_add_fields) {
  const auto session = login();
  const auto& d = sim_->data();
  const auto t = d.contact_modified(7);  // milliseconds
  std::int64_t expected = 0;
  for (std::int64_t i = 0; i < d.contact_count(); ++i) expected += d.contact_modified(i) > t;
  const auto filter = "<filter><type>AND</type><modified><value>" + ms_text(t) +
                      "</value><operator>After</operator></modified></filter>";
  std::size_t seen = 0;
  for (int page = 1;; ++page) {
    auto a = call("<v4:readContacts>" + filter + "<pageNumber>" + std::to_string(page) + "</pageNumber></v4:readContacts>",
                  session);
    if (a->returns() == 0) break;
    seen += a->returns();
  }
  EXPECT_EQ(seen, static_cast<std::size_t>(expected));

  auto plain = call("<v4:readContacts><pageNumber>1</pageNumber></v4:readContacts>", session);
  auto first = plain->payload.child("return");
  EXPECT_FALSE(first.child("readOnlyContactData")) << "no include flag, no read-only data";
  EXPECT_FALSE(first.child("fields"));
  auto full = call("<v4:readContacts><includeLists>true</includeLists><fields>" + sim::bronto_data::custom_fields()[0].id +
                       "</fields><pageNumber>1</pageNumber><includeGeoIPData>true</includeGeoIPData>"
                       "<includeRFMData>true</includeRFMData></v4:readContacts>",
                   session);
  auto rich = full->payload.child("return");
  EXPECT_TRUE(rich.child("readOnlyContactData").child("geoIPCity"));
  EXPECT_TRUE(rich.child("readOnlyContactData").child("totalOrders"));
  EXPECT_FALSE(rich.child("readOnlyContactData").child("primaryBrowser")) << "technology not asked for";
  EXPECT_EQ(std::string{rich.child("fields").child_value("fieldId")}, sim::bronto_data::custom_fields()[0].id);
}

TEST_F(bronto_sim, activities_read_first_then_next_until_fault_116) {
  const auto session = login();
  const auto start = unix_now() - 29 * day_s;
  const auto& d = sim_->data();
  const auto expected = d.activity_count(sim::activity_direction::inbound) -
                        d.first_activity_at(sim::activity_direction::inbound, start * 1000);
  ASSERT_GT(expected, 1000);
  auto next_first = call(activities("NEXT", start, 1000), session);
  EXPECT_EQ(next_first->error_code, "107") << "NEXT without a FIRST";
  auto tiny = call(activities("FIRST", start, 999), session);
  EXPECT_EQ(tiny->error_code, "115");
  std::int64_t seen = 0;
  auto a = call(activities("FIRST", start, 1000), session);
  ASSERT_EQ(a->status, 200) << a->body;
  seen += static_cast<std::int64_t>(a->returns());
  int nexts = 0;
  for (;; ++nexts) {
    a = call(activities("NEXT", start, 1000), session);
    if (a->status != 200) break;
    seen += static_cast<std::int64_t>(a->returns());
  }
  EXPECT_EQ(a->error_code, "116") << a->body;
  EXPECT_EQ(seen, expected);
  const auto stats = sim_->http().stats();
  EXPECT_EQ(stats.calls_by_operation.at("readRecentInboundActivities"), 3 + nexts + 1);
  EXPECT_EQ(stats.calls_by_operation.at("login"), 1);
}

TEST_F(bronto_sim, activities_older_than_30_days_are_gone) {
  const auto session = login();
  const auto& d = sim_->data();
  const auto horizon = unix_now() - 30 * day_s;
  auto a = call(activities("FIRST", unix_now() - 40 * day_s, 5000, "readRecentOutboundActivities"), session);
  ASSERT_EQ(a->status, 200);
  const auto first = sim::parse_rfc3339_us(a->payload.child("return").child_value("createdDate"));
  ASSERT_TRUE(first);
  EXPECT_GE(*first / 1000000, horizon - 5);
  const auto in_horizon = d.activity_count(sim::activity_direction::outbound) -
                          d.first_activity_at(sim::activity_direction::outbound, horizon * 1000);
  EXPECT_NEAR(static_cast<double>(a->returns()), static_cast<double>(in_horizon), 2);
  EXPECT_LT(a->returns(), 400u);
  EXPECT_EQ(control("GET", "/_sim/dataset/outbound_activity").size(), a->returns());
}

TEST_F(bronto_sim, hostile_answers_are_served_once_per_count) {
  const auto session = login();
  control("POST", "/_sim/xml_faults", {{"operation", "readLists"}, {"kind", "entity_bomb"}, {"count", 1}});
  auto bomb = call("<v4:readLists><pageNumber>1</pageNumber></v4:readLists>", session);
  EXPECT_NE(bomb->body.find("<!DOCTYPE"), std::string::npos);
  auto fine = call("<v4:readLists><pageNumber>1</pageNumber></v4:readLists>", session);
  EXPECT_EQ(fine->returns(), 10u);
  control("POST", "/_sim/expire_sessions");
  EXPECT_EQ(call("<v4:readLists><pageNumber>1</pageNumber></v4:readLists>", session)->error_code, "103");
}

TEST_F(bronto_sim, answers_carry_the_sim_clock_in_a_date_header) {
  httplib::Client c{"127.0.0.1", sim_->port()};
  sim_->http().clock().advance(std::chrono::hours(3));
  auto r = c.Post("/v4", "<x/>", "text/xml");
  ASSERT_TRUE(r);
  const auto expected = std::chrono::system_clock::now() + std::chrono::hours(3);
  ASSERT_TRUE(r->has_header("Date"));
  std::tm tm{};
  ASSERT_TRUE(strptime(r->get_header_value("Date").c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm));
  const auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  EXPECT_LT(std::chrono::abs(at - expected), std::chrono::seconds(5));
}

TEST_F(bronto_sim, a_held_call_waits_until_released) {
  const auto session = login();
  auto held = sim_->hold("readLists", 1);
  EXPECT_EQ(call("<v4:readLists><pageNumber>1</pageNumber></v4:readLists>", session)->returns(), 10u);
  auto second = std::async(std::launch::async, [&] {
    return call("<v4:readLists><pageNumber>2</pageNumber></v4:readLists>", session)->returns();
  });
  ASSERT_EQ(held.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(second.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout) << "answered while held";
  sim_->release();
  EXPECT_EQ(second.get(), 5u);
}

TEST_F(bronto_sim, start_and_end_bounds_follow_their_readings) {
  const auto session = login();
  const auto t = sim_->data().unsubscribe_created(5);
  auto count = [&](std::int64_t from, std::int64_t until) {
    std::size_t n = 0;
    for (const auto& p : pages("readUnsubscribes",
                               "<filter><start>" + ms_text(from) + "</start><end>" + ms_text(until) + "</end></filter>",
                               session))
      n += p->returns();
    return n;
  };
  EXPECT_EQ(count(t, t + 1), 1u) << "inclusive start";
  EXPECT_EQ(count(t - 1, t), 0u) << "exclusive end";
  set_reading("since_bound", "exclusive");
  set_reading("until_bound", "inclusive");
  EXPECT_EQ(count(t, t + 1), 0u);
  EXPECT_EQ(count(t - 1, t), 1u);
}

TEST_F(bronto_sim, date_operators_compare_days_in_the_accounts_zone_under_the_day_reading) {
  const auto session = login();
  const auto& d = sim_->data();
  constexpr std::int64_t zone = -5 * 3'600'000, day = 86'400'000;
  auto day_of = [&](std::int64_t ms) { return (ms + zone) / day; };
  // The last millisecond of the day contact 12 was modified on.
  const auto t = (day_of(d.contact_modified(12)) + 1) * day - zone - 1;
  auto modified_at_or_after = [&](std::int64_t v) {
    std::size_t n = 0;
    for (const auto& p : pages("readContacts",
                               "<filter><modified><value>" + ms_text(v) +
                                   "</value><operator>GreaterThanEqualTo</operator></modified></filter>",
                               session))
      n += p->returns();
    return n;
  };
  std::size_t at_or_after = 0, same_day_or_after = 0;
  for (std::int64_t i = 0; i < d.contact_count(); ++i) {
    at_or_after += d.contact_modified(i) >= t;
    same_day_or_after += day_of(d.contact_modified(i)) >= day_of(t);
  }
  ASSERT_LT(at_or_after, same_day_or_after);
  EXPECT_EQ(modified_at_or_after(t), at_or_after);
  set_reading("date_operators", "day");
  EXPECT_EQ(modified_at_or_after(t), same_day_or_after);
}

TEST_F(bronto_sim, dates_are_written_as_the_zone_and_fraction_readings_say) {
  const auto session = login();
  auto created = [&] {
    auto a = call("<v4:readContacts><pageNumber>1</pageNumber></v4:readContacts>", session);
    return std::string{a->payload.child("return").child_value("created")};
  };
  const std::regex offset{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-05:00)"};
  EXPECT_TRUE(std::regex_match(created(), offset)) << created();
  set_reading("date_zone", "utc");
  EXPECT_TRUE(std::regex_match(created(), std::regex{R"(.*T\d\d:\d\d:\d\d\.\d{3}Z)"})) << created();
  set_reading("date_zone", "none");
  set_reading("subsecond", "seconds");
  EXPECT_TRUE(std::regex_match(created(), std::regex{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)"})) << created();
  const auto dataset = control("GET", "/_sim/dataset/contact");
  EXPECT_TRUE(std::regex_match(dataset[0]["created"].get<std::string>(), std::regex{R"(.*T\d\d:\d\d:\d\dZ)"}))
      << "the dataset shows what the connector must emit: UTC, no fraction written, none invented";
}

TEST_F(bronto_sim, contact_order_and_page_fill_change_the_pages) {
  const auto session = login();
  auto first_page = [&] { return pages("readContacts", "", session); };
  auto modified_of = [](const std::vector<std::unique_ptr<soap_answer>>& pages) {
    std::vector<std::int64_t> out;
    for (const auto& a : pages)
      for (auto r : a->payload.children("return")) out.push_back(*sim::parse_rfc3339_us(r.child_value("modified")));
    return out;
  };
  sim_->mutate({1, 0, 0, 0, -1});  // contact 0, created first, is now modified last
  const auto c = modified_of(first_page());
  EXPECT_FALSE(std::is_sorted(c.begin(), c.end()));
  set_reading("contact_order", "modified");
  const auto m = modified_of(first_page());
  EXPECT_TRUE(std::is_sorted(m.begin(), m.end()));
  EXPECT_EQ(m.size(), 25u);
  set_reading("page_fill", "ragged");
  std::vector<std::size_t> sizes;
  std::size_t total = 0;
  for (const auto& p : first_page()) {
    sizes.push_back(p->returns());
    total += p->returns();
  }
  EXPECT_EQ(total, 25u);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{10, 9, 6})) << "short pages before the last, never an empty one";
}

TEST_F(bronto_sim, activity_readings_change_the_cursor_the_end_the_order_and_what_is_visible) {
  const auto start = unix_now() - 29 * day_s;
  auto dates = [](const soap_answer& a) {
    std::vector<std::string> out;
    for (auto r : a.payload.children("return")) out.emplace_back(r.child_value("createdDate"));
    return out;
  };
  // Per session by default: another session's NEXT has no FIRST.
  const auto one = login(), two = login();
  ASSERT_EQ(call(activities("FIRST", start, 1000), one)->returns(), 1000u);
  EXPECT_EQ(call(activities("NEXT", start, 1000), two)->error_code, "107");
  set_reading("activity_cursor", "token");
  ASSERT_EQ(call(activities("FIRST", start, 1000), one)->returns(), 1000u);
  EXPECT_GT(call(activities("NEXT", start, 1000), two)->returns(), 0u) << "the token's read, from any session";

  set_reading("activity_order", "descending");
  auto down = call(activities("FIRST", start, 1000), one);
  auto d = dates(*down);
  EXPECT_TRUE(std::is_sorted(d.rbegin(), d.rend()));
  set_reading("activity_order", "ascending");

  set_reading("activity_end", "empty");
  for (int i = 0; i < 5; ++i) call(activities("NEXT", start, 1000), one);
  auto past = call(activities("NEXT", start, 1000), one);
  EXPECT_EQ(past->status, 200) << past->body;
  EXPECT_EQ(past->returns(), 0u);

  // Nine activities now: under `delayed`, three of them show up 5 minutes later.
  const auto now = unix_now();
  sim_->mutate({0, 0, 9, 0, -1});
  auto recent = [&] { return call(activities("FIRST", now - 60, 1000), one)->returns(); };
  EXPECT_EQ(recent(), 9u);
  set_reading("activity_visibility", "delayed");
  EXPECT_EQ(recent(), 6u);
  sim_->http().clock().advance(std::chrono::minutes(5));
  EXPECT_EQ(recent(), 9u);
}

} // namespace
} // namespace quarry
