// Specification of the config parts `quarry serve` reads: /jobs/<i>/schedule
// (parsed into a schedule), the /serve section with its defaults, and
// is_loopback_listen. Each bad document names the field by JSON pointer.

#include "config/config.hpp"
#include "tests/config/test_sources.hpp"
#include "schedule/schedule.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace quarry::config {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* token_value = "admin-token-value-3b9e";

// A valid document with one job, patched (RFC 7386) by each test.
std::string document(std::string_view patch) {
  ::setenv("QUARRY_TEST_ADMIN_TOKEN", token_value, 1);
  ::setenv("QUARRY_TEST_API_KEY", "api-key-value", 1);
  json doc = json::parse(R"({
    "kafka": {"embedded": true},
    "telemetry": {"listen": "0.0.0.0:9464"},
    "engine": {"workers": 6},
    "accounts": {"syn": {"source": "synthetic", "credentials": {"api_key": {"env": "QUARRY_TEST_API_KEY"}}}},
    "jobs": [{"name": "j", "account": "syn", "start_date": "2024-01-01T00:00:00Z"}]
  })");
  doc.merge_patch(json::parse(patch));
  return doc.dump();
}

// The document with /jobs/0/schedule set to `schedule` (JSON text).
std::string with_schedule(std::string_view schedule) {
  json patch = json::parse(R"({"jobs": [{"name": "j", "account": "syn", "start_date": "2024-01-01T00:00:00Z"}]})");
  patch["jobs"][0]["schedule"] = json::parse(schedule);
  return document(patch.dump());
}

quarry_config parsed(const std::string& text) {
  auto r = parse(text, test_source_rules());
  if (auto* issues = std::get_if<std::vector<config_issue>>(&r)) {
    ADD_FAILURE() << format_issues(*issues);
    return {};
  }
  return std::get<quarry_config>(std::move(r));
}

std::vector<config_issue> issues(const std::string& text) {
  auto r = parse(text, test_source_rules());
  auto* found = std::get_if<std::vector<config_issue>>(&r);
  return found ? *found : std::vector<config_issue>{};
}

scheduling::instant utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  return std::chrono::sys_days{std::chrono::year{y} / mo / d} + std::chrono::hours{h} +
         std::chrono::minutes{mi};
}

TEST(config_schedule, absent_means_manual_only) {
  const auto cfg = parsed(document("{}"));
  ASSERT_EQ(cfg.jobs.size(), 1u);
  EXPECT_EQ(cfg.jobs[0].schedule, nullptr);
}

TEST(config_schedule, every_with_anchor_and_zone) {
  const auto cfg = parsed(with_schedule(R"({"every": "1h", "anchor": "02:30", "time_zone": "Europe/Berlin"})"));
  ASSERT_NE(cfg.jobs[0].schedule, nullptr);
  EXPECT_EQ(cfg.jobs[0].schedule->describe(), "every 1h from 02:30 Europe/Berlin");
  // 02:30 CET is 01:30Z: hourly at half past in UTC.
  EXPECT_EQ(cfg.jobs[0].schedule->next_after(utc(2026, 1, 1)), utc(2026, 1, 1, 0, 30));
}

TEST(config_schedule, every_in_seconds_defaults_to_midnight_utc) {
  const auto cfg = parsed(with_schedule(R"({"every": 900})"));
  ASSERT_NE(cfg.jobs[0].schedule, nullptr);
  EXPECT_EQ(cfg.jobs[0].schedule->describe(), "every 15m from 00:00 UTC");
}

TEST(config_schedule, cron_with_zone) {
  const auto cfg = parsed(with_schedule(R"({"cron": "0 2 * * *", "time_zone": "America/New_York"})"));
  ASSERT_NE(cfg.jobs[0].schedule, nullptr);
  EXPECT_EQ(cfg.jobs[0].schedule->describe(), "cron 0 2 * * * America/New_York");
  EXPECT_EQ(cfg.jobs[0].schedule->next_after(utc(2026, 1, 1)), utc(2026, 1, 1, 7));  // 02:00 EST
}

struct bad_schedule {
  std::string_view name;
  std::string_view schedule;
  std::string_view pointer;
  std::string_view message;  // the issue's whole message
};

std::ostream& operator<<(std::ostream& os, const bad_schedule& c) { return os << c.name; }

