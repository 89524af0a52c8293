#include "cli/demo.hpp"

#include "cli/summary.hpp"
#include "runtime/engine.hpp"
#include "cli/progress_display.hpp"
#include "config/config.hpp"
#include "kafka/topic_reader.hpp"
#include "proto/messages.hpp"
#include "proto/record.hpp"
#include "sim/marketo.hpp"
#include "sim/timestamps.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <optional>
#include <iostream>
#include <unistd.h>

namespace quarry::cli {
namespace {

using nlohmann::json;

constexpr const char* demo_name = "marketo-demo";       // the account and the job
constexpr const char* demo_prefix = "demo";             // topic prefix
constexpr const char* secret_env = "QUARRY_DEMO_CLIENT_SECRET";
constexpr std::int64_t data_days = 365;                 // the simulator's records: the last year
constexpr int demo_rate_calls = 500;                    // per 20 s, simulator and quota alike
constexpr int printed_config_port = 18081;              // --print-config

// Midnight UTC `days` days before today, as Unix seconds and RFC 3339.
std::int64_t days_ago(std::int64_t days) {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return std::chrono::duration_cast<std::chrono::seconds>(
             (today - std::chrono::days{days}).time_since_epoch())
      .count();
}

json demo_config(const std::string& endpoint, int workers, const std::string& start_date) {
  return {
      {"kafka", {{"embedded", true}, {"topic_prefix", demo_prefix}}},
      {"engine", {{"workers", workers}, {"checkpoint_records", 2000}, {"checkpoint_interval_ms", 500}}},
      {"accounts",
       {{demo_name,
         {{"source", "marketo"},
          {"endpoint", endpoint},
          {"credentials",
           {{"client_id", sim::marketo_options{}.client_id}, {"client_secret", {{"env", secret_env}}}}},
          {"quota", {{"windows", json::array({{{"calls", demo_rate_calls}, {"seconds", 20}}})}}},
          {"settings", {{"poll_interval_s", 1}}}}}}},
      {"jobs", json::array({{{"name", demo_name}, {"account", demo_name}, {"start_date", start_date}}})},
  };
}

std::string simulator_command(const demo_options& o) {
  return "quarry sim marketo --port " + std::to_string(printed_config_port) + " --leads " +
         std::to_string(o.leads) + " --activities " + std::to_string(o.activities) +
         " --data-start recent --data-days " + std::to_string(data_days) + " --window " +
         std::to_string(demo_rate_calls) + "/20 --export-seconds-per-mb 0";
}

std::string excerpt(const std::string& text, std::size_t max = 150) {
  return text.size() <= max ? text : text.substr(0, max) + "...";
}

struct topic_sample {
  std::string topic;
  std::uint64_t count = 0;
  std::optional<kafka::consumed_message> first;
  std::string error;
};

topic_sample read_sample(const kafka::client_settings& settings, std::string topic) {
  topic_sample out;
  out.topic = std::move(topic);
  auto st = kafka::read_to_end(
      settings, out.topic,
      [&](kafka::consumed_message&& m) {
        if (!out.first) out.first = std::move(m);
        ++out.count;
      },
      kafka::isolation::read_committed, std::chrono::seconds(30));
  if (!st) out.error = st.error().message;
  return out;
}

// What each stream's topic holds, read back from the embedded cluster while
// it still exists: the message count and the first message. Topics are read
// in parallel: each read costs a consumer's start-up, most of it waiting.
void print_topics(const std::string& bootstrap, const run_summary& summary) {
  kafka::client_settings settings;
  settings.bootstrap_servers = bootstrap;
  std::vector<std::future<topic_sample>> reads;
  for (const auto& s : summary.streams)
    if (s.records > 0)
      reads.push_back(std::async(std::launch::async, read_sample, std::cref(settings),
                                 contract::records_topic(demo_prefix, "marketo", s.stream)));
  std::cout << "\nTopics in the embedded Kafka (read back now; they vanish when the demo exits):\n";
  for (auto& r : reads) {
    const auto sample = r.get();
    if (!sample.error.empty()) {
      std::cout << "  " << sample.topic << ": cannot read it back: " << sample.error << "\n";
      continue;
    }
    std::cout << "  " << sample.topic << ": " << sample.count << " messages\n";
    if (sample.first)
      std::cout << "    first: key " << sample.first->key << "\n           value "
                << excerpt(sample.first->value.value_or("(tombstone)")) << "\n";
  }
}

} // namespace

int run_demo(const demo_options& options, const std::vector<config::source_rules>& sources) {
  const std::string secret = sim::marketo_options{}.client_secret;
  if (options.print_config) {
    // A day earlier than the demo's start: `--data-start recent` is not at midnight.
    std::cout << demo_config("http://127.0.0.1:" + std::to_string(printed_config_port),
                             options.workers, sim::format_rfc3339(days_ago(data_days + 1)))
                     .dump(2)
              << std::endl;
    std::cerr << "This is the demo's config for a simulator you start yourself:\n  "
              << simulator_command(options) << "\nthen, with " << secret_env << "=" << secret
              << " in the environment:\n  quarry discover --config FILE\n"
              << "  quarry extract --config FILE --output jsonl=records.jsonl\n"
              << "Set kafka.bootstrap_servers (and drop kafka.embedded) to extract into a real "
                 "broker.\n";
    return 0;
  }

  // Before any thread starts: config secrets are read from the environment.
  ::setenv(secret_env, secret.c_str(), 1);

  sim::marketo_options so;
  so.data.leads = options.leads;
  so.data.activities = options.activities;
  so.data.start = days_ago(data_days);
  so.data.days = data_days;
  const std::string start_date = sim::format_rfc3339(so.data.start);
  so.rate_calls = demo_rate_calls;
  so.rate_seconds = 20;
  so.export_seconds_per_mb = 0;
  so.server.port = 0;
  sim::marketo_simulator simulator{so};
  try {
    simulator.start();
  } catch (const std::exception& e) {
    std::cerr << "quarry demo: cannot start the Marketo simulator: " << e.what() << "\n";
    return 1;
  }

  auto parsed =
      config::parse(demo_config(simulator.base_url(), options.workers, start_date).dump(), sources);
  if (const auto* issues = std::get_if<std::vector<config::config_issue>>(&parsed))
    throw std::logic_error("the demo's own config is invalid:\n" + config::format_issues(*issues));
  const auto& cfg = std::get<config::quarry_config>(parsed);

  std::cerr << "quarry demo: Marketo simulator at " << simulator.base_url() << " (" << options.leads
            << " leads, " << options.activities << " activities, " << demo_rate_calls
            << " calls per 20 s), Kafka embedded in this process\n"
            << "running job " << demo_name << " over every stream from " << start_date << "\n";

  progress_display display{stderr, ::isatty(STDERR_FILENO) == 1};
  runtime::engine_options eo;
  eo.instance = "demo";
  eo.on_progress = [&display](const runtime::run_progress& p) { display.update(p); };
  eo.progress_interval = std::chrono::milliseconds(500);
  runtime::engine engine{cfg, eo};
  const auto summaries = engine.run({demo_name});

  for (const auto& s : summaries) std::cout << format_summary(s);
  std::cout.flush();
  spdlog::debug("demo: reading the topics back");
  if (!summaries.empty()) print_topics(engine.kafka_bootstrap(), summaries.front());
  spdlog::debug("demo: topics read");
  std::cout << "\nThe simulator counted " << simulator.http().stats().calls_total
            << " API calls.\n"
            << "To keep the records, run the same job yourself: quarry demo --print-config\n";
  return exit_code(summaries);
}

} // namespace quarry::cli
