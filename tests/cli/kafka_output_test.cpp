// `quarry extract` to Kafka (the default output) and `quarry reset`, against
// the synthetic simulator and the real test broker. What a read_committed
// consumer sees is the contract of proto/record.hpp: records keyed by their
// primary key with provenance headers, one schema per stream, one summary per
// run; reset forgets bookmarks so the next run reads those streams again; a
// stream whose API answers garbage fails alone.

#include "tests/cli/cli_fixture.hpp"

#include "proto/record.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <memory>
#include <regex>
#include <set>

namespace quarry::cli_testing {
namespace {

using nlohmann::json;

class kafka_output : public ::testing::Test {
 protected:
  // `kafka` is merged into the config's /kafka section.
  void start(sim::synthetic_options o = {}, const json& kafka = json::object()) {
    o.seed = 5;
    o.accounts = 8;
    o.events_per_account = 4;
    o.users = 12;
    sim_ = std::make_unique<sim::synthetic_simulator>(o);
    sim_->start();
    auto cfg = synthetic_config(sim_->base_url(), prefix_, testing::kafka_bootstrap());
    cfg["kafka"].update(kafka);
    config_ = dir_.write("config.json", cfg.dump(2));
  }

  process_result cli(std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--config", config_});
    return run_quarry(args, "synthetic-key");
  }

  std::string topic(const std::string& stream) const {
    return contract::records_topic(prefix_, "synthetic", stream);
  }

