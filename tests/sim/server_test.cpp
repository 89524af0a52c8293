// sim::server over real HTTP: accounting, control endpoints, hooks. The
// limits themselves are exercised through the synthetic simulator in
// limits_test.cpp.

#include "sim/server.hpp"
#include "sim/soap.hpp"
#include "tests/sim/sim_client.hpp"

#include <gtest/gtest.h>

#include <latch>
#include <thread>

namespace quarry::sim {
namespace {

using testing::reply;
using testing::sim_client;

// A server with two API routes: /v1/echo/{name} and /v1/boom (throws).
struct bare_server {
  explicit bare_server(server_options options = {}) : srv(std::move(options)) {
    srv.add_api_route("GET", "/v1/echo/{name}", [](const request& req, response& res) {
      res.json(200, nlohmann::json{{"name", req.path_param("name")},
                                   {"q", req.query_param("q").value_or("")},
                                   {"h", req.header("X-Test").value_or("")}}
                        .dump());
    });
    srv.add_api_route("GET", "/v1/boom", [](const request&, response&) {
      throw std::runtime_error("handler failed");
    });
    srv.start();
  }
  sim_client client() { return sim_client("127.0.0.1", srv.port(), ""); }
  server srv;
};

TEST(sim_server, binds_any_port_and_passes_path_query_and_headers) {
  bare_server s;
  EXPECT_GT(s.srv.port(), 0);
  EXPECT_EQ(s.srv.base_url(), "http://127.0.0.1:" + std::to_string(s.srv.port()));
  httplib::Client c("127.0.0.1", s.srv.port());
  const auto res = c.Get("/v1/echo/abc?q=x%20y", {{"x-test", "yes"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["name"], "abc");
  EXPECT_EQ(body["q"], "x y");
  EXPECT_EQ(body["h"], "yes");
}

TEST(sim_server, answers_gzip_to_clients_that_accept_it_and_never_brotli) {
  bare_server s;
  httplib::Client raw("127.0.0.1", s.srv.port());
  raw.set_decompress(false);
  // libcurl's own list: br first. The answer is gzip all the same.
  auto r = raw.Get("/v1/echo/abc", {{"Accept-Encoding", "br, deflate, gzip"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Encoding"), "gzip");
  ASSERT_GE(r->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(r->body[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>(r->body[1]), 0x8b);
  for (const char* refuses : {"br", "identity", "gzip;q=0"}) {
    r = raw.Get("/v1/echo/abc", {{"Accept-Encoding", refuses}});
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->has_header("Content-Encoding")) << refuses;
    EXPECT_EQ(nlohmann::json::parse(r->body)["name"], "abc") << refuses;
  }
  httplib::Client decoding("127.0.0.1", s.srv.port());
  r = decoding.Get("/v1/echo/abc", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(nlohmann::json::parse(r->body)["name"], "abc");
}

TEST(sim_server, counts_api_calls_by_template_and_not_control_calls) {
  bare_server s;
  auto c = s.client();
  EXPECT_EQ(c.get("/v1/echo/a").status, 200);
  EXPECT_EQ(c.get("/v1/echo/b").status, 200);
  EXPECT_EQ(c.get("/v1/boom").status, 500);
  EXPECT_EQ(c.get("/v1/nowhere").status, 404);  // no route: not an API call
  EXPECT_EQ(c.get("/_sim/clock").status, 200);
  const auto stats = s.srv.stats();
  EXPECT_EQ(stats.calls_total, 3);
  EXPECT_EQ(stats.calls_by_path.at("/v1/echo/{name}"), 2);
  EXPECT_EQ(stats.calls_by_path.at("/v1/boom"), 1);
  EXPECT_GT(stats.bytes_served, 0);
  EXPECT_EQ(stats.max_in_flight, 1);
}

TEST(sim_server, soap_calls_are_counted_by_operation) {
  server_options options;
  options.operation_of = soap_operation;
  server srv(options);
  srv.add_api_route("POST", "/v4", [](const request& req, response& res) {
    std::string why;
    auto call = parse_soap_call(req.body, why);
    if (!call) return send_soap_fault(res, "soap:Client", why);
    soap_reply reply;
    auto out = reply.body().append_child("ns2:pingResponse");
    add_leaf(out, "return", std::string{local_name(call->operation)} + " <&>");
    reply.send(res);
  });
  srv.start();
  httplib::Client c("127.0.0.1", srv.port());
  const std::string env =
      R"(<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:v4="http://api.bronto.com/v4">)"
      R"(<soapenv:Body><v4:readLists><pageNumber>1</pageNumber></v4:readLists></soapenv:Body></soapenv:Envelope>)";
  auto res = c.Post("/v4", env, "text/xml");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("<return>readLists &lt;&amp;&gt;</return>"), std::string::npos) << res->body;
  // SOAPAction names the operation when present (Listrak's dispatch).
  res = c.Post("/v4", {{"SOAPAction", "\"http://webservices.listrak.com/v31/GetContactListCollection\""}}, env, "text/xml");
  ASSERT_TRUE(res);
  res = c.Post("/v4", "<not-soap/>", "text/xml");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_NE(res->body.find("<faultcode>soap:Client</faultcode>"), std::string::npos) << res->body;
  const auto stats = srv.stats();
  EXPECT_EQ(stats.calls_total, 3);
  EXPECT_EQ(stats.calls_by_operation.at("readLists"), 1);
  EXPECT_EQ(stats.calls_by_operation.at("GetContactListCollection"), 1);
  EXPECT_EQ(stats.calls_by_operation.size(), 2u) << "an unreadable call names no operation";
}

TEST(sim_server, stats_json_has_the_documented_shape) {
  server_options options;
  options.limits.windows = {{100, 20}, {5, 0.5}};
  bare_server s(options);
  auto c = s.client();
  ASSERT_EQ(c.get("/v1/echo/a").status, 200);
  const reply r = c.get("/_sim/stats");
  ASSERT_EQ(r.status, 200);
  ASSERT_TRUE(r.is_json()) << r.body;
  const auto& j = r.json;
  EXPECT_EQ(j["calls_total"], 1);
  ASSERT_TRUE(j["calls_by_day"].is_object());
  EXPECT_EQ(j["calls_by_day"].size(), 1u);
  EXPECT_EQ(j["calls_by_day"].begin().key().size(), 10u);  // YYYY-MM-DD
  EXPECT_EQ(j["calls_by_path"], nlohmann::json({{"/v1/echo/{name}", 1}}));
  EXPECT_EQ(j["calls_by_operation"], nlohmann::json::object());
  EXPECT_EQ(j["max_in_flight"], 1);
  EXPECT_EQ(j["windows"], nlohmann::json::parse(
                              R"([{"calls":100,"seconds":20,"max_seen":1},
                                  {"calls":5,"seconds":0.5,"max_seen":1}])"));
  EXPECT_TRUE(j["bytes_served"].is_number_integer());
  EXPECT_EQ(j["violations"], nlohmann::json::array());
  EXPECT_EQ(j["faults_injected"], 0);
  EXPECT_EQ(j.size(), 9u);
  EXPECT_EQ(r.body, s.srv.stats_json());
}

TEST(sim_server, reset_stats_clears_counters) {
  bare_server s;
  auto c = s.client();
  ASSERT_EQ(c.get("/v1/echo/a").status, 200);
  ASSERT_EQ(c.post("/_sim/reset_stats", "").status, 200);
  const auto stats = s.srv.stats();
  EXPECT_EQ(stats.calls_total, 0);
  EXPECT_TRUE(stats.calls_by_path.empty());
  EXPECT_EQ(stats.bytes_served, 0);
}

TEST(sim_server, clock_is_settable_over_http_and_in_cpp) {
  bare_server s;
  auto c = s.client();
  reply r = c.post("/_sim/clock", R"({"now":"2026-11-24T00:00:05Z"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["now"].get<std::string>().substr(0, 17), "2026-11-24T00:00:");
  r = c.get("/_sim/clock");
  EXPECT_EQ(r.json["now"].get<std::string>().substr(0, 10), "2026-11-24");
  ASSERT_EQ(c.get("/v1/echo/a").status, 200);
  EXPECT_EQ(s.srv.stats().calls_by_day.count("2026-11-24"), 1u);

  r = c.post("/_sim/clock", R"({"advance_seconds":86400})");
  EXPECT_EQ(r.json["now"].get<std::string>().substr(0, 10), "2026-11-25");
  EXPECT_EQ(c.post("/_sim/clock", R"({"now":"soon"})").status, 400);
  EXPECT_EQ(c.post("/_sim/clock", "not json").status, 400);

  EXPECT_TRUE(r.json["offset_seconds"].is_number());
  s.srv.clock().reset();
  EXPECT_LT(std::chrono::abs(s.srv.clock().offset()), std::chrono::seconds(1));
}

TEST(sim_server, readings_are_declared_listed_switched_and_refused_when_unknown) {
  server_options o;
  o.readings = {{"since_bound", "exclusive"}};
  server srv(o);
  srv.declare_reading("since_bound", {"inclusive", "exclusive"});
  srv.declare_reading("counters", {"people", "events"});
  srv.add_api_route("GET", "/v1/bound", [&srv](const request&, response& res) {
    res.json(200, nlohmann::json{{"since_bound", srv.reading("since_bound")}}.dump());
  });
  srv.start();
  EXPECT_EQ(srv.reading("since_bound"), "exclusive");  // from the options
  EXPECT_EQ(srv.reading("counters"), "people");        // the default: the first value
  httplib::Client c("127.0.0.1", srv.port());
  auto listed = c.Get("/_sim/readings");
  ASSERT_TRUE(listed);
  const auto body = nlohmann::json::parse(listed->body);
  EXPECT_EQ(body["counters"]["values"], nlohmann::json::array({"people", "events"}));
  auto set = c.Post("/_sim/readings", R"({"since_bound":"inclusive","counters":"events"})", "application/json");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, 200);
  EXPECT_EQ(nlohmann::json::parse(c.Get("/v1/bound")->body)["since_bound"], "inclusive");
  EXPECT_EQ(srv.reading("counters"), "events");
  // An unknown name or value changes nothing.
  for (const char* bad : {R"({"since_bound":"exclusive","nope":"x"})", R"({"counters":"both"})", "[]"}) {
    SCOPED_TRACE(bad);
    auto refused = c.Post("/_sim/readings", bad, "application/json");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 400);
  }
  EXPECT_EQ(srv.reading("since_bound"), "inclusive");
  EXPECT_EQ(srv.reading("counters"), "events");
  EXPECT_EQ(srv.stats().calls_total, 1);  // control calls are not API calls

  server_options unknown;
  unknown.readings = {{"since_bound", "sideways"}};
  server other(unknown);
  other.declare_reading("since_bound", {"inclusive", "exclusive"});
  try {
    other.start();
    FAIL() << "an unknown reading started";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("since_bound=sideways"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("inclusive"), std::string::npos) << e.what();
  }
}

TEST(sim_server, handler_exceptions_answer_500) {
  bare_server s;
  auto c = s.client();
  const reply r = c.get("/v1/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.json["error"], "internal_error");
}

TEST(sim_server, rejection_hook_shapes_the_answer) {
  server_options options;
  options.limits.daily = 1;
  server srv(options);
  srv.add_api_route("GET", "/rest/v1/leads.json",
                    [](const request&, response& res) { res.json(200, R"({"success":true})"); });
  srv.set_rejection_handler([](const rejection& why, const request&, response& res) {
    // Marketo-style: HTTP 200 with an error code in the body.
    res.json(200, nlohmann::json{{"success", false},
                                 {"errors", {{{"code", why.kind == limit_kind::daily ? "607" : "606"}}}}}
                      .dump());
  });
  srv.start();
  sim_client c("127.0.0.1", srv.port(), "");
  EXPECT_EQ(c.get("/rest/v1/leads.json").json["success"], true);
  const reply r = c.get("/rest/v1/leads.json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json["errors"][0]["code"], "607");
  ASSERT_EQ(srv.stats().violations.size(), 1u);
  EXPECT_EQ(srv.stats().violations[0].path, "/rest/v1/leads.json");
}

TEST(sim_server, latency_holds_calls_in_flight) {
  server_options options;
  options.latency_ms = 200;
  bare_server s(options);
  // Three calls started together overlap inside the server's latency; the
  // latch only lines the threads up, the server does the holding.
  for (int attempt = 0; attempt < 5; ++attempt) {
    s.srv.reset_stats();
    std::latch ready(3);
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i)
      threads.emplace_back([&] {
        auto c = s.client();
        ready.arrive_and_wait();
        EXPECT_EQ(c.get("/v1/echo/x").status, 200);
      });
    for (auto& t : threads) t.join();
    if (s.srv.stats().max_in_flight == 3) break;
  }
  EXPECT_EQ(s.srv.stats().max_in_flight, 3);
}

TEST(sim_server, stop_wakes_calls_sleeping_in_latency) {
  server_options options;
  options.latency_ms = 60'000;
  bare_server s(options);
  std::thread caller([&] {
    auto c = s.client();
    const reply r = c.get("/v1/echo/x");
    EXPECT_NE(r.status, 429);  // answered early or cut off; either is fine
  });
  // Wait until the server has the call, then stop: stop() must not wait 60 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (s.srv.stats().calls_total == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  ASSERT_EQ(s.srv.stats().calls_total, 1);
  const auto t0 = std::chrono::steady_clock::now();
  s.srv.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  caller.join();
}

} // namespace
} // namespace quarry::sim