const bad_schedule bad_schedules[] = {
    {"bad_cron_hour", R"({"cron": "0 24 * * *"})", "/jobs/0/schedule/cron",
     "field 2 (hour) value 24 is out of range 0-23"},
    {"cron_field_count", R"({"cron": "0 2 * *"})", "/jobs/0/schedule/cron",
     "expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
    {"cron_not_string", R"({"cron": 5})", "/jobs/0/schedule/cron", "expected a string, got an integer"},
    {"unknown_zone", R"({"cron": "0 2 * * *", "time_zone": "Europe/Berln"})", "/jobs/0/schedule/time_zone",
     R"(unknown time zone "Europe/Berln"; did you mean "Europe/Berlin"?)"},
    {"zone_shaped_but_absent", R"({"every": "1h", "time_zone": "Mars/Olympus_Mons"})",
     "/jobs/0/schedule/time_zone",
     R"(unknown time zone "Mars/Olympus_Mons"; expected an IANA name like "Europe/Berlin" or "UTC")"},
    {"both_kinds", R"({"cron": "0 2 * * *", "every": "1h"})", "/jobs/0/schedule",
     R"(give exactly one of "every" or "cron")"},
    {"neither_kind", R"({"time_zone": "UTC"})", "/jobs/0/schedule",
     R"(missing "every" or "cron"; e.g. {"every": "1h", "anchor": "02:30"} or {"cron": "0 2 * * *"})"},
    {"anchor_with_cron", R"({"cron": "0 2 * * *", "anchor": "02:30"})", "/jobs/0/schedule/anchor",
     R"(only "every" schedules take an anchor; a cron expression names its own times)"},
    {"bad_every", R"({"every": "1w"})", "/jobs/0/schedule/every",
     R"(expected a whole number and a unit (s, m, h or d), like 90s, 15m, 6h or 1d; got "1w")"},
    {"every_zero_seconds", R"({"every": 0})", "/jobs/0/schedule/every",
     "must be an integer from 1 to 31622400, got 0"},
    {"bad_anchor", R"({"every": "1h", "anchor": "25:00"})", "/jobs/0/schedule/anchor",
     R"(the time must be between 00:00 and 23:59:59; got "25:00")"},
    {"undated_anchor_odd_interval", R"({"every": "7h", "anchor": "02:30"})", "/jobs/0/schedule/anchor",
     "an anchor without a date needs an interval that divides 24h (like 15m, 6h or 1d); "
     "give a date, e.g. 2026-01-01T02:30"},
    {"odd_interval_without_anchor", R"({"every": "2d"})", "/jobs/0/schedule/every",
     "an anchor without a date needs an interval that divides 24h (like 15m, 6h or 1d); "
     "give a date, e.g. 2026-01-01T02:30"},
    {"unknown_field", R"({"cron": "0 2 * * *", "timezone": "UTC"})", "/jobs/0/schedule/timezone",
     R"(unknown field "timezone"; did you mean "time_zone"?)"},
    {"not_object", R"("0 2 * * *")", "/jobs/0/schedule", "expected an object, got a string"},
};

class config_schedule_rejects : public ::testing::TestWithParam<bad_schedule> {};

TEST_P(config_schedule_rejects, with_one_issue_at_the_field) {
  const auto& c = GetParam();
  const auto found = issues(with_schedule(c.schedule));
  ASSERT_EQ(found.size(), 1u) << format_issues(found);
  EXPECT_EQ(found[0].pointer, c.pointer);
  EXPECT_EQ(found[0].message, c.message);
}

INSTANTIATE_TEST_SUITE_P(config, config_schedule_rejects, ::testing::ValuesIn(bad_schedules),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(config_schedule, reports_every_field_at_once) {
  const auto found = issues(with_schedule(R"({"every": "1w", "anchor": "9", "time_zone": "Nowhere/X"})"));
  ASSERT_EQ(found.size(), 3u) << format_issues(found);
  EXPECT_EQ(found[0].pointer, "/jobs/0/schedule/time_zone");
  EXPECT_EQ(found[1].pointer, "/jobs/0/schedule/every");
  EXPECT_EQ(found[2].pointer, "/jobs/0/schedule/anchor");
}

TEST(config_serve, defaults_follow_the_engine) {
  const auto cfg = parsed(document("{}"));
  EXPECT_FALSE(cfg.serve.admin_token.has_value());
  EXPECT_EQ(cfg.serve.cluster_listen, "");
  EXPECT_EQ(cfg.serve.grace_period_s, 30);
  EXPECT_EQ(cfg.serve.heartbeat_ms, 1000);
  EXPECT_EQ(cfg.serve.peer_timeout_ms, 5000);
  EXPECT_EQ(cfg.serve.local_workers, 6);  // engine.workers
}

TEST(config_serve, every_field) {
  const auto cfg = parsed(document(R"({"serve": {
      "admin_token": {"env": "QUARRY_TEST_ADMIN_TOKEN"}, "cluster_listen": "0.0.0.0:7400",
      "grace_period_s": 120, "heartbeat_ms": 500, "peer_timeout_ms": 3000, "local_workers": 0}})"));
  ASSERT_TRUE(cfg.serve.admin_token.has_value());
  EXPECT_EQ(cfg.serve.admin_token->reveal(), token_value);
  EXPECT_EQ(cfg.serve.admin_token->origin(), "env:QUARRY_TEST_ADMIN_TOKEN");
  EXPECT_EQ(cfg.serve.cluster_listen, "0.0.0.0:7400");
  EXPECT_EQ(cfg.serve.grace_period_s, 120);
  EXPECT_EQ(cfg.serve.heartbeat_ms, 500);
  EXPECT_EQ(cfg.serve.peer_timeout_ms, 3000);
  EXPECT_EQ(cfg.serve.local_workers, 0);
}

TEST(config_serve, peer_timeout_defaults_to_five_heartbeats) {
  const auto cfg = parsed(document(R"({"serve": {"heartbeat_ms": 2000}})"));
  EXPECT_EQ(cfg.serve.peer_timeout_ms, 10000);
}

TEST(config_serve, an_exposed_admin_api_without_token_parses) {
  // telemetry.listen is 0.0.0.0: serve refuses it, extract does not care.
  const auto cfg = parsed(document("{}"));
  EXPECT_FALSE(is_loopback_listen(cfg.telemetry.listen));
  EXPECT_FALSE(cfg.serve.admin_token.has_value());
}

struct bad_serve {
  std::string_view name;
  std::string_view serve;
  std::string_view pointer;
  std::string_view message;
};

std::ostream& operator<<(std::ostream& os, const bad_serve& c) { return os << c.name; }

const bad_serve bad_serves[] = {
    {"inline_token", R"({"admin_token": "admin-token-value-3b9e"})", "/serve/admin_token",
     R"(secrets must be given as {"env": NAME} or {"file": PATH}, not inline)"},
    {"unset_token_env", R"({"admin_token": {"env": "QUARRY_TEST_NO_SUCH_TOKEN"}})", "/serve/admin_token",
     "environment variable QUARRY_TEST_NO_SUCH_TOKEN is not set"},
    {"bad_cluster_listen", R"({"cluster_listen": "0.0.0.0"})", "/serve/cluster_listen",
     R"(expected host:port; the :port is missing; got "0.0.0.0" ("" or absent: no remote workers))"},
    {"grace_too_long", R"({"grace_period_s": 3601})", "/serve/grace_period_s",
     "must be an integer from 1 to 3600, got 3601"},
    {"heartbeat_too_fast", R"({"heartbeat_ms": 10})", "/serve/heartbeat_ms",
     "must be an integer from 100 to 60000, got 10"},
    {"peer_timeout_below_two_heartbeats", R"({"heartbeat_ms": 1000, "peer_timeout_ms": 1500})",
     "/serve/peer_timeout_ms", "must be at least twice /serve/heartbeat_ms (2000), got 1500"},
    {"too_many_local_workers", R"({"local_workers": 257})", "/serve/local_workers",
     "must be an integer from 0 to 256, got 257"},
    {"unknown_field", R"({"grace_period": 10})", "/serve/grace_period",
     R"(unknown field "grace_period"; did you mean "grace_period_s"?)"},
    {"not_object", "[]", "/serve", "expected an object, got an array"},
};

class config_serve_rejects : public ::testing::TestWithParam<bad_serve> {};

TEST_P(config_serve_rejects, with_one_issue_at_the_field) {
  const auto& c = GetParam();
  ::unsetenv("QUARRY_TEST_NO_SUCH_TOKEN");
  const auto found = issues(document(R"({"serve": )" + std::string(c.serve) + "}"));
  ASSERT_EQ(found.size(), 1u) << format_issues(found);
  EXPECT_EQ(found[0].pointer, c.pointer);
  EXPECT_EQ(found[0].message, c.message);
  EXPECT_EQ(found[0].message.find(token_value), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(config, config_serve_rejects, ::testing::ValuesIn(bad_serves),
                         [](const auto& info) { return std::string(info.param.name); });

// Three readable files standing in for PEM files (their contents are
// checked where TLS starts, not by the config).
struct tls_files {
  std::string dir = [] {
    char tmpl[] = "/tmp/quarry-tls-config-XXXXXX";
    return std::string(::mkdtemp(tmpl));
  }();
  std::string ca = write("ca.crt"), cert = write("tls.crt"), key = write("tls.key");

  std::string write(const std::string& name) const {
    const auto path = dir + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("PEM-PLACEHOLDER-4d1c\n", f);
    std::fclose(f);
    return path;
  }
  json section() const { return {{"ca", ca}, {"cert", cert}, {"key", {{"file", key}}}}; }
  ~tls_files() { std::filesystem::remove_all(dir); }
};

TEST(config_tls, serve_and_worker_take_three_files) {
  const tls_files files;
  const auto cfg = parsed(document(
      json{{"serve", {{"tls", files.section()}}}, {"worker", {{"tls", files.section()}}}}.dump()));
  for (const auto* tls : {&cfg.serve.tls, &cfg.worker.tls}) {
    ASSERT_TRUE(tls->has_value());
    EXPECT_EQ((*tls)->ca, files.ca);
    EXPECT_EQ((*tls)->cert, files.cert);
    EXPECT_EQ((*tls)->key_file, files.key);
  }
  const auto plain = parsed(document("{}"));
  EXPECT_FALSE(plain.serve.tls.has_value());
  EXPECT_FALSE(plain.worker.tls.has_value());
}

TEST(config_tls, refuses_an_inline_or_env_key_and_unreadable_or_missing_files) {
  const tls_files files;
  auto tls = files.section();
  tls["key"] = "-----BEGIN PRIVATE KEY-----secret-key-text";
  auto found = issues(document(json{{"serve", {{"tls", tls}}}}.dump()));
  ASSERT_EQ(found.size(), 1u) << format_issues(found);
  EXPECT_EQ(found[0].pointer, "/serve/tls/key");
  EXPECT_NE(found[0].message.find(R"({"file": PATH})"), std::string::npos) << found[0].message;
  EXPECT_EQ(found[0].message.find("secret-key-text"), std::string::npos);

  tls["key"] = {{"env", "QUARRY_TEST_ADMIN_TOKEN"}};
  found = issues(document(json{{"worker", {{"tls", tls}}}}.dump()));
  ASSERT_EQ(found.size(), 1u) << format_issues(found);
  EXPECT_EQ(found[0].pointer, "/worker/tls/key");

  tls = files.section();
  tls["ca"] = files.dir + "/no-such-ca.crt";
  tls.erase("cert");
  tls["key"] = {{"file", files.dir + "/no-such.key"}};
  found = issues(document(json{{"serve", {{"tls", tls}}}}.dump()));
  ASSERT_EQ(found.size(), 3u) << format_issues(found);
  EXPECT_EQ(found[0].pointer, "/serve/tls/ca");
  EXPECT_NE(found[0].message.find("no-such-ca.crt"), std::string::npos) << found[0].message;
  EXPECT_EQ(found[1].pointer, "/serve/tls/cert");
  EXPECT_EQ(found[2].pointer, "/serve/tls/key");

  found = issues(document(R"({"worker": {"tls": {}, "threads": 2}})"));
  ASSERT_EQ(found.size(), 4u) << format_issues(found);
  EXPECT_EQ(found[0].pointer, "/worker/threads");
}

TEST(config_loopback, only_loopback_hosts) {
  for (std::string_view listen : {"127.0.0.1:9464", "127.1.2.3:0", "localhost:80", "LocalHost:80",
                                  "[::1]:9464", "[0:0:0:0:0:0:0:1]:1", "[::ffff:127.0.0.1]:9464"})
    EXPECT_TRUE(is_loopback_listen(listen)) << listen;
  for (std::string_view listen : {"0.0.0.0:9464", "10.0.0.1:9464", "128.0.0.1:1", "[::]:9464",
                                  "[::ffff:10.0.0.1]:1", "quarry.internal:9464", "localhost.evil:1",
                                  "127.0.0.1", "", "127.1:80", "[::1:80"})
    EXPECT_FALSE(is_loopback_listen(listen)) << listen;
}

} // namespace
} // namespace quarry::config
