#pragma once

// Shows an engine's run_progress on a stream (stderr): on a terminal, a small
// table redrawn in place (stream, records, calls; the account's quota left);
// elsewhere, plain lines at most once a second, only for streams that moved.
//
// update() may be called from any thread, one call at a time (the engine's
// progress thread, then the caller's for the final report).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace quarry::runtime {
struct run_progress;
}

namespace quarry::cli {

class progress_display {
 public:
  progress_display(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}
  void update(const runtime::run_progress& progress);

 private:
  void redraw(const std::vector<std::string>& lines);

  std::FILE* out_;
  bool terminal_;
  int drawn_ = 0;  // lines of the table on screen
  std::chrono::milliseconds last_plain_{-1'000'000};
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> printed_;  // stream -> records, calls
};

} // namespace quarry::cli
