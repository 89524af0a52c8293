// quarry: extracts records from marketing and support SaaS APIs into Kafka.
//
// Exit status: 0 success; 1 a run failed or was cancelled; 2 usage or config
// error; 3 a run is incomplete because a quota ran out (the next run resumes).

#include "cli/config_check.hpp"
#include "cli/demo.hpp"
#include "cli/discover.hpp"
#include "cli/summary.hpp"
#include "runtime/engine.hpp"
#include "cli/serve.hpp"
#include "cli/serve_rules.hpp"
#include "config/config.hpp"
#include "connectors/registry.hpp"
#include "kafka/embedded_cluster.hpp"
#include "proto/messages.hpp"
#include "sim/commands.hpp"
#include "sinks/state_store.hpp"
#include "telemetry/log.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace {

using namespace quarry;

constexpr int exit_usage = 2;

constexpr const char* exit_codes_help =
    "Exit status: 0 success; 1 a run failed or was cancelled; 2 usage or config error;\n"
    "3 a run is incomplete because an API quota ran out (the next run resumes).";

// Config validation uses the credential and setting rules of the connectors
// quarry ships.
std::vector<config::source_rules> source_rules() {
  std::vector<config::source_rules> rules;
  for (const auto& name : connectors::sources()) {
    auto c = connectors::make_connector(name);
    config::source_rules r;
    r.name = name;
    r.credentials = c->credentials();
    r.settings = c->settings();
    const auto catalog = c->catalog();
    for (const auto& s : catalog.streams) {
      config::stream_rule stream{s.name, {}, true};
      if (s.schema.contains("properties"))
        for (const auto& [field, _] : s.schema["properties"].items()) stream.columns.push_back(field);
      stream.columns_known = std::find(catalog.dynamic_columns.begin(), catalog.dynamic_columns.end(),
                                       s.name) == catalog.dynamic_columns.end();
      r.streams.push_back(std::move(stream));
    }
    r.stream_families = catalog.families;
    rules.push_back(std::move(r));
  }
  return rules;
}

struct common_options {
  std::string log_level;  // "" = from the config
};

void init_logs(const common_options& common, const config::quarry_config* cfg) {
  std::string level = common.log_level;
  if (level.empty() && cfg) level = std::string{config::to_string(cfg->telemetry.log_level)};
  if (level.empty()) level = "info";
  telemetry::init_logging(telemetry::parse_log_level(level).value_or(spdlog::level::info));
}

void block_termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int run_extract(const common_options& common, const std::string& config_path,
                std::vector<std::string> jobs, const std::string& output,
                const std::string& state_file, int workers, const std::string& state_dir) {
  auto out = runtime::parse_output(output);
  if (!out) {
    std::cerr << "quarry extract: --output must be kafka, singer or jsonl=PATH, got \"" << output
              << "\"\n";
    return exit_usage;
  }
  const auto cfg = config::load_file(config_path, source_rules());
  init_logs(common, &cfg);
  if (jobs.empty())
    for (const auto& j : cfg.jobs) jobs.push_back(j.name);
  if (jobs.empty()) {
    std::cerr << "quarry extract: the config at " << config_path << " defines no jobs\n";
    return exit_usage;
  }
  for (const auto& j : jobs)
    if (!cfg.find_job(j)) {
      std::cerr << "quarry extract: no job named \"" << j << "\" in " << config_path << "\n";
      return exit_usage;
    }
  if (out->kind == runtime::output_kind::singer && jobs.size() != 1) {
    std::cerr << "quarry extract: singer output runs one job at a time; pick one with --job\n";
    return exit_usage;
  }
  if (!state_file.empty() && out->kind != runtime::output_kind::singer) {
    std::cerr << "quarry extract: --state imports Singer state and needs --output singer\n";
    return exit_usage;
  }
  block_termination_signals();
  runtime::engine_options opts;
  opts.output = *out;
  if (!state_file.empty()) opts.singer_state_file = state_file;
  opts.workers = workers;
  opts.state_dir = state_dir;
  runtime::engine engine{cfg, opts};
  const auto summaries = engine.run(jobs);
  std::FILE* report = out->kind == runtime::output_kind::singer ? stderr : stdout;
  for (const auto& s : summaries) std::fputs(cli::format_summary(s).c_str(), report);
  return cli::exit_code(summaries);
}

