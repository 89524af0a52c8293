#include "cli/progress_display.hpp"

#include "runtime/engine.hpp"

namespace quarry::cli {
namespace {

std::string seconds_of(std::chrono::milliseconds t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(t.count()) / 1000.0);
  return buf;
}

std::string quota_line(const runtime::account_progress& a) {
  std::string line = "quota of " + a.account + ": ";
  if (a.daily_limit < 0)
    line += std::to_string(a.calls_today) + " calls today (no daily limit)";
  else
    line += std::to_string(a.daily_limit - a.calls_today) + " of " + std::to_string(a.daily_limit) +
            " calls left today";
  line += ", " + std::to_string(a.in_flight) + " in flight, " + std::to_string(a.queued) + " waiting";
  return line;
}

std::string stream_label(const runtime::stream_progress& s, bool several_jobs) {
  return several_jobs ? s.job + "/" + s.stream : s.stream;
}

bool several_jobs(const runtime::run_progress& p) {
  for (const auto& s : p.streams)
    if (s.job != p.streams.front().job) return true;
  return false;
}

} // namespace

void progress_display::update(const runtime::run_progress& p) {
  const bool qualified = several_jobs(p);
  if (terminal_) {
    std::vector<std::string> lines;
    lines.push_back(std::string{p.finished ? "done after " : "running for "} + seconds_of(p.elapsed));
    for (const auto& a : p.accounts) lines.push_back("  " + quota_line(a));
    char row[160];
    std::snprintf(row, sizeof row, "  %-36s %12s %8s", "stream", "records", "calls");
    lines.emplace_back(row);
    for (const auto& s : p.streams) {
      std::snprintf(row, sizeof row, "  %-36s %12llu %8llu", stream_label(s, qualified).c_str(),
                    static_cast<unsigned long long>(s.records),
                    static_cast<unsigned long long>(s.calls));
      lines.emplace_back(row);
    }
    redraw(lines);
    return;
  }
  // Plain lines: at most once a second (and always the last report), only
  // the streams whose counts moved since they were last printed.
  if (!p.finished && p.elapsed - last_plain_ < std::chrono::seconds(1)) return;
  last_plain_ = p.elapsed;
  bool any = false;
  for (const auto& s : p.streams) {
    const auto label = stream_label(s, qualified);
    const std::pair counts{s.records, s.calls};
    auto it = printed_.find(label);
    if (it != printed_.end() && it->second == counts) continue;
    printed_[label] = counts;
    std::fprintf(out_, "[%s] %s: %llu records, %llu calls\n", seconds_of(p.elapsed).c_str(),
                 label.c_str(), static_cast<unsigned long long>(s.records),
                 static_cast<unsigned long long>(s.calls));
    any = true;
  }
  if (any || p.finished)
    for (const auto& a : p.accounts)
      std::fprintf(out_, "[%s] %s\n", seconds_of(p.elapsed).c_str(), quota_line(a).c_str());
  std::fflush(out_);
}

void progress_display::redraw(const std::vector<std::string>& lines) {
  std::string text;
  // Back to the table's first line, clear from there to the end of the screen.
  if (drawn_ > 0) text += "\x1b[" + std::to_string(drawn_) + "F\x1b[J";
  for (const auto& l : lines) text += l + "\n";
  std::fputs(text.c_str(), out_);
  std::fflush(out_);
  drawn_ = static_cast<int>(lines.size());
}

} // namespace quarry::cli
