#pragma once

// Which jobs run when, for `quarry serve`: one entry per job with its
// schedule, or none (the job runs only when triggered by hand).
//
// Clock injected: every method that depends on time takes `now`; nothing
// here reads a clock, starts a thread or sleeps. The caller sleeps until
// next_wakeup(), then calls take_due(now) and starts the runs it names.
//
// One job:
//
//              take_due(now): next fire <= now           finished(now): the
//              try_start(now)                              next fire is ahead
//    [idle] -----------------------------> [running] ---------------------> [idle]
//      ^                                       |
//      |                                       | finished(now): a fire time passed
//      |      take_due(now) starts it          v   during the run
//      +------------------------------- [idle, overdue]
//
// - No overlap: a running job is never due. Fire times that pass during a
//   run are coalesced: exactly one run is due when it finishes (however many
//   fire times were missed); the next fire time is then the first after that
//   run's start.
// - pause(): never due, neither scheduled nor overdue; a run in progress goes
//   on. resume(now): the next fire time is the first after now, so a long
//   pause causes no burst of catch-up runs.
// - try_start(): a run by hand, also for a paused or unscheduled job; a fire
//   time already due is consumed by it.
//
// Not thread-safe: one owner (serve's scheduler) calls it.

#include "proto/error.hpp"
#include "schedule/schedule.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::scheduling {

// One job as the admin API shows it.
struct job_view {
  std::string job;
  std::string schedule;  // schedule::describe(), or "manual" (triggered by hand only)
  bool paused = false;
  bool running = false;
  // When the job is due next; nullopt when paused or unscheduled. At or
  // before now: overdue (it starts as soon as it is idle).
  std::optional<instant> next_fire;
  std::optional<instant> last_start;
  std::optional<instant> last_finish;
};

enum class start_outcome { started, already_running, unknown_job };

class job_scheduler {
 public:
  // Fails when a job of that name was added before, or the name is empty.
  status add(std::string job, std::optional<schedule> when, instant now);

  bool contains(std::string_view job) const;

  // The idle, unpaused jobs whose next fire time is at or before now, by
  // name; each is marked running from now.
  std::vector<std::string> take_due(instant now);

  // Marks the job running unless it is already running (or unknown).
  start_outcome try_start(std::string_view job, instant now);

  // The job's run ended (in any outcome). Fails for an unknown job or one
  // that is not running.
  status finished(std::string_view job, instant now);

  // Both fail only for an unknown job; pausing a paused job or resuming an
  // unpaused one changes nothing.
  status pause(std::string_view job);
  status resume(std::string_view job, instant now);

  // The earliest next fire time among idle, unpaused jobs (possibly already
  // past); nullopt when no job is waiting for one.
  std::optional<instant> next_wakeup() const;

  std::vector<job_view> view() const;  // by name
  std::optional<job_view> view(std::string_view job) const;

 private:
  struct entry {
    std::optional<schedule> when;
    bool paused = false;
    bool running = false;
    std::optional<instant> next_fire;  // kept while running: a passed one is overdue
    std::optional<instant> last_start;
    std::optional<instant> last_finish;
  };

  void start(entry& e, instant now);
  job_view view_of(const std::string& name, const entry& e) const;

  std::map<std::string, entry, std::less<>> jobs_;
};

} // namespace quarry::scheduling
