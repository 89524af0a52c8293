// `quarry discover` against the in-process Marketo simulator: the Singer
// catalog names every stream the account offers, the leads schema comes from
// the account's describe.json, keys and replication are in the metadata,
// `selected` follows the job's streams and columns, discovery pays from the
// account's quota, and neither the catalog nor any error shows the client
// secret. Configs use the embedded Kafka (the quota's usage store), so no
// broker is needed.

#include "tests/cli/cli_fixture.hpp"

#include "sim/marketo.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

namespace quarry::cli_testing {
namespace {

using nlohmann::json;

constexpr const char* client_secret = "Mkto-S3cret-4b7e";
constexpr const char* account = "mkto";
constexpr const char* job = "mkto-job";

// "Fill Out Form" -> "fill_out_form", as the connector names activity streams.
std::string snake(const std::string& name) {
  std::string out;
  for (const char c : name)
    out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  return out;
}

std::set<std::string> marketo_streams() {
  std::set<std::string> out = {"leads", "activity_types", "campaigns", "lists", "programs"};
  for (const auto& t : sim::marketo_data::activity_types()) out.insert("activities_" + snake(t.name));
  return out;
}

class discover_marketo : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::marketo_options o;
    o.data.leads = 50;
    o.data.activities = 100;
    o.client_secret = client_secret;
    sim_ = std::make_unique<sim::marketo_simulator>(o);
    sim_->start();
  }

  // Account "mkto" at `endpoint` (client_secret from env MKTO_SECRET), job
  // "mkto-job" with `streams` (null: every stream).
  static json config(const std::string& endpoint, const json& streams = nullptr) {
    json j = {{"name", job}, {"account", account}, {"start_date", "2024-01-01T00:00:00Z"}};
    if (!streams.is_null()) j["streams"] = streams;
    return {
        {"kafka", {{"embedded", true}}},
        {"accounts",
         {{account,
           {{"source", "marketo"},
            {"endpoint", endpoint},
            {"credentials", {{"client_id", "quarry-client"}, {"client_secret", {{"env", "MKTO_SECRET"}}}}}}}}},
        {"jobs", json::array({j})},
    };
  }

  process_result discover(const json& cfg, std::vector<std::string> extra = {},
                          const std::string& secret = client_secret) {
    const auto path = dir_.write("config.json", cfg.dump(2));
    std::vector<std::string> args = {"discover", "--config", path};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = testing::run_quarry(args, {{"MKTO_SECRET", secret}}, std::chrono::seconds(60));
    EXPECT_EQ(r.out.find(secret), std::string::npos) << "the client secret is on stdout";
    EXPECT_EQ(r.err.find(secret), std::string::npos) << "the client secret is on stderr";
    return r;
  }

  // The catalog on stdout, streams by name.
  static std::map<std::string, json> catalog(const process_result& r) {
    std::map<std::string, json> out;
    const auto c = json::parse(r.out, nullptr, false);
    if (c.is_discarded() || !c.contains("streams") || !c["streams"].is_array()) {
      ADD_FAILURE() << "not a Singer catalog:\n" << r.out;
      return out;
    }
    for (const auto& s : c["streams"]) out[s.value("tap_stream_id", "")] = s;
    return out;
  }

  // The stream-level metadata (breadcrumb []).
  static json top(const json& stream) {
    for (const auto& m : stream["metadata"])
      if (m["breadcrumb"].empty()) return m["metadata"];
    ADD_FAILURE() << "no stream-level metadata in " << stream.dump();
    return json::object();
  }

  // The metadata of property `field`.
  static json field(const json& stream, const std::string& name) {
    for (const auto& m : stream["metadata"])
      if (m["breadcrumb"] == json::array({"properties", name})) return m["metadata"];
    ADD_FAILURE() << "no metadata for property " << name << " of " << stream.value("stream", "");
    return json::object();
  }

  std::unique_ptr<sim::marketo_simulator> sim_;
  temp_dir dir_;
};

