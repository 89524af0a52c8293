// Specification of the per-job scheduler on an injected clock: when jobs are
// due, no overlapping runs (missed fire times coalesce into one run), pause
// and resume without catch-up bursts, manual triggers, next_wakeup and the
// admin view.

#include "schedule/job_scheduler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace quarry::scheduling {
namespace {

using namespace std::chrono_literals;
using names = std::vector<std::string>;

// 2026-01-01T00:00:00Z: every schedule below is hourly on the hour (UTC).
const instant t0 = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};

schedule hourly() {
  return schedule::every(1h, local_anchor{}, *zone::locate("UTC")).value();
}

TEST(job_scheduler, a_job_is_due_at_its_fire_time) {
  job_scheduler s;
  ASSERT_TRUE(s.add("leads", hourly(), t0).ok());
  EXPECT_EQ(s.next_wakeup(), t0 + 1h);
  EXPECT_EQ(s.take_due(t0 + 59min), names{});
  EXPECT_EQ(s.take_due(t0 + 1h), names{"leads"});
  // Started: running, and not due again while it runs.
  EXPECT_TRUE(s.view("leads")->running);
  EXPECT_EQ(s.take_due(t0 + 1h), names{});
}

TEST(job_scheduler, a_run_that_ends_before_the_next_fire_time_waits_for_it) {
  job_scheduler s;
  ASSERT_TRUE(s.add("leads", hourly(), t0).ok());
  ASSERT_EQ(s.take_due(t0 + 1h), names{"leads"});
  ASSERT_TRUE(s.finished("leads", t0 + 1h + 10min).ok());
  EXPECT_EQ(s.take_due(t0 + 1h + 10min), names{});
  EXPECT_EQ(s.next_wakeup(), t0 + 2h);
  EXPECT_EQ(s.take_due(t0 + 2h), names{"leads"});
}

TEST(job_scheduler, fire_times_missed_during_a_run_coalesce_into_one_run) {
  job_scheduler s;
  ASSERT_TRUE(s.add("leads", hourly(), t0).ok());
  ASSERT_EQ(s.take_due(t0 + 1h), names{"leads"});
  // 2h, 3h and 4h pass while the run goes on: never an overlapping run.
  for (auto at : {t0 + 2h, t0 + 3h, t0 + 4h}) EXPECT_EQ(s.take_due(at), names{});
  EXPECT_EQ(s.next_wakeup(), std::nullopt);  // its only job is running

  ASSERT_TRUE(s.finished("leads", t0 + 4h + 30min).ok());
  // Overdue since 2h: the caller wakes at once, and exactly one run starts.
  EXPECT_EQ(s.next_wakeup(), t0 + 2h);
  EXPECT_EQ(s.take_due(t0 + 4h + 30min), names{"leads"});
  ASSERT_TRUE(s.finished("leads", t0 + 4h + 40min).ok());
  EXPECT_EQ(s.take_due(t0 + 4h + 40min), names{});
  // Then the normal fire times resume.
  EXPECT_EQ(s.next_wakeup(), t0 + 5h);
  EXPECT_EQ(s.take_due(t0 + 5h), names{"leads"});
}

TEST(job_scheduler, a_paused_job_is_never_due_and_resumes_without_catching_up) {
  job_scheduler s;
  ASSERT_TRUE(s.add("leads", hourly(), t0).ok());
  ASSERT_TRUE(s.add("lists", hourly(), t0).ok());
  ASSERT_TRUE(s.pause("leads").ok());
  EXPECT_EQ(s.take_due(t0 + 1h), names{"lists"});
  ASSERT_TRUE(s.finished("lists", t0 + 1h + 1min).ok());
  for (auto at : {t0 + 2h, t0 + 5h, t0 + 10h}) {
    const auto due = s.take_due(at);
    EXPECT_EQ(due, names{"lists"});
    ASSERT_TRUE(s.finished("lists", at + 1min).ok());
  }
  EXPECT_EQ(s.view("leads")->next_fire, std::nullopt);

  ASSERT_TRUE(s.resume("leads", t0 + 10h + 15min).ok());
  EXPECT_EQ(s.take_due(t0 + 10h + 15min), names{});  // no burst for 1h .. 10h
  EXPECT_EQ(s.view("leads")->next_fire, t0 + 11h);
  EXPECT_EQ(s.take_due(t0 + 11h), (names{"leads", "lists"}));
}

TEST(job_scheduler, pausing_a_running_job_drops_the_overdue_run) {
  job_scheduler s;
  ASSERT_TRUE(s.add("leads", hourly(), t0).ok());
  ASSERT_EQ(s.take_due(t0 + 1h), names{"leads"});
  ASSERT_TRUE(s.pause("leads").ok());
  EXPECT_TRUE(s.view("leads")->running);  // the run in progress goes on
  ASSERT_TRUE(s.finished("leads", t0 + 3h + 30min).ok());
  EXPECT_EQ(s.take_due(t0 + 3h + 30min), names{});
  EXPECT_EQ(s.next_wakeup(), std::nullopt);
  ASSERT_TRUE(s.resume("leads", t0 + 3h + 30min).ok());
  EXPECT_EQ(s.next_wakeup(), t0 + 4h);
}

TEST(job_scheduler, resuming_an_unpaused_job_keeps_its_overdue_run) {
  job_scheduler s;
  ASSERT_TRUE(s.add("leads", hourly(), t0).ok());
  ASSERT_EQ(s.take_due(t0 + 1h), names{"leads"});
  ASSERT_TRUE(s.finished("leads", t0 + 2h + 30min).ok());
  ASSERT_TRUE(s.resume("leads", t0 + 2h + 30min).ok());
  EXPECT_EQ(s.take_due(t0 + 2h + 30min), names{"leads"});
}

