// The Bronto simulator over real HTTP on loopback: sessions (102, 103),
// paging to an empty page, page-size faults (115), FIRST/NEXT/116, the
// 30-day activity horizon and calls_by_operation.

#include "sim/bronto.hpp"
#include "sim/timestamps.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <chrono>
#include <string>

namespace quarry {
namespace {

using nlohmann::json;

constexpr std::int64_t day_s = 86'400;

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
  const auto t = d.contact_modified(7);
  std::int64_t expected = 0;
  for (std::int64_t i = 0; i < d.contact_count(); ++i) expected += d.contact_modified(i) > t;
  const auto filter = "<filter><type>AND</type><modified><value>" + sim::format_rfc3339(t) +
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
                        d.first_activity_at(sim::activity_direction::inbound, start);
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
                          d.first_activity_at(sim::activity_direction::outbound, horizon);
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

} // namespace
} // namespace quarry
