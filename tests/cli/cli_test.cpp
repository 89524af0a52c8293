// The quarry command line as a user meets it before any record moves: help
// text, usage errors and config errors, each with its exit status (0 success,
// 2 usage or config error) and a message that names what is wrong.

#include "tests/cli/cli_fixture.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace quarry::cli_testing {
namespace {

struct help_case {
  std::vector<std::string> args;
  std::vector<std::string> mentions;
  bool lists_exit_codes;
};

TEST(cli_help, exits_0_and_describes_the_command) {
  const std::vector<std::string> exit_codes = {"0 success", "1 a run failed", "2 usage or config error",
                                               "3 a run is incomplete"};
  const help_case cases[] = {
      {{"--help"}, {"extract", "reset", "discover", "demo", "sim", "--log-level"}, true},
      {{"extract", "--help"}, {"--config", "--output", "--job", "--state", "--workers", "jsonl=PATH"}, true},
      {{"reset", "--help"}, {"--config", "--job", "--stream"}, true},
      {{"discover", "--help"}, {"--config", "--job", "--account", "Singer catalog", "quota"}, false},
      {{"demo", "--help"}, {"--leads", "--activities", "--workers", "--print-config"}, true},
      {{"sim", "synthetic", "--help"}, {"--port", "--malformed-path"}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE("quarry " + ::testing::PrintToString(c.args));
    const auto r = run_quarry(c.args, "unused");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const auto& m : c.mentions) EXPECT_NE(r.out.find(m), std::string::npos) << m << " in\n" << r.out;
    if (c.lists_exit_codes) {
      for (const auto& m : exit_codes) EXPECT_NE(r.out.find(m), std::string::npos) << m << " in\n" << r.out;
    }
  }
}

// The names in the "Subcommands:" section of `quarry --help`.
std::vector<std::string> listed_subcommands(const std::string& help) {
  std::vector<std::string> out;
  std::istringstream in{help};
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (line == "Subcommands:") {
      in_section = true;
      continue;
    }
    if (!in_section) continue;
    if (line.empty()) break;
    std::istringstream words{line};
    std::string name;
    if (line.rfind("  ", 0) == 0 && words >> name) out.push_back(name);
  }
  return out;
}

TEST(cli_help, lists_only_implemented_subcommands) {
  const auto r = run_quarry({"--help"}, "unused");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(listed_subcommands(r.out),
            (std::vector<std::string>{"extract", "reset", "discover", "serve", "worker", "demo", "config", "sim"}))
      << r.out;
}

struct usage_case {
  const char* name;
  std::vector<std::string> args;
  std::vector<std::string> stderr_mentions;
};

void expect_usage_error(const usage_case& c) {
  SCOPED_TRACE(c.name);
  const auto r = run_quarry(c.args, "unused");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  for (const auto& m : c.stderr_mentions) EXPECT_NE(r.err.find(m), std::string::npos) << m << " in\n" << r.err;
}

TEST(cli_usage, bad_command_lines_exit_2_naming_the_problem) {
  const usage_case cases[] = {
      {"no subcommand", {}, {"subcommand"}},
      {"extract without --config", {"extract"}, {"--config"}},
      {"reset without --job", {"reset", "--config", "x.json"}, {"--job"}},
      {"unknown log level", {"--log-level", "loud", "extract", "--config", "x.json"}, {"loud"}},
      {"zero workers", {"extract", "--config", "x.json", "--workers", "0"}, {"--workers"}},
      {"unknown extract option", {"extract", "--config", "x.json", "--frobnicate"}, {"--frobnicate"}},
  };
  for (const auto& c : cases) expect_usage_error(c);
}

TEST(cli_usage, unknown_subcommand_exits_2_naming_it) {
  const usage_case cases[] = {
      {"alone", {"frobnicate"}, {"frobnicate"}},
      {"after a global option", {"--log-level", "info", "frobnicate"}, {"frobnicate"}},
      {"with options of its own", {"frobnicate", "--config", "x.json"}, {"frobnicate"}},
  };
  for (const auto& c : cases) expect_usage_error(c);
}

