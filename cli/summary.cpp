#include "cli/summary.hpp"

#include "proto/messages.hpp"

#include <cstdio>
#include <sstream>

namespace quarry::cli {

int exit_code(const std::vector<run_summary>& summaries) {
  int code = 0;
  for (const auto& s : summaries) {
    if (s.outcome == run_outcome::failed || s.outcome == run_outcome::cancelled) return 1;
    if (s.outcome == run_outcome::incomplete) code = 3;
  }
  return code;
}

std::string format_summary(const run_summary& s) {
  std::ostringstream out;
  const double seconds = static_cast<double>(s.finished_ms - s.started_ms) / 1000.0;
  out << "run " << s.run.str() << " of job " << s.job.str() << ": " << to_string(s.outcome) << " in "
      << seconds << " s\n";
  char line[256];
  std::snprintf(line, sizeof line, "  %-32s %12s %8s  %s\n", "stream", "records", "calls", "status");
  out << line;
  bool shared = false;
  for (const auto& st : s.streams) {
    const auto calls = (st.calls_shared ? "~" : "") + std::to_string(st.calls);
    std::snprintf(line, sizeof line, "  %-32s %12llu %8s  %s\n", st.stream.c_str(),
                  static_cast<unsigned long long>(st.records), calls.c_str(), to_string(st.status));
    out << line;
    if (!st.error.empty()) out << "    " << st.error << "\n";
    shared = shared || st.calls_shared;
  }
  if (shared) out << "  ~ calls of a task that fed several streams, split by their records\n";
  for (const auto& e : s.errors)
    if (s.streams.empty()) out << "  error: " << e << "\n";
  return out.str();
}

} // namespace quarry::cli