  const std::string prefix_ = unique_prefix("kafka");
  temp_dir dir_;
  std::unique_ptr<sim::synthetic_simulator> sim_;
  std::string config_;
};

// The run id from the summary's first line, "run <id> of job <job>: <outcome> in <s> s".
std::string run_id_of(const std::string& summary) {
  static const std::regex first_line{R"(run (\S+) of job (\S+): (\w+) in )"};
  std::smatch m;
  if (!std::regex_search(summary, m, first_line)) {
    ADD_FAILURE() << "no summary in\n" << summary;
    return "";
  }
  return m[1];
}

// Records of one stream's topic published by `run`, by id.
records_by_id records_of_run(const std::string& topic, const std::string& run) {
  std::vector<json> values;
  for (const auto& m : read_topic(topic))
    if (headers_of(m)[std::string{contract::header_run}] == run)
      values.push_back(json::parse(m.value.value_or("null")));
  return index_by_id(values, topic);
}

// A topic's configuration as the broker describes it (DescribeConfigs).
std::map<std::string, std::string> topic_config(const std::string& topic) {
  std::map<std::string, std::string> out;
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", testing::kafka_bootstrap().c_str(), errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    ADD_FAILURE() << errstr;
    return out;
  }
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_DescribeConfigs(rk, &resource, 1, nullptr, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 30'000);
  if (ev == nullptr || rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ADD_FAILURE() << "DescribeConfigs of " << topic << " failed";
  } else {
    size_t n = 0;
    const rd_kafka_ConfigResource_t** results =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      size_t entries = 0;
      const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(results[i], &entries);
      for (size_t j = 0; j < entries; ++j)
        if (const char* value = rd_kafka_ConfigEntry_value(configs[j]))
          out[rd_kafka_ConfigEntry_name(configs[j])] = value;
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  rd_kafka_ConfigResource_destroy(resource);
  rd_kafka_destroy(rk);
  return out;
}

TEST_F(kafka_output, compact_record_topics_makes_each_record_topic_a_table) {
  start({}, {{"compact_record_topics", true}, {"record_retention_ms", 604800000}});
  const auto r = cli({"extract"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& s : synthetic_streams) {
    const auto config = topic_config(topic(s.stream));
    EXPECT_EQ(config.count("cleanup.policy") ? config.at("cleanup.policy") : "", "compact,delete") << s.stream;
    EXPECT_EQ(config.count("retention.ms") ? config.at("retention.ms") : "", "604800000") << s.stream;
  }
  // The engine's own topics are unchanged: state stays compact only.
  EXPECT_EQ(topic_config(contract::state_topic(prefix_)).at("cleanup.policy"), "compact");
}

// connect_json: Kafka Connect's JsonConverter envelope for keys and values;
// with connect_timestamps "string" the payload is the plain record itself.
TEST_F(kafka_output, connect_json_wraps_every_key_and_value_in_a_connect_envelope) {
  start({}, {{"value_format", "connect_json"}, {"connect_timestamps", "string"}});
  const auto r = cli({"extract"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& s : synthetic_streams) {
    SCOPED_TRACE(s.stream);
    std::vector<json> payloads;
    for (const auto& m : read_topic(topic(s.stream))) {
      const auto key = json::parse(m.key);
      const auto value = json::parse(m.value.value_or("null"));
      ASSERT_TRUE(value.is_object() && value.size() == 2 && value.contains("schema") && value.contains("payload"))
          << value.dump().substr(0, 200);
      EXPECT_EQ(value["schema"]["type"], "struct");
      EXPECT_EQ(value["schema"]["name"], topic(s.stream));
      EXPECT_EQ(value["schema"]["optional"], false);
      std::set<std::string> fields;
      for (const auto& f : value["schema"]["fields"]) fields.insert(f["field"].get<std::string>());
      EXPECT_TRUE(fields.count("id") && fields.count("_quarry_extra")) << value["schema"].dump();
      EXPECT_EQ(key["schema"], (json{{"type", "struct"},
                                     {"fields", json::array({{{"type", "string"}, {"optional", false}, {"field", "id"}}})},
                                     {"optional", false},
                                     {"name", topic(s.stream) + ".Key"}}));
      EXPECT_EQ(key["payload"], (json{{"id", value["payload"]["id"]}}));
      payloads.push_back(value["payload"]);
    }
    EXPECT_EQ(index_by_id(payloads, topic(s.stream)), dataset(*sim_, s.dataset));
  }
}

// Each record carries two headers, quarry.run and quarry.schema; the rest of
// its provenance is where the contract (proto/record.hpp) puts it: source
// and stream in the topic's name, the job at the head of the run id and in
// the run's summary, and when it was extracted in the Kafka timestamp.
TEST_F(kafka_output, publishes_every_record_with_key_headers_schema_and_run_summary) {
  start();
  const auto r = cli({"extract"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto run = run_id_of(r.out);
  EXPECT_NE(r.out.find("of job syn-job: succeeded"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_match(run, std::regex{std::string{job_name} + R"(-\d{8}T\d{6}Z-[0-9a-f]{4})"})) << run;
  const auto rows = summary_rows(r.out);

  const auto summaries = read_topic(contract::runs_topic(prefix_));
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].key, job_name);
  const auto summary = json::parse(summaries[0].value.value_or("null"));
  EXPECT_EQ(summary["outcome"], "succeeded");
  EXPECT_EQ(summary["run"], run);
  EXPECT_EQ(summary["job"], job_name);
  EXPECT_EQ(summary["source"], "synthetic");
  EXPECT_EQ(summary["errors"], json::array());
  std::map<std::string, std::uint64_t> counted;
  for (const auto& st : summary["streams"]) counted[st["stream"]] = st["records"];
  EXPECT_EQ(counted, (std::map<std::string, std::uint64_t>{
                         {"accounts", 8}, {"events", 32}, {"users", 12}}));
  const std::int64_t started = summary["started_ms"], finished = summary["finished_ms"];

  // One schema per stream, keyed "source.stream", fingerprinted in a header.
  std::map<std::string, std::string> fingerprints;
  for (const auto& m : read_topic(contract::schemas_topic(prefix_))) {
    const auto schema = json::parse(m.value.value_or("null"));
    EXPECT_EQ(schema["type"], "object") << m.key;
    EXPECT_TRUE(schema["properties"].contains("id")) << m.key;
    const auto h = headers_of(m);
    EXPECT_EQ(h.at(std::string{contract::header_schema}), contract::fingerprint(*m.value));
    EXPECT_TRUE(fingerprints.emplace(m.key, h.at(std::string{contract::header_schema})).second)
        << "second schema for " << m.key;
  }
  EXPECT_EQ(fingerprints.size(), 3u);

  for (const auto& s : synthetic_streams) {
    SCOPED_TRACE(s.stream);
    const auto want = dataset(*sim_, s.dataset);
    std::vector<json> values;
    for (const auto& m : read_topic(topic(s.stream))) {
      const auto value = json::parse(m.value.value_or("null"));
      values.push_back(value);
      EXPECT_EQ(m.key, (json{{"id", value["id"]}}).dump());
      const std::vector<std::pair<std::string, std::string>> headers = {
          {std::string{contract::header_run}, run},
          {std::string{contract::header_schema}, fingerprints["synthetic." + std::string{s.stream}]},
      };
      EXPECT_EQ(m.headers, headers);
      EXPECT_GE(m.timestamp_ms, started);
      EXPECT_LE(m.timestamp_ms, finished);
    }
    EXPECT_EQ(values.size(), want.size());
    EXPECT_EQ(index_by_id(values, topic(s.stream)), want);
    ASSERT_TRUE(rows.contains(s.stream)) << r.out;
    EXPECT_EQ(rows.at(s.stream).records, want.size());
    EXPECT_EQ(rows.at(s.stream).status, "ok");
  }
}

// What the run after a reset reads again.
struct reset_case {
  const char* name;
  std::vector<std::string> args;  // after --job
  const char* says;
  std::set<std::string> reread;  // streams read in full again; the others read nothing
};

TEST_F(kafka_output, reset_makes_the_next_run_read_the_reset_streams_again) {
  start();
  const reset_case cases[] = {
      {"one stream", {"--stream", "accounts"}, "reset 1 bookmark(s) of job syn-job stream accounts\n",
       {"accounts", "users"}},
      // accounts, users and one events partition per account
      {"the whole job", {}, "reset 10 bookmark(s) of job syn-job\n", {"accounts", "events", "users"}},
  };
  auto first = cli({"extract"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;

  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> args = {"reset", "--job", job_name};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto reset = cli(args);
    EXPECT_EQ(reset.exit_code, 0) << reset.err;
    EXPECT_EQ(reset.out, c.says);

    const auto again = cli({"extract"});
    ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
    const auto run = run_id_of(again.out);
    for (const auto& s : synthetic_streams) {
      SCOPED_TRACE(s.stream);
      const auto want = c.reread.contains(s.stream) ? dataset(*sim_, s.dataset) : records_by_id{};
      EXPECT_EQ(records_of_run(topic(s.stream), run), want);
    }
  }
}

TEST_F(kafka_output, reset_of_an_unknown_job_exits_2) {
  start();
  const auto r = cli({"reset", "--job", "nope"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("no job named \"nope\""), std::string::npos) << r.err;
}

TEST_F(kafka_output, stream_answering_malformed_json_fails_alone_naming_the_request) {
  sim::synthetic_options o;
  o.server.malformed_paths = {"/v1/users"};
  start(o);
  const auto r = cli({"extract"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("of job syn-job: failed"), std::string::npos) << r.out;
  const auto rows = summary_rows(r.out);
  ASSERT_TRUE(rows.contains("users")) << r.out;
  EXPECT_EQ(rows.at("users").status, "failed");
  EXPECT_NE(rows.at("users").error.find("users"), std::string::npos) << r.out;
  EXPECT_NE(rows.at("users").error.find("GET /v1/users"), std::string::npos) << r.out;

  // The other streams are complete; the failed one published nothing.
  for (const auto& s : synthetic_streams) {
    SCOPED_TRACE(s.stream);
    const bool failed = std::string{s.stream} == "users";
    const auto want = failed ? records_by_id{} : dataset(*sim_, s.dataset);
    std::vector<json> values;
    for (const auto& m : read_topic(topic(s.stream))) values.push_back(json::parse(m.value.value_or("null")));
    EXPECT_EQ(index_by_id(values, topic(s.stream)), want);
    if (!failed) {
      ASSERT_TRUE(rows.contains(s.stream)) << r.out;
      EXPECT_EQ(rows.at(s.stream).status, "ok");
      EXPECT_EQ(rows.at(s.stream).records, want.size());
    }
  }

  const auto summaries = read_topic(contract::runs_topic(prefix_));
  ASSERT_EQ(summaries.size(), 1u);
  const auto summary = json::parse(summaries[0].value.value_or("null"));
  EXPECT_EQ(summary["outcome"], "failed");
  ASSERT_EQ(summary["errors"].size(), 1u) << summary.dump();
  EXPECT_NE(summary["errors"][0].get<std::string>().find("GET /v1/users"), std::string::npos)
      << summary.dump();
}

} // namespace
} // namespace quarry::cli_testing