int run_reset(const common_options& common, const std::string& config_path, const std::string& job,
              const std::string& stream) {
  const auto cfg = config::load_file(config_path, source_rules());
  init_logs(common, &cfg);
  const auto* j = cfg.find_job(job);
  if (!j) {
    std::cerr << "quarry reset: no job named \"" << job << "\" in " << config_path << "\n";
    return exit_usage;
  }
  if (cfg.kafka.embedded) {
    std::cerr << "quarry reset: the embedded Kafka keeps no state between runs; nothing to reset\n";
    return 0;
  }
  kafka::client_settings settings;
  settings.bootstrap_servers = cfg.kafka.bootstrap_servers;
  for (const auto& p : cfg.kafka.properties) settings.properties.emplace_back(p.name, p.value.reveal());
  const auto prefix = j->topic_prefix.value_or(cfg.kafka.topic_prefix);
  auto n = sinks::reset_kafka_state(settings, prefix, job,
                                    stream.empty() ? std::nullopt : std::optional{stream});
  if (!n) {
    std::cerr << "quarry reset: " + n.error().message + "\n";  // one write: see discover.cpp
    return 1;
  }
  std::cout << "reset " << *n << " bookmark(s) of job " << job
            << (stream.empty() ? "" : " stream " + stream) << "\n";
  return 0;
}

int run_discover(const common_options& common, const std::string& config_path,
                 const std::string& job, const std::string& account) {
  const auto cfg = config::load_file(config_path, source_rules());
  init_logs(common, &cfg);
  return cli::run_discover(cfg, config_path, job, account);
}

int run_serve(const common_options& common, const std::string& config_path) {
  const auto cfg = config::load_file(config_path, source_rules());
  // The rules `quarry config check` applies too, reported the same way.
  if (auto issues = cli::serve_rule_issues(cfg); !issues.empty())
    throw config::config_error(config_path, std::move(issues));
  init_logs(common, &cfg);
  block_termination_signals();
  return cli::run_serve(cfg);
}

int run_worker(const common_options& common, const std::string& config_path,
               const cli::worker_command& command) {
  const auto cfg = config::load_file(config_path, source_rules());
  if (auto issues = cli::worker_rule_issues(cfg); !issues.empty())
    throw config::config_error(config_path, std::move(issues));
  init_logs(common, &cfg);
  block_termination_signals();
  return cli::run_worker(cfg, command);
}

