// `quarry demo` as a new user runs it: the Marketo simulator and the
// embedded Kafka inside the process, one job over every stream, progress on
// stderr, the summary and the topics read back on stdout, exit 0. A smaller
// dataset than the default keeps the test short.

#include "tests/cli/cli_fixture.hpp"

#include "sim/marketo_data.hpp"

#include <gtest/gtest.h>

#include <cctype>

namespace quarry::cli_testing {
namespace {

using nlohmann::json;

std::vector<std::string> marketo_streams() {
  std::vector<std::string> out = {"leads", "activity_types", "campaigns", "lists", "programs"};
  for (const auto& t : sim::marketo_data::activity_types()) {
    std::string name = "activities_";
    for (const char c : t.name)
      name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
    out.push_back(name);
  }
  return out;
}

TEST(cli_demo, extracts_every_marketo_stream_into_the_embedded_kafka) {
  const auto started = std::chrono::steady_clock::now();
  const auto r = testing::run_quarry({"demo", "--leads", "2000", "--activities", "5000"}, {},
                                     std::chrono::seconds(120));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_LT(took, std::chrono::seconds(60));

  const auto rows = summary_rows(r.out);
  for (const auto& stream : marketo_streams()) {
    SCOPED_TRACE(stream);
    ASSERT_TRUE(rows.count(stream)) << r.out;
    EXPECT_GT(rows.at(stream).records, 0u);
    EXPECT_EQ(rows.at(stream).status, "ok") << rows.at(stream).error;
  }
  EXPECT_EQ(rows.at("leads").records, 2000u);
  EXPECT_NE(r.out.find("succeeded"), std::string::npos) << r.out;
  // Read back from the embedded cluster before it went away.
  EXPECT_NE(r.out.find("demo.marketo.leads: 2000 messages"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("quarry demo --print-config"), std::string::npos) << r.out;
  // Progress as plain lines (stderr is a file here): per stream, and the quota.
  EXPECT_NE(r.err.find("leads: 2000 records"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("quota of marketo-demo:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("calls left today"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("\x1b["), std::string::npos) << "no terminal codes off a terminal";
}

TEST(cli_demo, print_config_shows_a_config_that_names_its_secret_by_reference) {
  const auto r = testing::run_quarry({"demo", "--print-config"}, {}, std::chrono::seconds(30));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cfg = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(cfg.is_discarded()) << r.out;
  const auto& account = cfg["accounts"]["marketo-demo"];
  EXPECT_EQ(account["source"], "marketo");
  EXPECT_EQ(account["endpoint"], "http://127.0.0.1:18081");
  EXPECT_TRUE(account["credentials"]["client_secret"].contains("env")) << account.dump();
  EXPECT_EQ(r.out.find("quarry-secret"), std::string::npos) << "the secret itself is not in the config";
  EXPECT_NE(r.err.find("quarry sim marketo --port 18081"), std::string::npos) << r.err;
}

} // namespace
} // namespace quarry::cli_testing
