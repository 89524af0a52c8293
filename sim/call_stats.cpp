#include "sim/call_stats.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace quarry::sim {

std::string_view to_string(limit_kind kind) noexcept {
  switch (kind) {
    case limit_kind::daily: return "daily";
    case limit_kind::window: return "window";
    case limit_kind::concurrency: return "concurrency";
  }
  return "unknown";
}

std::string to_json(const call_stats& stats) {
  using nlohmann::json;
  json windows = json::array();
  for (const auto& w : stats.windows) {
    json seconds = w.seconds;
    if (std::floor(w.seconds) == w.seconds)
      seconds = static_cast<std::int64_t>(w.seconds);
    json window = {{"calls", w.calls}, {"seconds", seconds}, {"max_seen", w.max_seen}};
    if (!w.path_template.empty()) window["path"] = w.path_template;
    windows.push_back(std::move(window));
  }
  json violations = json::array();
  for (const auto& v : stats.violations)
    violations.push_back({{"kind", to_string(v.kind)}, {"at", v.at}, {"path", v.path}});
  const json doc = {
      {"calls_total", stats.calls_total},
      {"calls_by_day", stats.calls_by_day.empty() ? json::object() : json(stats.calls_by_day)},
      {"calls_by_path", stats.calls_by_path.empty() ? json::object() : json(stats.calls_by_path)},
      {"calls_by_operation",
       stats.calls_by_operation.empty() ? json::object() : json(stats.calls_by_operation)},
      {"max_in_flight", stats.max_in_flight},
      {"windows", std::move(windows)},
      {"bytes_served", stats.bytes_served},
      {"violations", std::move(violations)},
      {"faults_injected", stats.faults_injected},
  };
  return doc.dump();
}

} // namespace quarry::sim
