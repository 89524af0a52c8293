#pragma once

// How `quarry extract` and `quarry demo` report finished runs: the exit code
// and a table per run (the JSON form, runtime::summary_json, is the _runs
// record's).

#include <string>
#include <vector>

namespace quarry {
struct run_summary;
}

namespace quarry::cli {

// 0 succeeded, 1 failed or cancelled, 3 incomplete (a quota ran out; the next
// run resumes).
int exit_code(const std::vector<run_summary>& summaries);

// Human-readable summary (a table per run).
std::string format_summary(const run_summary& summary);

} // namespace quarry::cli
