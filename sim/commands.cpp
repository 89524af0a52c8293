#include "sim/commands.hpp"

#include "sim/simulators.hpp"  // written by CMake from connectors/sources.cmake

#include <CLI/CLI.hpp>

#include <charconv>
#include <string>

namespace quarry::sim {

void add_sim_commands(CLI::App& sim) {
  for (const auto add : simulator_commands) add(sim);
}

result<window_limit> parse_window_limit(std::string_view text) {
  const auto fail = [&] {
    return make_error(error_kind::fatal,
                      "expected CALLS/SECONDS such as 100/20, got \"" + std::string(text) + "\"");
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return fail();
  window_limit out;
  const char* end = text.data() + slash;
  auto [p1, e1] = std::from_chars(text.data(), end, out.calls);
  if (e1 != std::errc{} || p1 != end || out.calls < 1) return fail();
  const char* s_end = text.data() + text.size();
  auto [p2, e2] = std::from_chars(end + 1, s_end, out.seconds);
  if (e2 != std::errc{} || p2 != s_end || !(out.seconds > 0)) return fail();
  return out;
}

} // namespace quarry::sim