int run_demo(const common_options& common, const cli::demo_options& options) {
  // The progress display owns stderr: only errors are logged unless asked.
  common_options quiet = common;
  if (quiet.log_level.empty()) quiet.log_level = "error";
  init_logs(quiet, nullptr);
  block_termination_signals();  // before any thread: the engine takes SIGINT/SIGTERM
  return cli::run_demo(options, source_rules());
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"quarry: extracts records from marketing and support SaaS APIs into Kafka"};
  app.footer(exit_codes_help);
  app.require_subcommand(1);
  app.fallthrough();  // --log-level works before or after the subcommand
  common_options common;
  app.add_option("--log-level", common.log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  std::string config_path, output = "kafka", state_file, state_dir = ".quarry", job, stream;
  std::vector<std::string> jobs;
  int workers = 0;

  auto* extract = app.add_subcommand("extract", "Run jobs once and publish their records");
  extract->footer(exit_codes_help);
  extract->add_option("--config", config_path, "Config file (JSON)")->required();
  extract->add_option("--job", jobs, "Job to run (repeatable; default: every job)");
  extract->add_option("--output", output, "kafka (default), singer, or jsonl=PATH");
  extract->add_option("--state", state_file, "Singer state file to resume from (singer output)");
  extract->add_option("--workers", workers, "Worker count (default: engine.workers)")
      ->check(CLI::Range(1, 256));
  extract->add_option("--state-dir", state_dir,
                      "Where quota usage is kept when the output is not Kafka");

  auto* reset = app.add_subcommand("reset", "Forget a job's bookmarks (all streams or one)");
  reset->footer(exit_codes_help);
  reset->add_option("--config", config_path, "Config file (JSON)")->required();
  reset->add_option("--job", job, "Job whose bookmarks to reset")->required();
  reset->add_option("--stream", stream, "Only this stream");

  std::string account;
  auto* discover = app.add_subcommand(
      "discover", "Print the Singer catalog of an account's streams (schemas, keys, selection)");
  discover->footer(
      "With --job, `selected` follows the job's streams and columns; with --account, every\n"
      "stream and column is selected. Neither: the config's only job, else its only account.\n"
      "Discovery calls the API and counts against the account's quota, which is kept in\n"
      "Kafka as for extract. Exit status: 0 printed; 1 the API or Kafka failed; 2 usage or\n"
      "config error.");
  bool settings_only = false;
  auto* discover_settings = discover->add_flag(
      "--settings", settings_only,
      "Print every source's account settings (name, type, range or choices, default, description) "
      "instead; needs no config");
  discover->add_option("--config", config_path, "Config file (JSON)")->excludes(discover_settings);
  auto* discover_job = discover->add_option("--job", job, "The job whose account and selection to use");
  discover->add_option("--account", account, "An account (everything selected)")->excludes(discover_job);

  auto* serve = app.add_subcommand(
      "serve", "Run the jobs on their schedules, with the admin API, until SIGTERM");
  serve->footer(
      "Serves the admin API, /metrics, /healthz and /readyz on telemetry.listen; remote\n"
      "workers join on serve.cluster_listen. Exit status: 0 stopped cleanly; 1 workers were\n"
      "still busy when the grace period ended; 2 usage or config error.");
  serve->add_option("--config", config_path, "Config file (JSON)")->required();

  cli::worker_command worker_command;
  auto* worker = app.add_subcommand("worker", "Join a coordinator (quarry serve) and run its tasks");
  worker->footer(
      "Uses the same config file as serve (jobs, accounts; credentials from this process's\n"
      "environment and files). Joins again whenever the coordinator is lost. Exit status: 0\n"
      "stopped cleanly; 1 tasks were still running when the grace period ended; 2 usage or\n"
      "config error.");
  worker->add_option("--config", config_path, "Config file (JSON)")->required();
  worker->add_option("--join", worker_command.join, "The coordinator's cluster address, HOST:PORT")
      ->required();
  worker->add_option("--name", worker_command.name, "This process's name in logs (default: host name)");
  worker->add_option("--listen", worker_command.listen,
                     "Metrics and health HOST:PORT (default: telemetry.listen)");
  worker->add_option("--workers", worker_command.workers, "Worker count (default: engine.workers)")
      ->check(CLI::Range(1, 256));

  cli::demo_options demo_options;
  auto* demo = app.add_subcommand(
      "demo", "Run a Marketo job on an in-process simulator and Kafka, with live progress");
  demo->footer(exit_codes_help);
  demo->add_option("--leads", demo_options.leads, "Simulated leads")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{10'000'000}));
  demo->add_option("--activities", demo_options.activities, "Simulated activities")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{20'000'000}));
  demo->add_option("--workers", demo_options.workers, "Worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  demo->add_flag("--print-config", demo_options.print_config,
                 "Print the demo's config for a simulator on port 18081 and exit");

  auto* config_cmd = app.add_subcommand("config", "Work with config files");
  config_cmd->require_subcommand(1);
  cli::config_check_options check_options;
  auto* config_check = config_cmd->add_subcommand(
      "check", "Validate a config as a command would and print it normalised, secrets as references");
  config_check->footer(
      "Loads the config as every command does, then applies the start-up rules of the command\n"
      "named by --for (serve: an admin token and TLS off loopback; worker: a real Kafka). Valid:\n"
      "prints the config with every default filled in, each secret as its {\"env\"} or {\"file\"}\n"
      "reference, and exits 0. Invalid: every problem on stderr, exit 2.");
  config_check->add_option("--config", check_options.config_path, "Config file (JSON)")->required();
  config_check->add_option("--for", check_options.command, "serve (default), worker or extract")
      ->check(CLI::IsMember({"serve", "worker", "extract"}));
  config_check->add_flag(
      "--no-resolve-secrets{false}", check_options.resolve_secrets,
      "Check secret references and TLS paths for shape only, reading no variable or file\n"
      "(a config meant for another machine, e.g. rendered by the Helm chart)");

  auto* sim = app.add_subcommand("sim", "Run an API simulator (for tests, benchmarks, demos)");
  sim->require_subcommand(1);
  quarry::sim::add_sim_commands(*sim);

  // CLI11 reports a mistyped subcommand only as "a subcommand is required":
  // name it.
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg{argv[i]};
    if (arg == "--log-level") {
      ++i;
      continue;
    }
    if (arg.starts_with("-")) continue;
    if (arg != "extract" && arg != "reset" && arg != "discover" && arg != "demo" && arg != "sim" &&
        arg != "serve" && arg != "worker" && arg != "config") {
      std::cerr << "quarry: unknown subcommand \"" << arg
                << "\"; run quarry --help for the list\n";
      return exit_usage;
    }
    break;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success) ? 0 : exit_usage);
  } catch (const std::exception& e) {
    std::cerr << "quarry: " + std::string{e.what()} + "\n";  // one write: see discover.cpp
    return 1;
  }

  try {
    if (*extract) return run_extract(common, config_path, jobs, output, state_file, workers, state_dir);
    if (*reset) return run_reset(common, config_path, job, stream);
    if (*discover) {
      if (settings_only) {
        std::cout << cli::settings_declarations(source_rules()).dump(2) << std::endl;
        return 0;
      }
      if (config_path.empty()) {
        std::cerr << "quarry discover: --config is required (or --settings)\n";
        return exit_usage;
      }
      return run_discover(common, config_path, job, account);
    }
    if (*demo) return run_demo(common, demo_options);
    if (*config_check) {
      init_logs(common, nullptr);
      return cli::run_config_check(check_options, source_rules());
    }
    if (*serve) return run_serve(common, config_path);
    if (*worker) {
      worker_command.argv.assign(argv, argv + argc);
      return run_worker(common, config_path, worker_command);
    }
  } catch (const config::config_error& e) {
    std::cerr << e.what() << "\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "quarry: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