TEST(job_scheduler, a_manual_trigger_conflicts_with_a_running_run) {
  job_scheduler s;
  ASSERT_TRUE(s.add("leads", hourly(), t0).ok());
  EXPECT_EQ(s.try_start("leads", t0 + 10min), start_outcome::started);
  EXPECT_EQ(s.try_start("leads", t0 + 20min), start_outcome::already_running);
  EXPECT_EQ(s.take_due(t0 + 1h), names{});  // its fire time passes during the manual run
  ASSERT_TRUE(s.finished("leads", t0 + 1h + 5min).ok());
  EXPECT_EQ(s.take_due(t0 + 1h + 5min), names{"leads"});
  EXPECT_EQ(s.try_start("leads", t0 + 1h + 6min), start_outcome::already_running);
  EXPECT_EQ(s.try_start("nobody", t0), start_outcome::unknown_job);
}

TEST(job_scheduler, a_manual_run_serves_a_fire_time_already_due) {
  job_scheduler s;
  ASSERT_TRUE(s.add("leads", hourly(), t0).ok());
  EXPECT_EQ(s.try_start("leads", t0 + 1h + 1min), start_outcome::started);
  ASSERT_TRUE(s.finished("leads", t0 + 1h + 2min).ok());
  EXPECT_EQ(s.take_due(t0 + 1h + 2min), names{});
  EXPECT_EQ(s.next_wakeup(), t0 + 2h);
}

TEST(job_scheduler, unscheduled_and_paused_jobs_run_only_by_hand) {
  job_scheduler s;
  ASSERT_TRUE(s.add("backfill", std::nullopt, t0).ok());
  EXPECT_EQ(s.next_wakeup(), std::nullopt);
  EXPECT_EQ(s.take_due(t0 + 1000h), names{});
  EXPECT_EQ(s.try_start("backfill", t0 + 1h), start_outcome::started);
  ASSERT_TRUE(s.finished("backfill", t0 + 2h).ok());
  EXPECT_EQ(s.take_due(t0 + 2h), names{});

  ASSERT_TRUE(s.add("leads", hourly(), t0).ok());
  ASSERT_TRUE(s.pause("leads").ok());
  EXPECT_EQ(s.try_start("leads", t0 + 2h), start_outcome::started);
  ASSERT_TRUE(s.finished("leads", t0 + 3h).ok());
  EXPECT_EQ(s.take_due(t0 + 5h), names{});  // still paused
}

TEST(job_scheduler, next_wakeup_is_the_earliest_idle_unpaused_fire_time) {
  job_scheduler s;
  EXPECT_EQ(s.next_wakeup(), std::nullopt);
  ASSERT_TRUE(s.add("hourly", hourly(), t0).ok());
  ASSERT_TRUE(s.add("quarter", schedule::every(15min, local_anchor{}, *zone::locate("UTC")).value(), t0).ok());
  ASSERT_TRUE(s.add("nightly", schedule::cron(*cron_expression::parse("0 2 * * *"), *zone::locate("UTC")), t0).ok());
  EXPECT_EQ(s.next_wakeup(), t0 + 15min);
  ASSERT_TRUE(s.pause("quarter").ok());
  EXPECT_EQ(s.next_wakeup(), t0 + 1h);
  ASSERT_EQ(s.take_due(t0 + 1h), names{"hourly"});
  EXPECT_EQ(s.next_wakeup(), t0 + 2h);  // nightly; hourly is running
}

TEST(job_scheduler, unknown_names_and_wrong_states_are_errors) {
  job_scheduler s;
  ASSERT_TRUE(s.add("leads", hourly(), t0).ok());
  const auto duplicate = s.add("leads", std::nullopt, t0);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().message, R"(job "leads" is already scheduled)");
  EXPECT_EQ(s.add("", std::nullopt, t0).error().message, "a job needs a name");
  EXPECT_EQ(s.finished("leads", t0).error().message, R"(job "leads" is not running)");
  EXPECT_EQ(s.finished("nobody", t0).error().message, R"(no job named "nobody")");
  EXPECT_EQ(s.pause("nobody").error().message, R"(no job named "nobody")");
  EXPECT_EQ(s.resume("nobody", t0).error().message, R"(no job named "nobody")");
  EXPECT_FALSE(s.contains("nobody"));
  EXPECT_TRUE(s.contains("leads"));
  EXPECT_EQ(s.view("nobody"), std::nullopt);
}

TEST(job_scheduler, view_shows_each_job_by_name) {
  job_scheduler s;
  ASSERT_TRUE(s.add("zeta", std::nullopt, t0).ok());
  ASSERT_TRUE(s.add("alpha", hourly(), t0).ok());
  ASSERT_EQ(s.take_due(t0 + 1h), names{"alpha"});
  ASSERT_TRUE(s.finished("alpha", t0 + 1h + 5min).ok());
  ASSERT_TRUE(s.pause("zeta").ok());

  const auto all = s.view();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].job, "alpha");
  EXPECT_EQ(all[0].schedule, "every 1h from 00:00 UTC");
  EXPECT_FALSE(all[0].paused);
  EXPECT_FALSE(all[0].running);
  EXPECT_EQ(all[0].next_fire, t0 + 2h);
  EXPECT_EQ(all[0].last_start, t0 + 1h);
  EXPECT_EQ(all[0].last_finish, t0 + 1h + 5min);
  EXPECT_EQ(all[1].job, "zeta");
  EXPECT_EQ(all[1].schedule, "manual");
  EXPECT_TRUE(all[1].paused);
  EXPECT_EQ(all[1].next_fire, std::nullopt);
  EXPECT_EQ(all[1].last_start, std::nullopt);
}

} // namespace
} // namespace quarry::scheduling
