// A source is its folders plus one line in connectors/sources.cmake: this
// test holds the registry and `quarry sim` to that list, and every SaaS
// source to the rest of what it needs, so a sixth source cannot land
// without them.

#include "connectors/registry.hpp"
#include "sim/commands.hpp"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace quarry::connectors {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "constant_contact" -> "Constant Contact" (the README heading) and
// "constant-contact" (the simulator command).
std::string title(std::string name) {
  bool start = true;
  for (auto& c : name) {
    if (c == '_') {
      c = ' ';
      start = true;
    } else if (start) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      start = false;
    }
  }
  return name;
}

std::string dashed(std::string name) {
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

// The names of `set(<variable> ...)` in connectors/sources.cmake.
std::vector<std::string> cmake_list(const std::string& variable) {
  const auto text = read(std::string{QUARRY_SOURCE_DIR} + "/connectors/sources.cmake");
  const auto at = text.find("\nset(" + variable + "\n");
  const auto alone = text.find("\nset(" + variable + " ");
  const auto from = std::min(at, alone);
  if (from == std::string::npos) return {};
  std::istringstream words(text.substr(from + 5 + variable.size(), text.find(')', from) - from - 5 - variable.size()));
  std::vector<std::string> out;
  for (std::string w; words >> w;) out.push_back(w);
  return out;
}

TEST(source_registry, every_source_makes_its_connector_and_unknown_ones_make_none) {
  for (const auto& name : sources()) EXPECT_NE(make_connector(name), nullptr) << name;
  EXPECT_EQ(make_connector("mailchimp"), nullptr);
  for (const auto& name : vendor_sources())
    EXPECT_NE(std::find(sources().begin(), sources().end(), name), sources().end()) << name;
}

TEST(source_registry, the_registry_names_the_sources_of_the_cmake_list_in_its_order) {
  auto all = cmake_list("QUARRY_TEST_SOURCES");
  const auto vendors = cmake_list("QUARRY_VENDOR_SOURCES");
  ASSERT_EQ(all, (std::vector<std::string>{"synthetic", "noop"}));
  all.insert(all.end(), vendors.begin(), vendors.end());
  EXPECT_EQ(sources(), all);
  EXPECT_EQ(vendor_sources(), vendors);
}

TEST(source_registry, quarry_sim_has_the_synthetic_simulator_and_one_per_saas_source_and_no_other) {
  CLI::App sim{"sim"};
  sim::add_sim_commands(sim);
  std::vector<std::string> commands;
  for (const auto* cmd : sim.get_subcommands([](CLI::App*) { return true; })) commands.push_back(cmd->get_name());
  std::vector<std::string> expected{"synthetic"};
  for (const auto& name : vendor_sources()) expected.push_back(dashed(name));
  EXPECT_EQ(commands, expected);
}

TEST(source_registry, every_saas_source_has_a_simulator_a_readme_section_and_an_e2e_target) {
  CLI::App sim{"sim"};
  sim::add_sim_commands(sim);
  const auto readme = read(std::string{QUARRY_SOURCE_DIR} + "/README.md");
  ASSERT_FALSE(readme.empty());
  ASSERT_GE(vendor_sources().size(), 5u);
  for (const auto& name : vendor_sources()) {
    SCOPED_TRACE(name);
    EXPECT_NO_THROW(sim.get_subcommand(dashed(name))) << "quarry sim " << dashed(name);
    EXPECT_NE(readme.find("\n## " + title(name) + "\n"), std::string::npos) << "README: ## " << title(name);
    const auto tests = read(std::string{QUARRY_SOURCE_DIR} + "/tests/" + name + "/CMakeLists.txt");
    EXPECT_NE(tests.find("quarry_test(" + name + "_e2e_test "), std::string::npos)
        << "tests/" << name << "/CMakeLists.txt: quarry_test(" << name << "_e2e_test ...)";
  }
}

} // namespace
} // namespace quarry::connectors
