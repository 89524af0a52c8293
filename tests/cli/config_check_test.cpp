// `quarry config check`, run as a user runs it: a valid config prints its
// normalised form (defaults filled in, accounts sorted, secrets as their
// references), which checks again to the same text; an invalid one exits 2
// with every issue in extract's format; serve's start-up rules apply with
// --for serve and worker, exactly as serve and worker apply them (same lines);
// --no-resolve-secrets reads no variable or file; and no
// secret value (from the environment or a file) appears in any output.

#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace quarry::testing {
namespace {

using nlohmann::json;

constexpr const char* env_secret = "Env-S3cret-Value-4b7e";
constexpr const char* file_secret = "File-S3cret-Value-91d3";
constexpr const char* token_secret = "Admin-T0ken-Value-c2a8";

// Secrets from the environment (API key, Kafka password) and from files
// (Marketo client secret, admin token); accounts written out of order; most
// fields left to their defaults.
struct fixture {
  temp_dir dir;
  std::string secret_file = dir.write("client_secret", std::string(file_secret) + "\n");
  std::string token_file = dir.write("admin_token", std::string(token_secret) + "\n");
  env_list env = {{"CHECK_API_KEY", env_secret}, {"CHECK_KAFKA_PASSWORD", env_secret}};

  json config() const {
    return {
        {"kafka",
         {{"bootstrap_servers", "broker-1:9092, broker-2:9092"},
          {"properties", {{"sasl.password", {{"env", "CHECK_KAFKA_PASSWORD"}}}, {"linger.ms", "5"}}}}},
        {"telemetry", {{"listen", "0.0.0.0:9464"}}},
        {"serve", {{"admin_token", {{"file", token_file}}}, {"cluster_listen", "127.0.0.1:4242"}}},
        {"accounts",
         {{"zeta", {{"source", "synthetic"}, {"credentials", {{"api_key", {{"env", "CHECK_API_KEY"}}}}}}},
          {"alpha",
           {{"source", "marketo"},
            {"endpoint", "https://123-ABC-456.mktorest.com"},
            {"credentials", {{"client_id", "abc"}, {"client_secret", {{"file", secret_file}}}}},
            {"quota", {{"daily_reset", "00:00"}, {"windows", {{{"calls", 100}, {"seconds", 20}}}}}},
            {"settings", {{"export_days", 7}, {"activities_via", "rest"}}}}}}},
        {"jobs",
         {{{"name", "leads"},
           {"account", "alpha"},
           {"start_date", "2024-01-01T00:00:00.250Z"},
           {"streams", {{"leads", {{"columns", {"email"}}}}, {"activities_*", {{"selected", false}}}}},
           {"schedule", {{"every", "1h"}, {"anchor", "00:15"}, {"time_zone", "Europe/Berlin"}}}},
          {{"name", "syn"},
           {"account", "zeta"},
           {"start_date", "2024-01-01T00:00:00Z"},
           {"streams", {"users", "accounts"}},
           {"schedule", {{"cron", "0 2 * * 1-5"}}}}}}};
  }

  process_result check(const json& cfg, std::vector<std::string> extra = {}) const {
    const auto path = dir.write("quarry.json", cfg.dump());
    std::vector<std::string> args = {"config", "check", "--config", path};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_quarry(args, env);
  }
};

void expect_no_secret(const process_result& r, const std::string& what) {
  for (const char* s : {env_secret, file_secret, token_secret}) {
    EXPECT_EQ(r.out.find(s), std::string::npos) << s << " on stdout of " << what;
    EXPECT_EQ(r.err.find(s), std::string::npos) << s << " on stderr of " << what;
  }
}

TEST(config_check, prints_the_normalised_config_which_checks_to_itself) {
  const fixture f;
  const auto first = f.check(f.config());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.err, "");
  const json out = json::parse(first.out);
  // Defaults filled in, values as quarry holds them.
  EXPECT_EQ(out["kafka"]["bootstrap_servers"], "broker-1:9092,broker-2:9092");
  EXPECT_EQ(out["kafka"]["compression"], "lz4");
  EXPECT_EQ(out["engine"]["workers"], 4);
  EXPECT_EQ(out["serve"]["local_workers"], 4);
  EXPECT_EQ(out["serve"]["peer_timeout_ms"], 5000);
  EXPECT_EQ(out["jobs"][0]["start_date"], "2024-01-01T00:00:00.250Z");
  EXPECT_EQ(out["jobs"][1]["schedule"], json({{"cron", "0 2 * * 1-5"}, {"time_zone", "UTC"}}));
  EXPECT_EQ(out["jobs"][1]["streams"], json({"users", "accounts"}));  // a list keeps its order
  // Accounts sorted by name in the text.
  EXPECT_LT(first.out.find("\"alpha\""), first.out.find("\"zeta\""));
  // Secrets as their references.
  EXPECT_EQ(out["kafka"]["properties"]["sasl.password"], json({{"env", "CHECK_KAFKA_PASSWORD"}}));
  EXPECT_EQ(out["serve"]["admin_token"], json({{"file", f.token_file}}));
  EXPECT_EQ(out["accounts"]["alpha"]["credentials"]["client_secret"], json({{"file", f.secret_file}}));
  EXPECT_EQ(out["accounts"]["zeta"]["credentials"]["api_key"], json({{"env", "CHECK_API_KEY"}}));
  expect_no_secret(first, "a valid config");