TEST(cli_config, unreadable_config_files_exit_2_naming_the_path) {
  temp_dir dir;
  struct path_case {
    const char* name;
    std::string path;
  };
  const path_case cases[] = {
      {"missing file", dir.file("missing.json")},
      {"a directory", dir.path()},
      {"inside a missing directory", dir.file("no-such-dir/config.json")},
  };
  for (const auto& c : cases) {
    for (const std::string command : {"extract", "reset", "discover"}) {
      SCOPED_TRACE(std::string(c.name) + ", quarry " + command);
      std::vector<std::string> args = {command, "--config", c.path};
      if (command == "reset") args.insert(args.end(), {"--job", job_name});
      const auto r = run_quarry(args, "unused");
      EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
      EXPECT_NE(r.err.find(c.path), std::string::npos) << r.err;
    }
  }
}

TEST(cli_config, invalid_config_exits_2_naming_every_problem_by_json_pointer) {
  temp_dir dir;
  auto cfg = synthetic_config("http://127.0.0.1:1", unique_prefix("invalid"), unused_address());
  cfg["engine"]["workers"] = 0;
  cfg["jobs"][0]["start_date"] = "last tuesday";
  cfg["kafka"]["compresion"] = "lz4";
  const auto path = dir.write("config.json", cfg.dump(2));
  for (const std::string command : {"extract", "reset", "discover"}) {
    SCOPED_TRACE("quarry " + command);
    std::vector<std::string> args = {command, "--config", path};
    if (command == "reset") args.insert(args.end(), {"--job", job_name});
    const auto r = run_quarry(args, "unused");
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
    for (const char* pointer : {"/engine/workers", "/jobs/0/start_date", "/kafka/compresion"})
      EXPECT_NE(r.err.find(pointer), std::string::npos) << pointer << " in\n" << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST(cli_config, config_that_is_not_json_exits_2_with_line_and_column) {
  temp_dir dir;
  const auto path = dir.write("config.json", "{\"kafka\": {\n  \"bootstrap_servers\": ,\n}}\n");
  const auto r = run_quarry({"extract", "--config", path}, "unused");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
}

struct extract_usage_case {
  const char* name;
  std::vector<std::string> extra_args;
  std::vector<std::string> stderr_mentions;
};

// These are refused before any API call or Kafka connection: the simulator
// endpoint and the bootstrap address are both dead.
TEST(cli_usage, bad_extract_arguments_exit_2_with_a_clear_message) {
  temp_dir dir;
  auto cfg = synthetic_config("http://" + unused_address(), unique_prefix("usage"), unused_address());
  cfg["jobs"].push_back({{"name", "second-job"}, {"account", "syn"}, {"start_date", "2024-01-01T00:00:00Z"}});
  const auto path = dir.write("config.json", cfg.dump(2));
  const extract_usage_case cases[] = {
      {"unknown output", {"--output", "bogus"}, {"--output must be kafka, singer or jsonl=PATH", "bogus"}},
      {"jsonl without a path", {"--output", "jsonl="}, {"--output must be kafka, singer or jsonl=PATH"}},
      {"jsonl without =", {"--output", "jsonl"}, {"--output must be kafka, singer or jsonl=PATH"}},
      {"output names are case-sensitive", {"--output", "Kafka"}, {"--output", "Kafka"}},
      {"unknown job", {"--job", "nope"}, {"no job named \"nope\""}},
      {"singer with two jobs", {"--output", "singer"}, {"singer output runs one job at a time"}},
      {"--state without singer", {"--state", dir.file("state.json")}, {"--state", "--output singer"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> args = {"extract", "--config", path, "--state-dir", dir.file("quota")};
    args.insert(args.end(), c.extra_args.begin(), c.extra_args.end());
    const auto r = run_quarry(args, "unused");
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    for (const auto& m : c.stderr_mentions)
      EXPECT_NE(r.err.find(m), std::string::npos) << m << " in\n" << r.err;
  }
}

} // namespace
} // namespace quarry::cli_testing
