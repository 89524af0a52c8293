#include "schedule/job_scheduler.hpp"

namespace quarry::scheduling {
namespace {

error no_such_job(std::string_view job) {
  return make_error(error_kind::fatal, "no job named \"" + std::string(job) + "\"");
}

} // namespace

status job_scheduler::add(std::string job, std::optional<schedule> when, instant now) {
  if (job.empty()) return make_error(error_kind::fatal, "a job needs a name");
  if (contains(job))
    return make_error(error_kind::fatal, "job \"" + job + "\" is already scheduled");
  entry e;
  if (when) e.next_fire = when->next_after(now);
  e.when = std::move(when);
  jobs_.emplace(std::move(job), std::move(e));
  return {};
}

bool job_scheduler::contains(std::string_view job) const { return jobs_.find(job) != jobs_.end(); }

std::vector<std::string> job_scheduler::take_due(instant now) {
  std::vector<std::string> due;
  for (auto& [name, e] : jobs_) {
    if (e.paused || e.running || !e.next_fire || *e.next_fire > now) continue;
    start(e, now);
    due.push_back(name);
  }
  return due;
}

start_outcome job_scheduler::try_start(std::string_view job, instant now) {
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return start_outcome::unknown_job;
  if (it->second.running) return start_outcome::already_running;
  start(it->second, now);
  return start_outcome::started;
}

void job_scheduler::start(entry& e, instant now) {
  e.running = true;
  e.last_start = now;
  // Fire times up to now are served by this run (coalesced).
  if (e.next_fire && *e.next_fire <= now && e.when) e.next_fire = e.when->next_after(now);
}

status job_scheduler::finished(std::string_view job, instant now) {
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return no_such_job(job);
  if (!it->second.running)
    return make_error(error_kind::fatal, "job \"" + std::string(job) + "\" is not running");
  it->second.running = false;
  it->second.last_finish = now;
  return {};
}

status job_scheduler::pause(std::string_view job) {
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return no_such_job(job);
  it->second.paused = true;
  it->second.next_fire.reset();
  return {};
}

status job_scheduler::resume(std::string_view job, instant now) {
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return no_such_job(job);
  entry& e = it->second;
  if (!e.paused) return {};
  e.paused = false;
  if (e.when) e.next_fire = e.when->next_after(now);
  return {};
}

std::optional<instant> job_scheduler::next_wakeup() const {
  std::optional<instant> earliest;
  for (const auto& [name, e] : jobs_) {
    if (e.paused || e.running || !e.next_fire) continue;
    if (!earliest || *e.next_fire < *earliest) earliest = e.next_fire;
  }
  return earliest;
}

job_view job_scheduler::view_of(const std::string& name, const entry& e) const {
  return job_view{name,          e.when ? e.when->describe() : "manual",
                  e.paused,      e.running,
                  e.next_fire,   e.last_start,
                  e.last_finish};
}

std::vector<job_view> job_scheduler::view() const {
  std::vector<job_view> out;
  out.reserve(jobs_.size());
  for (const auto& [name, e] : jobs_) out.push_back(view_of(name, e));
  return out;
}

std::optional<job_view> job_scheduler::view(std::string_view job) const {
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return std::nullopt;
  return view_of(it->first, it->second);
}

} // namespace quarry::scheduling