  const auto second = f.check(out);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, first.out);
}

TEST(config_check, reports_every_issue_at_once_as_extract_does) {
  const fixture f;
  auto cfg = f.config();
  cfg["kafka"]["compression"] = "brotli";
  cfg["engine"] = {{"workers", 0}};
  cfg["accounts"]["alpha"]["credentials"]["client_secret"] = file_secret;  // inline: refused, not echoed
  cfg["accounts"]["zeta"]["credentials"]["api_key"] = {{"env", "CHECK_UNSET_VARIABLE"}};
  const auto r = f.check(cfg);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  for (const char* pointer : {"/kafka/compression", "/engine/workers", "/accounts/alpha/credentials/client_secret",
                              "/accounts/zeta/credentials/api_key"})
    EXPECT_NE(r.err.find(std::string("config error at ") + pointer + ": "), std::string::npos) << pointer << "\n"
                                                                                                  << r.err;
  expect_no_secret(r, "an invalid config");

  // extract loads with the same loader: the same lines.
  const auto path = f.dir.write("quarry.json", cfg.dump());
  const auto extract = run_quarry({"extract", "--config", path}, f.env);
  EXPECT_EQ(extract.exit_code, 2);
  EXPECT_EQ(extract.err, r.err);
}

struct rule_case {
  const char* name;
  json patch;           // merged into the fixture's config (JSON merge patch)
  const char* pointer;  // the issue expected; nullptr: valid
};

TEST(config_check, refuses_credentials_where_they_would_be_stored_in_plain_text) {
  const rule_case cases[] = {
      {"user and password in an endpoint",
       {{"accounts", {{"alpha", {{"endpoint", std::string("https://u:") + env_secret + "@h.example"}}}}}},
       "/accounts/alpha/endpoint"},
      {"a key in an endpoint's query",
       {{"accounts", {{"alpha", {{"endpoint", std::string("https://h.example/rest?key=") + env_secret}}}}}},
       "/accounts/alpha/endpoint"},
      {"an @ in an endpoint's path is no credential",
       {{"accounts", {{"alpha", {{"endpoint", "https://h.example/a@b"}}}}}}, nullptr},
      {"a literal password in settings",
       {{"accounts", {{"alpha", {{"settings", {{"password", env_secret}}}}}}}}, "/accounts/alpha/settings/password"},
      {"a literal token deep in settings",
       {{"accounts", {{"alpha", {{"settings", {{"auth", {{{"apiToken", env_secret}}}}}}}}}}},
       "/accounts/alpha/settings/auth/0/apiToken"},
      // The connectors' declared settings (issue 17's typos, as found).
      {"a misspelt setting", {{"accounts", {{"alpha", {{"settings", {{"export_dayz", 3}}}}}}}},
       "/accounts/alpha/settings/export_dayz"},
      {"a setting out of range", {{"accounts", {{"alpha", {{"settings", {{"export_days", 45}}}}}}}},
       "/accounts/alpha/settings/export_days"},
      {"a setting of the wrong type", {{"accounts", {{"alpha", {{"settings", {{"poll_interval_s", "fast"}}}}}}}},
       "/accounts/alpha/settings/poll_interval_s"},
      {"a filter Marketo does not offer", {{"accounts", {{"alpha", {{"settings", {{"leads_filter", "modifiedAt"}}}}}}}},
       "/accounts/alpha/settings/leads_filter"},
      {"a stream the source lacks",
       {{"jobs", {{{"name", "syn"}, {"account", "zeta"}, {"start_date", "2024-01-01T00:00:00Z"},
                   {"streams", {"users", "acounts"}}}}}},
       "/jobs/0/streams/1"},
      {"a glob matching no stream",
       {{"jobs", {{{"name", "syn"}, {"account", "zeta"}, {"start_date", "2024-01-01T00:00:00Z"},
                   {"streams", {"use*", "campaign_*"}}}}}},
       "/jobs/0/streams/1"},
      {"a column the stream lacks",
       {{"jobs", {{{"name", "syn"}, {"account", "zeta"}, {"start_date", "2024-01-01T00:00:00Z"},
                   {"streams", {{"users", {{"columns", {"emial"}}}}}}}}}},
       "/jobs/0/streams/users/columns/0"},
      {"a quota zone the tz database lacks",
       {{"accounts", {{"alpha", {{"quota", {{"time_zone", "America/Chicgo"}}}}}}}}, "/accounts/alpha/quota/time_zone"},
      {"client_id from the environment",
       {{"accounts", {{"alpha", {{"credentials", {{"client_id", {{"env", "CHECK_API_KEY"}}}}}}}}}}, nullptr},
  };
  const fixture f;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto cfg = f.config();
    cfg.merge_patch(c.patch);
    const auto r = f.check(cfg);
    if (c.pointer) {
      EXPECT_EQ(r.exit_code, 2);
      EXPECT_NE(r.err.find(std::string("config error at ") + c.pointer + ": "), std::string::npos) << r.err;
    } else {
      EXPECT_EQ(r.exit_code, 0) << r.err;
    }
    expect_no_secret(r, c.name);
  }
}

