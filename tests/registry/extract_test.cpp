// `quarry extract` with kafka.value_format "confluent_json_schema": the real
// binary reads the synthetic simulator, registers each stream's schemas in
// the real registry and writes to the test broker; Confluent's own Python
// consumer and JSONDeserializer then decode every committed record of every
// stream (tests/registry/confluent_decode.py).

#include "tests/cli/cli_fixture.hpp"
#include "tests/registry/registry_support.hpp"

#include "proto/record.hpp"

#include <gtest/gtest.h>

namespace quarry::registry_testing {
namespace {

using namespace quarry::cli_testing;
using nlohmann::json;

class registry_extract : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::synthetic_options o;
    o.seed = 11;
    o.accounts = 5;
    o.events_per_account = 3;
    o.users = 7;
    sim_ = std::make_unique<sim::synthetic_simulator>(o);
    sim_->start();
  }

  // The config of the CLI tests with the Confluent format and `registry`.
  // A failed task is tried `task_attempts` times.
  std::string config(const json& registry, int task_attempts = 3) {
    auto cfg = synthetic_config(sim_->base_url(), prefix_, testing::kafka_bootstrap());
    cfg["engine"]["task_attempts"] = task_attempts;
    cfg["kafka"]["value_format"] = "confluent_json_schema";
    cfg["kafka"]["schema_registry"] = registry;
    return dir_.write("config.json", cfg.dump(2));
  }

  std::string topic(const std::string& stream) const {
    return contract::records_topic(prefix_, "synthetic", stream);
  }

  const std::string prefix_ = unique_prefix("registry");
  temp_dir dir_;
  std::unique_ptr<sim::synthetic_simulator> sim_;
};

TEST_F(registry_extract, confluents_deserializer_decodes_every_committed_record_of_every_stream) {
  const std::string secret = "svc:registry-pass-31337";
  const auto r = run_quarry({"extract", "--config", config({{"url", registry_url()},
                                                            {"user_info", {{"env", "REGISTRY_USER_INFO"}}}})},
                            "synthetic-key", {{"REGISTRY_USER_INFO", secret}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ((r.out + r.err).find("registry-pass"), std::string::npos) << r.out << r.err;

  std::vector<std::string> args = {"kafka", registry_url(), testing::kafka_bootstrap()};
  for (const auto& s : synthetic_streams) args.push_back(topic(s.stream));
  const decoded d = confluent_decode(args);
  ASSERT_EQ(d.exit_code, 0) << d.err;

  std::map<std::string, std::vector<json>> values;  // by topic
  for (const json& line : d.lines) {
    ASSERT_FALSE(line.contains("error")) << line;
    const std::string t = line.value("topic", "");
    EXPECT_TRUE(line["value"].is_object()) << line;  // no tombstones in a first run
    EXPECT_EQ(line["key"], json({{"id", line["value"].value("id", "")}})) << line;
    values[t].push_back(line["value"]);
  }

  // Each stream's registered value schema is its JSON Schema, as in _schemas.
  std::map<std::string, json> schemas;  // "synthetic.<stream>" -> schema
  for (const auto& m : read_topic(contract::schemas_topic(prefix_)))
    schemas[m.key] = json::parse(m.value.value_or("null"));

  for (const auto& s : synthetic_streams) {
    SCOPED_TRACE(s.stream);
    const std::string t = topic(s.stream);
    EXPECT_EQ(index_by_id(values[t], t), dataset(*sim_, s.dataset));
    const json value_schema = registry_get("/subjects/" + t + "-value/versions/latest");
    EXPECT_EQ(value_schema.value("schemaType", ""), "JSON");
    EXPECT_EQ(json::parse(value_schema.value("schema", "null")), schemas["synthetic." + std::string{s.stream}]);
    const json key_schema = json::parse(
        registry_get("/subjects/" + t + "-key/versions/latest").value("schema", "null"));
    EXPECT_EQ(key_schema["properties"]["id"], json({{"type", "string"}})) << key_schema;
  }
}

TEST_F(registry_extract, a_registry_that_is_down_fails_the_run_naming_registry_and_subject) {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/apis/ccompat/v6";
  const auto r = run_quarry({"extract", "--config", config({{"url", url}}, 1)}, "synthetic-key");
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  const std::string said = r.out + r.err;
  EXPECT_NE(said.find("schema registry " + url), std::string::npos) << said;
  EXPECT_NE(said.find("subject '" + prefix_ + ".synthetic."), std::string::npos) << said;
}

} // namespace
} // namespace quarry::registry_testing