TEST_F(discover_marketo, catalog_names_every_stream_with_schema_key_and_replication) {
  const auto r = discover(config(sim_->base_url()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto streams = catalog(r);
  std::set<std::string> names;
  for (const auto& [name, s] : streams) names.insert(name);
  EXPECT_EQ(names, marketo_streams());

  struct key_case {
    const char* stream;
    std::vector<std::string> key;
    const char* method;
    const char* replication_key;  // nullptr: none
  };
  const key_case cases[] = {
      {"leads", {"id"}, "INCREMENTAL", "updatedAt"},
      {"activities_visit_webpage", {"marketoGUID"}, "INCREMENTAL", "activityDate"},
      {"activity_types", {"id"}, "FULL_TABLE", nullptr},
      {"campaigns", {"id"}, "INCREMENTAL", "updatedAt"},
      {"programs", {"id"}, "INCREMENTAL", "updatedAt"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.stream);
    ASSERT_TRUE(streams.count(c.stream));
    const auto& s = streams.at(c.stream);
    EXPECT_EQ(s["stream"], c.stream);
    EXPECT_EQ(s["key_properties"], json(c.key));
    const auto m = top(s);
    EXPECT_EQ(m["table-key-properties"], json(c.key));
    EXPECT_EQ(m["forced-replication-method"], c.method);
    if (c.replication_key)
      EXPECT_EQ(m["valid-replication-keys"], json::array({c.replication_key}));
    else
      EXPECT_FALSE(m.contains("valid-replication-keys"));
    EXPECT_EQ(m["selected"], true) << "a job without streams selects every stream";
    for (const auto& [name, _] : s["schema"]["properties"].items())
      EXPECT_TRUE(field(s, name).contains("inclusion")) << name;
  }

  // The leads schema is the account's describe.json: every field with a
  // REST name, none without.
  std::set<std::string> described, schema;
  for (const auto& f : sim::marketo_data::lead_fields())
    if (!f.rest_name.empty()) described.insert(f.rest_name);
  for (const auto& [name, _] : streams.at("leads")["schema"]["properties"].items()) schema.insert(name);
  EXPECT_EQ(schema, described);
  EXPECT_EQ(field(streams.at("leads"), "id")["inclusion"], "automatic");
  EXPECT_EQ(field(streams.at("leads"), "email")["inclusion"], "available");
}

TEST_F(discover_marketo, selection_follows_the_jobs_streams_and_columns) {
  const json streams = {{"leads", {{"columns", {"email", "firstName"}}}},
                        {"activities_*", {{"selected", true}}},
                        {"activities_new_lead", {{"selected", false}}}};
  const auto r = discover(config(sim_->base_url(), streams), {"--job", job});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto catalog_streams = catalog(r);
  struct selected_case {
    const char* stream;
    bool selected;
  };
  const selected_case cases[] = {
      {"leads", true},          {"activities_visit_webpage", true}, {"activities_new_lead", false},
      {"campaigns", false},     {"programs", false},                {"activity_types", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.stream);
    ASSERT_TRUE(catalog_streams.count(c.stream));
    EXPECT_EQ(top(catalog_streams.at(c.stream))["selected"], c.selected);
  }
  const auto& leads = catalog_streams.at("leads");
  struct column_case {
    const char* column;
    bool selected;
  };
  const column_case columns[] = {
      {"email", true}, {"firstName", true}, {"city", false}, {"company", false}, {"id", true},
  };
  for (const auto& c : columns) {
    SCOPED_TRACE(c.column);
    EXPECT_EQ(field(leads, c.column)["selected"], c.selected);
  }
}

TEST_F(discover_marketo, account_alone_selects_everything) {
  const auto r = discover(config(sim_->base_url(), {{"leads", {{"columns", {"email"}}}}}),
                          {"--account", account});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto streams = catalog(r);
  EXPECT_EQ(streams.size(), marketo_streams().size());
  for (const auto& [name, s] : streams) EXPECT_EQ(top(s)["selected"], true) << name;
  EXPECT_EQ(field(streams.at("leads"), "city")["selected"], true);
}

TEST_F(discover_marketo, bad_credentials_exit_1_saying_so) {
  const auto r = discover(config(sim_->base_url()), {}, "Wrong-S3cret-91aa");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  for (const char* m : {"quarry discover", "account mkto", "identity", "Bad client credentials"})
    EXPECT_NE(r.err.find(m), std::string::npos) << m << " in\n" << r.err;
}

TEST_F(discover_marketo, unreachable_endpoint_exits_1_saying_so) {
  const auto r = discover(config("http://" + unused_address()));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  for (const char* m : {"quarry discover", "account mkto", "connect"})
    EXPECT_NE(r.err.find(m), std::string::npos) << m << " in\n" << r.err;
}

// Each call takes a permit of the account's quota: a budget of 2 calls pays
// for the token and describe.json, and discovery stops there.
TEST_F(discover_marketo, calls_are_paid_from_the_accounts_quota) {
  auto cfg = config(sim_->base_url());
  cfg["accounts"][account]["quota"] = {{"daily_calls", 2}};
  const auto r = discover(cfg);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("quota of account mkto"), std::string::npos) << r.err;
  const auto stats = sim_->http().stats();
  EXPECT_EQ(stats.calls_by_path.count("/rest/v1/activities/types.json"), 0u) << sim_->http().stats_json();
}

TEST_F(discover_marketo, usage_errors_exit_2_naming_the_problem) {
  auto two = config(sim_->base_url());
  two["accounts"]["other"] = two["accounts"][account];
  two["jobs"].push_back({{"name", "other-job"}, {"account", "other"}, {"start_date", "2024-01-01T00:00:00Z"}});
  struct usage_case {
    const char* name;
    json cfg;
    std::vector<std::string> args;
    const char* mention;
  };
  const usage_case cases[] = {
      {"unknown job", config(sim_->base_url()), {"--job", "nope"}, "no job named \"nope\""},
      {"unknown account", config(sim_->base_url()), {"--account", "nope"}, "no account named \"nope\""},
      {"job and account", config(sim_->base_url()), {"--job", job, "--account", account}, "--account"},
      {"nothing to pick", two, {}, "pick one with --job or --account"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = discover(c.cfg, c.args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(c.mention), std::string::npos) << c.mention << " in\n" << r.err;
    EXPECT_EQ(r.out, "");
  }
  const auto r = testing::run_quarry({"discover"}, {}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--config"), std::string::npos) << r.err;
  EXPECT_EQ(sim_->http().stats().calls_total, 0) << "usage errors call no API";
}

} // namespace
} // namespace quarry::cli_testing