TEST(config_check, applies_the_start_up_rules_of_the_command_named) {
  const fixture f;
  auto cfg = f.config();
  cfg["serve"].erase("admin_token");
  cfg["serve"]["cluster_listen"] = "0.0.0.0:4242";
  const auto serve = f.check(cfg);
  EXPECT_EQ(serve.exit_code, 2);
  EXPECT_NE(serve.err.find("config error at /serve/admin_token: "), std::string::npos) << serve.err;
  EXPECT_NE(serve.err.find("config error at /serve/tls: "), std::string::npos) << serve.err;
  EXPECT_NE(serve.err.find("needs serve.admin_token"), std::string::npos) << serve.err;
  EXPECT_NE(serve.err.find("needs serve.tls"), std::string::npos) << serve.err;
  EXPECT_EQ(f.check(cfg, {"--for", "extract"}).exit_code, 0);
  EXPECT_EQ(f.check(cfg, {"--for", "worker"}).exit_code, 0);

  // serve itself refuses the same config, with the same lines, before it
  // connects to anything.
  const auto path = f.dir.write("quarry.json", cfg.dump());
  const auto refused = run_quarry({"serve", "--config", path}, f.env, std::chrono::seconds(60));
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.err, serve.err);

  cfg["kafka"] = {{"embedded", true}};
  const auto worker = f.check(cfg, {"--for", "worker"});
  EXPECT_EQ(worker.exit_code, 2);
  EXPECT_NE(worker.err.find("config error at /kafka/embedded: "), std::string::npos) << worker.err;
  const auto embedded = f.dir.write("quarry.json", cfg.dump());
  const auto joined = run_quarry({"worker", "--join", "127.0.0.1:1", "--config", embedded}, f.env,
                                 std::chrono::seconds(60));
  EXPECT_EQ(joined.exit_code, 2);
  EXPECT_EQ(joined.err, worker.err);
}

TEST(config_check, no_resolve_secrets_reads_no_variable_or_file) {
  const fixture f;
  auto cfg = f.config();
  cfg["accounts"]["zeta"]["credentials"]["api_key"] = {{"env", "CHECK_UNSET_VARIABLE"}};
  cfg["accounts"]["alpha"]["credentials"]["client_secret"] = {{"file", f.dir.file("absent")}};
  cfg["serve"]["tls"] = {{"ca", "/absent/ca.crt"}, {"cert", "/absent/tls.crt"}, {"key", {{"file", "/absent/tls.key"}}}};
  const auto resolved = f.check(cfg);
  EXPECT_EQ(resolved.exit_code, 2);
  EXPECT_NE(resolved.err.find("CHECK_UNSET_VARIABLE is not set"), std::string::npos) << resolved.err;
  EXPECT_NE(resolved.err.find("config error at /serve/tls/ca: "), std::string::npos) << resolved.err;

  const auto shape = f.check(cfg, {"--no-resolve-secrets"});
  ASSERT_EQ(shape.exit_code, 0) << shape.err;
  const json out = json::parse(shape.out);
  EXPECT_EQ(out["accounts"]["zeta"]["credentials"]["api_key"], json({{"env", "CHECK_UNSET_VARIABLE"}}));
  EXPECT_EQ(out["serve"]["tls"]["key"], json({{"file", "/absent/tls.key"}}));
  // Shapes are still checked.
  cfg["serve"]["tls"]["key"] = {{"env", "CHECK_API_KEY"}};
  const auto bad = f.check(cfg, {"--no-resolve-secrets"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("config error at /serve/tls/key: "), std::string::npos) << bad.err;
}

TEST(config_check, a_missing_file_or_bad_usage_exits_2) {
  EXPECT_EQ(run_quarry({"config", "check", "--config", "/nonexistent/quarry.json"}).exit_code, 2);
  EXPECT_EQ(run_quarry({"config", "check"}).exit_code, 2);
  EXPECT_EQ(run_quarry({"config", "check", "--config", "x", "--for", "demo"}).exit_code, 2);
  EXPECT_EQ(run_quarry({"config"}).exit_code, 2);
}

} // namespace
} // namespace quarry::testing
