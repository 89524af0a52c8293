// The coordinator actor on CAF's deterministic test scheduler: every message
// is delivered by sched.run(), every timer fires only when the test advances
// the clock. Workers are scoped actors the test drives message by message,
// sending what actors/worker.cpp sends (plan_result, child_tasks and a
// task_result for a plan task; a task_result for any other), so each test
// reads as the exchange it specifies.

#include "coordinator/coordinator.hpp"
#include "proto/messages.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace quarry::coordinator {
namespace {

using namespace std::chrono_literals;
using coordinator_handle =
    decltype(spawn_coordinator(std::declval<caf::actor_system&>(), coordinator_config{}));

// An actor's mailbox, read without blocking: by the time the test looks, the
// test scheduler has delivered everything there is.
struct inbox {
  std::deque<task_assignment> assignments;
  std::vector<task_id> cancels;
  std::deque<run_summary> summaries;
  std::deque<join_reply> joins;
  std::vector<caf::error> errors;

  void drain(caf::scoped_actor& self) {
    for (bool more = true; more;)
      self->receive([&](task_assignment& a) { assignments.push_back(std::move(a)); },
                    [&](cancel_atom, task_id id) { cancels.push_back(id); },
                    [&](run_summary& s) { summaries.push_back(std::move(s)); },
                    [&](join_reply& r) { joins.push_back(std::move(r)); },
                    [&](caf::error& e) { errors.push_back(std::move(e)); },
                    caf::after(0s) >> [&] { more = false; });
  }
};

// A worker as the coordinator sees it: an actor that pulls, reports and may
// be told to cancel.
class fake_worker {
 public:
  fake_worker(caf::actor_system& sys, coordinator_handle coord, std::string name)
      : self(sys), id(std::move(name)), coord_(std::move(coord)) {}

  caf::scoped_actor self;
  worker_id id;

  void pull() { self->send(coord_, pull_atom_v, id); }
  void try_pull() { self->send(coord_, try_pull_atom_v); }

  // The answer to a (try-)pull, if one came.
  std::optional<task_assignment> assignment() {
    box_.drain(self);
    if (box_.assignments.empty()) return std::nullopt;
    auto a = std::move(box_.assignments.front());
    box_.assignments.pop_front();
    return a;
  }
  // The task of an answer that must have come.
  task next_task() {
    auto a = assignment();
    EXPECT_TRUE(a && !a->shutdown && a->work.id != 0) << id.str() << " got no task";
    return a ? a->work : task{};
  }
  std::vector<task_id> cancels() {
    box_.drain(self);
    return box_.cancels;
  }

  // What a worker sends when a task ends.
  void report(const task& t, task_outcome outcome = task_outcome::done,
              std::vector<stream_count> records = {}, std::uint64_t calls = 0) {
    task_result r;
    r.id = t.id;
    r.run = t.run;
    r.worker = id;
    r.outcome = outcome;
    r.records = std::move(records);
    r.calls = calls;
    r.bookmark = t.bookmark;
    self->send(coord_, std::move(r));
  }
  void report(task_result r) { self->send(coord_, std::move(r)); }
  // A task that ended with an error, its outcome chosen as worker.cpp's
  // fail() chooses it.
  void fail(const task& t, error_kind kind, std::string message, std::string bookmark = {},
            double retry_after_s = -1) {
    task_result r;
    r.id = t.id;
    r.run = t.run;
    r.worker = id;
    r.outcome = kind == error_kind::quota_exhausted ? task_outcome::resumable
                : kind == error_kind::cancelled     ? task_outcome::cancelled
                                                    : task_outcome::failed;
    r.error_kind = kind;
    r.message = std::move(message);
    r.bookmark = bookmark.empty() ? t.bookmark : std::move(bookmark);
    r.retry_after_s = retry_after_s;
    self->send(coord_, std::move(r));
  }

  // A plan task, as worker.cpp runs it: the run's streams and bookmarks,
  // then the children, then the plan's own result.
  void plan(const task& p, std::vector<stream_info> streams, std::vector<task> children,
            std::vector<bookmark_entry> bookmarks = {}) {
    ASSERT_EQ(p.kind, task_kind::plan);
    plan_result learned;
    learned.id = p.id;
    learned.run = p.run;
    learned.streams = std::move(streams);
    learned.bookmarks = std::move(bookmarks);
    self->send(coord_, std::move(learned));
    spawned(p, std::move(children));
    report(p);
  }

  // Children found by a running task (the plan's go through plan()).
  void spawned(const task& parent, std::vector<task> children) {
    child_tasks c;
    c.parent = parent.id;
    c.run = parent.run;
    for (auto& t : children) {
      t.run = parent.run;
      t.job = parent.job;
      t.account = parent.account;
      t.source = parent.source;
    }
    c.tasks = std::move(children);
    self->send(coord_, std::move(c));
  }

 private:
  coordinator_handle coord_;
  inbox box_;
};

stream_info declared(std::string name, bool full_table = false) {
  stream_info s;
  s.name = std::move(name);
  s.key_fields = {"id"};
  s.full_table = full_table;
  return s;
}

task child(std::string stream, std::string partition = {}, std::vector<std::string> emits = {}) {
  task t;
  t.stream = stream_name{std::move(stream)};
  t.partition = std::move(partition);
  t.emits = std::move(emits);
  return t;
}

stream_summary stream_of(const run_summary& s, const std::string& name) {
  auto it = std::find_if(s.streams.begin(), s.streams.end(),
                         [&](const stream_summary& x) { return x.stream == name; });
  if (it != s.streams.end()) return *it;
  ADD_FAILURE() << "the summary has no stream " << name;
  return {};
}

std::vector<std::string> stream_names(const run_summary& s) {
  std::vector<std::string> names;
  for (const auto& x : s.streams) names.push_back(x.stream);
  return names;
}

class coordinator_test : public ::testing::Test {
 protected:
  coordinator_test()
      : sys(configure(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
        starter(sys),
        jobs(std::make_shared<actors::job_directory>()) {
    actors::job_entry job;
    job.context.job = "j";
    job.context.account = "acct";
    job.context.source = "src";
    jobs->add_job(job);
    config.jobs = jobs;
    config.task_attempts = 3;
    config.retry_base = 100ms;
  }
  ~coordinator_test() override {
    if (coord) caf::anon_send_exit(coord, caf::exit_reason::user_shutdown);
    sched.run();
  }
  static caf::actor_system_config& configure(caf::actor_system_config& c) {
    c.add_message_types<caf::id_block::quarry>();
    c.set("scheduler.policy", caf::atom("testing"));
    c.set("logger.console", caf::atom("none"));
    return c;
  }

  void spawn() { coord = spawn_coordinator(sys, config); }
  fake_worker worker(std::string name) { return fake_worker{sys, coord, std::move(name)}; }

  void start(const std::string& run, const std::string& job = "j") {
    starter->send(coord, start_run_atom_v, run_request{job_id{job}, run_id{run}});
  }
  // Delivers what is queued; then the summary of a run that ended, if one did.
  std::optional<run_summary> summary() {
    sched.run();
    starter_box.drain(starter);
    if (starter_box.summaries.empty()) return std::nullopt;
    auto s = std::move(starter_box.summaries.front());
    starter_box.summaries.pop_front();
    return s;
  }
  // Starts `run` and plans it on `w`: streams a and b, one child each.
  void start_planned(fake_worker& w, const std::string& run) {
    start(run);
    w.plan(take(w), {declared("a"), declared("b")}, {child("a"), child("b")});
    sched.run();
  }
  // Pulls for `w` and returns the task it got (a failure if none came).
  task take(fake_worker& w) {
    w.pull();
    sched.run();
    return w.next_task();
  }
  void advance(caf::timespan t) {
    sched.advance_time(t);
    sched.run();
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::scoped_actor starter;
  inbox starter_box;
  std::shared_ptr<actors::job_directory> jobs;
  coordinator_config config;
  coordinator_handle coord;
};

// -- pull ---------------------------------------------------------------------

TEST_F(coordinator_test, a_pull_is_answered_only_once_a_task_exists) {
  spawn();
  auto w = worker("w1");
  w.pull();
  sched.run();
  EXPECT_FALSE(w.assignment()) << "a pull with nothing queued must wait";

  start("r1");
  sched.run();
  auto a = w.assignment();
  ASSERT_TRUE(a) << "the waiting pull gets the run's plan task";
  EXPECT_FALSE(a->shutdown);
  EXPECT_NE(a->work.id, 0u);
  EXPECT_EQ(a->work.kind, task_kind::plan);
  EXPECT_EQ(a->work.run, run_id{"r1"});
  EXPECT_EQ(a->work.job, job_id{"j"});
  EXPECT_EQ(a->work.account, account_id{"acct"});
  EXPECT_EQ(a->work.source, "src");
  EXPECT_EQ(a->work.attempt, 1u);
}

TEST_F(coordinator_test, a_try_pull_answers_at_once_and_only_known_workers_get_tasks) {
  spawn();
  auto w = worker("w1");
  w.try_pull();
  sched.run();
  auto none = w.assignment();
  ASSERT_TRUE(none) << "a try-pull is answered even when nothing is queued";
  EXPECT_FALSE(none->shutdown);
  EXPECT_EQ(none->work.id, 0u);

  start("r1");
  sched.run();
  w.try_pull();  // w never pulled, so the coordinator does not know (or monitor) it
  sched.run();
  auto still_none = w.assignment();
  ASSERT_TRUE(still_none);
  EXPECT_EQ(still_none->work.id, 0u);

  auto known = worker("w2");
  const task plan = take(known);
  known.plan(plan, {declared("a")}, {child("a")});
  sched.run();
  known.try_pull();
  sched.run();
  auto a = known.assignment();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->work.stream, stream_name{"a"}) << "a known worker's try-pull takes a ready task";
}

// -- children -----------------------------------------------------------------

TEST_F(coordinator_test, a_plans_children_are_queued_with_their_streams_and_bookmarks) {
  spawn();
  auto w = worker("w1");
  start("r1");
  const task plan = take(w);
  w.plan(plan, {declared("a"), declared("b"), declared("c")},
         {child("a", "p1"), child("a", "p1"), child("b", "", {"c"})},
         {{"a", "p1", R"({"since":"2026-01-01"})"}});
  sched.run();

  const task a = take(w);
  EXPECT_EQ(a.stream, stream_name{"a"});
  EXPECT_EQ(a.partition, "p1");
  EXPECT_EQ(a.bookmark, R"({"since":"2026-01-01"})") << "the plan's committed bookmark";
  ASSERT_EQ(a.streams.size(), 1u);
  EXPECT_EQ(a.streams[0].name, "a");
  EXPECT_NE(a.id, plan.id);

  auto w2 = worker("w2");
  const task b = take(w2);
  EXPECT_EQ(b.stream, stream_name{"b"});
  EXPECT_TRUE(b.bookmark.empty());
  ASSERT_EQ(b.streams.size(), 2u) << "its own stream, then those it emits";
  EXPECT_EQ(b.streams[0].name, "b");
  EXPECT_EQ(b.streams[1].name, "c");

  auto w3 = worker("w3");
  w3.pull();
  sched.run();
  EXPECT_FALSE(w3.assignment()) << "the second (a, p1) was dropped: a partition is queued once";
}

TEST_F(coordinator_test, the_summary_waits_for_every_child) {
  spawn();
  auto w1 = worker("w1");
  auto w2 = worker("w2");
  start_planned(w1, "r1");
  EXPECT_FALSE(summary()) << "the plan is done, its children are not";

  w1.pull();
  w2.pull();
  sched.run();
  const task a = w1.next_task();
  const task b = w2.next_task();
  w1.report(a);
  sched.run();
  EXPECT_FALSE(summary()) << "b is still running";

  // A child that finishing work spawned is waited for too.
  w2.spawned(b, {child("b", "more")});
  w2.report(b);
  sched.run();
  EXPECT_FALSE(summary()) << "b's own child is still queued";
  const task more = take(w1);
  EXPECT_EQ(more.partition, "more");
  w1.report(more);
  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, run_outcome::succeeded);
  EXPECT_EQ(stream_names(*s), (std::vector<std::string>{"a", "b"})) << "no (plan) stream";
  EXPECT_EQ(stream_of(*s, "b").tasks, 2u);
}

// -- retry --------------------------------------------------------------------

TEST_F(coordinator_test, a_failed_task_is_requeued_after_its_backoff_from_its_bookmark) {
  spawn();
  auto w = worker("w1");
  start_planned(w, "r1");
  const task a = take(w);
  ASSERT_EQ(a.stream, stream_name{"a"});
  w.fail(a, error_kind::retriable, "timed out", R"({"at":1})");
  const task b = take(w);
  ASSERT_EQ(b.stream, stream_name{"b"}) << "b goes on while a waits";
  w.report(b);
  w.pull();
  sched.run();
  EXPECT_FALSE(w.assignment()) << "a waits for its backoff";

  // The first backoff is retry_base (100 ms) with jitter: 50 to 100 ms.
  advance(49ms);
  EXPECT_FALSE(w.assignment()) << "not before half the base backoff";
  advance(51ms);
  auto retried = w.assignment();
  ASSERT_TRUE(retried) << "re-queued once the backoff elapsed";
  EXPECT_EQ(retried->work.id, a.id);
  EXPECT_EQ(retried->work.stream, stream_name{"a"});
  EXPECT_EQ(retried->work.attempt, 2u);
  EXPECT_EQ(retried->work.bookmark, R"({"at":1})") << "resumes from the last commit";
  EXPECT_FALSE(summary());

  w.report(retried->work, task_outcome::done, {{"a", 4}});
  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, run_outcome::succeeded);
  EXPECT_EQ(stream_of(*s, "a").status, stream_status::ok);
  EXPECT_EQ(stream_of(*s, "a").tasks, 1u) << "a retried task counts once";
  EXPECT_TRUE(s->errors.empty());
}

TEST_F(coordinator_test, a_retry_waits_at_least_what_the_server_asked) {
  spawn();
  auto w = worker("w1");
  start_planned(w, "r1");
  const task a = take(w);
  w.fail(a, error_kind::rate_limited, "429", {}, 2.0);
  w.report(take(w));  // b
  w.pull();
  sched.run();
  advance(1999ms);
  EXPECT_FALSE(w.assignment()) << "Retry-After: 2 s, longer than the backoff";
  advance(1ms);
  auto retried = w.assignment();
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->work.id, a.id);
}

TEST_F(coordinator_test, a_task_failing_every_attempt_fails_only_its_stream) {
  config.task_attempts = 2;
  spawn();
  auto w = worker("w1");
  start("r1");
  w.plan(take(w), {declared("a"), declared("b")}, {child("a", "p1"), child("b")});
  sched.run();
  const task a = take(w);
  w.fail(a, error_kind::retriable, "boom", {});
  const task b = take(w);
  w.report(b, task_outcome::done, {{"b", 2}});
  w.pull();
  sched.run();
  sched.trigger_timeouts();
  sched.run();
  const task again = w.next_task();
  ASSERT_EQ(again.id, a.id);
  ASSERT_EQ(again.attempt, 2u);
  w.fail(again, error_kind::retriable, "boom", {});
  sched.run();
  EXPECT_FALSE(sched.has_pending_timeout()) << "no third attempt is scheduled";

  auto s = summary();
  ASSERT_TRUE(s) << "given up after task_attempts";
  EXPECT_EQ(s->outcome, run_outcome::failed);
  const auto sa = stream_of(*s, "a");
  const auto sb = stream_of(*s, "b");
  EXPECT_EQ(sa.status, stream_status::failed);
  EXPECT_EQ(sa.tasks, 1u);
  EXPECT_EQ(sa.tasks_failed, 1u);
  EXPECT_EQ(sa.error, "a [p1]: boom");
  EXPECT_EQ(sb.status, stream_status::ok) << "the other stream is unaffected";
  EXPECT_EQ(sb.records, 2u);
  EXPECT_TRUE(sb.error.empty());
  EXPECT_EQ(s->errors, std::vector<std::string>{"a [p1]: boom"});
}

TEST_F(coordinator_test, a_fatal_error_is_not_retried) {
  spawn();
  auto w = worker("w1");
  start_planned(w, "r1");
  w.fail(take(w), error_kind::fatal, "401 unauthorized");
  w.report(take(w));
  sched.run();
  EXPECT_FALSE(sched.has_pending_timeout());
  auto s = summary();
  ASSERT_TRUE(s) << "the run ends without waiting for a retry";
  EXPECT_EQ(s->outcome, run_outcome::failed);
  EXPECT_EQ(stream_of(*s, "a").status, stream_status::failed);
  EXPECT_EQ(stream_of(*s, "b").status, stream_status::ok);
}

TEST_F(coordinator_test, a_failed_plan_fails_the_run) {
  spawn();
  auto w = worker("w1");
  start("r1");
  w.fail(take(w), error_kind::bad_payload, "plan failed: bad JSON");
  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, run_outcome::failed);
  ASSERT_EQ(stream_names(*s), std::vector<std::string>{"(plan)"});
  EXPECT_EQ(s->streams[0].status, stream_status::failed);
  EXPECT_EQ(s->errors, std::vector<std::string>{"(plan): plan failed: bad JSON"});
}

// -- cancel -------------------------------------------------------------------

TEST_F(coordinator_test, cancelling_a_run_drops_its_queued_tasks_and_stops_its_running_ones) {
  spawn();
  auto w1 = worker("w1");
  auto w2 = worker("w2");
  auto w3 = worker("w3");
  start_planned(w1, "r1");
  const task a = take(w1);  // b stays queued
  start("r2");
  w2.pull();
  sched.run();
  // The queue is FIFO: b of r1 was queued before r2's plan.
  const task b_of_r1 = w2.next_task();
  ASSERT_EQ(b_of_r1.stream, stream_name{"b"});
  w2.report(b_of_r1, task_outcome::done, {{"b", 1}});
  const task plan2 = take(w2);
  ASSERT_EQ(plan2.run, run_id{"r2"});
  w1.spawned(a, {child("a", "p2")});  // queued, then dropped by the cancel
  sched.run();

  starter->send(coord, cancel_atom_v, run_id{"r1"});
  sched.run();
  EXPECT_EQ(w1.cancels(), std::vector<task_id>{a.id}) << "the worker holding r1's task is told";
  EXPECT_TRUE(w2.cancels().empty()) << "r2's worker is not";
  w3.pull();
  sched.run();
  EXPECT_FALSE(w3.assignment()) << "r1's queued task was dropped";
  EXPECT_FALSE(summary()) << "a is still running";

  w1.spawned(a, {child("a", "p3")});
  sched.run();
  EXPECT_FALSE(w3.assignment()) << "a cancelled run takes no new children";

  w1.fail(a, error_kind::cancelled, "cancelled");
  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->run, run_id{"r1"});
  EXPECT_EQ(s->outcome, run_outcome::cancelled);
  EXPECT_EQ(stream_of(*s, "a").status, stream_status::cancelled);
  // b finished before the cancel, but a cancelled run marks every stream
  // that did not fail as cancelled: it cannot tell whether more was to come.
  EXPECT_EQ(stream_of(*s, "b").status, stream_status::cancelled);
  EXPECT_EQ(stream_of(*s, "b").records, 1u);
  EXPECT_FALSE(summary()) << "r2 goes on";

  w2.plan(plan2, {declared("a")}, {child("a")});
  sched.run();
  auto a2 = w3.assignment();
  ASSERT_TRUE(a2) << "r2's children are queued as usual";
  EXPECT_EQ(a2->work.run, run_id{"r2"});
}

TEST_F(coordinator_test, cancelling_a_run_waiting_for_a_retry_ends_it_when_the_backoff_fires) {
  spawn();
  auto w = worker("w1");
  start_planned(w, "r1");
  w.fail(take(w), error_kind::retriable, "timed out");
  w.report(take(w));
  sched.run();
  starter->send(coord, cancel_atom_v, run_id{"r1"});
  sched.run();
  EXPECT_FALSE(summary()) << "the retry is still counted until its timer fires";
  w.pull();
  advance(100ms);
  EXPECT_FALSE(w.assignment()) << "the retry of a cancelled run is dropped, not handed out";
  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, run_outcome::cancelled);
}

TEST_F(coordinator_test, a_leaving_worker_hands_its_task_back_to_another) {
  spawn();
  auto w1 = worker("w1");
  auto w2 = worker("w2");
  start_planned(w1, "r1");
  const task a = take(w1);
  const task b = take(w2);
  w2.report(b);
  w2.pull();
  sched.run();

  starter->send(coord, shutdown_atom_v, worker_id{"w1"});
  sched.run();
  EXPECT_EQ(w1.cancels(), std::vector<task_id>{a.id});
  EXPECT_TRUE(w2.cancels().empty());
  task_result back;
  back.id = a.id;
  back.run = a.run;
  back.worker = w1.id;
  back.outcome = task_outcome::cancelled;
  back.error_kind = error_kind::cancelled;
  back.records = {{"a", 3}};
  back.bookmark = R"({"at":3})";
  w1.report(back);
  sched.run();
  auto resumed = w2.assignment();
  ASSERT_TRUE(resumed) << "the task goes to the waiting worker";
  EXPECT_EQ(resumed->work.id, a.id);
  EXPECT_EQ(resumed->work.bookmark, R"({"at":3})") << "from what the leaving worker committed";
  EXPECT_EQ(resumed->work.attempt, 1u) << "handing back is not a failure";
  w1.try_pull();
  sched.run();
  auto stop = w1.assignment();
  ASSERT_TRUE(stop);
  EXPECT_TRUE(stop->shutdown) << "the leaving worker is told to stop";

  w2.report(resumed->work, task_outcome::done, {{"a", 2}});
  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, run_outcome::succeeded);
  EXPECT_EQ(stream_of(*s, "a").records, 5u) << "records of both workers";
  EXPECT_EQ(stream_of(*s, "a").status, stream_status::ok);
}

TEST_F(coordinator_test, a_leaving_worker_that_pulls_is_told_to_stop_and_its_task_waits) {
  spawn();
  auto w1 = worker("w1");
  start("r1");
  const task plan = take(w1);
  starter->send(coord, shutdown_atom_v, worker_id{"w1"});
  sched.run();
  EXPECT_EQ(w1.cancels(), std::vector<task_id>{plan.id});
  w1.fail(plan, error_kind::cancelled, "cancelled");
  w1.pull();
  sched.run();
  auto stop = w1.assignment();
  ASSERT_TRUE(stop);
  EXPECT_TRUE(stop->shutdown) << "the handed-back plan is not given to the worker that left";
  EXPECT_FALSE(summary());
  auto w2 = worker("w2");
  const task again = take(w2);
  EXPECT_EQ(again.id, plan.id);
  EXPECT_EQ(again.kind, task_kind::plan);
}

TEST_F(coordinator_test, a_leaving_worker_that_pulls_with_nothing_queued_is_told_to_stop_at_once) {
  spawn();
  auto w1 = worker("w1");
  auto w2 = worker("w2");
  start_planned(w1, "r1");
  const task a = take(w1);
  const task b = take(w2);
  starter->send(coord, shutdown_atom_v, worker_id{"w1"});
  sched.run();
  w1.report(a);  // it finished before it saw the cancel
  w1.pull();
  sched.run();
  auto stop = w1.assignment();
  ASSERT_TRUE(stop) << "answered although no task is queued";
  EXPECT_TRUE(stop->shutdown);
  w2.report(b);
  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, run_outcome::succeeded);
}

TEST_F(coordinator_test, shutdown_stops_idle_workers_and_cancels_running_tasks) {
  spawn();
  auto w1 = worker("w1");
  auto w2 = worker("w2");
  start_planned(w1, "r1");
  const task a = take(w1);
  w2.report(take(w2));
  w2.pull();
  sched.run();
  starter->send(coord, shutdown_atom_v);
  sched.run();
  auto stop = w2.assignment();
  ASSERT_TRUE(stop);
  EXPECT_TRUE(stop->shutdown);
  EXPECT_EQ(w1.cancels(), std::vector<task_id>{a.id});
}

// -- a lost worker ------------------------------------------------------------

TEST_F(coordinator_test, a_lost_workers_task_is_retried_by_another_worker) {
  spawn();
  auto w2 = worker("w2");
  start("r1");
  task a;
  {
    auto w1 = worker("w1");
    w1.plan(take(w1), {declared("a")}, {child("a", "p1")});
    a = take(w1);
    ASSERT_EQ(a.stream, stream_name{"a"});
  }  // w1's actor ends: the coordinator gets its down message
  sched.run();
  EXPECT_FALSE(summary());
  w2.pull();
  sched.run();
  auto again = w2.assignment();
  ASSERT_TRUE(again) << "the lost worker's task is queued again";
  EXPECT_EQ(again->work.id, a.id);
  EXPECT_EQ(again->work.partition, "p1");
  EXPECT_EQ(again->work.attempt, 2u);
  EXPECT_EQ(again->work.recover_from, "w1") << "so the next worker fences w1's producer";

  w2.report(again->work, task_outcome::done, {{"a", 1}});
  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, run_outcome::succeeded);
  EXPECT_EQ(stream_of(*s, "a").tasks, 1u);
}

TEST_F(coordinator_test, a_tasks_result_counts_once) {
  spawn();
  auto w = worker("w1");
  start_planned(w, "r1");
  const task a = take(w);
  w.report(a, task_outcome::done, {{"a", 2}});
  w.report(a, task_outcome::done, {{"a", 2}});  // again, or late from a worker thought lost
  EXPECT_FALSE(summary()) << "b is still queued";
  w.report(take(w));
  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(stream_of(*s, "a").records, 2u);
  EXPECT_EQ(stream_of(*s, "a").tasks, 1u);
}

// -- the summary --------------------------------------------------------------

TEST_F(coordinator_test, the_summary_adds_up_records_calls_and_snapshots_per_stream) {
  spawn();
  auto w = worker("w1");
  start("r1");
  w.plan(take(w), {declared("a", true), declared("b")},
         {child("a", "p1"), child("a", "p2"), child("b")});
  sched.run();
  std::vector<task> tasks;
  for (int i = 0; i < 3; ++i) {
    tasks.push_back(take(w));
  }
  auto result = [&](const task& t, std::uint64_t records, std::uint64_t calls,
                    std::int64_t snapshot, std::uint64_t deleted) {
    task_result r;
    r.id = t.id;
    r.run = t.run;
    r.worker = w.id;
    r.records = {{t.stream.str(), records}};
    r.calls = calls;
    r.snapshot_records = snapshot;
    r.snapshot_deleted = deleted;
    return r;
  };
  w.report(result(tasks[0], 3, 2, 3, 1));
  w.report(result(tasks[1], 4, 1, 4, 0));
  w.report(result(tasks[2], 0, 5, -1, 0));
  sched.run();

  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->run, run_id{"r1"});
  EXPECT_EQ(s->job, job_id{"j"});
  EXPECT_EQ(s->source, "src");
  EXPECT_EQ(s->outcome, run_outcome::succeeded);
  EXPECT_GE(s->finished_ms, s->started_ms);
  EXPECT_GT(s->started_ms, 0);
  EXPECT_TRUE(s->errors.empty());
  ASSERT_EQ(stream_names(*s), (std::vector<std::string>{"a", "b"}));
  const auto a = stream_of(*s, "a");
  EXPECT_EQ(a.records, 7u);
  EXPECT_EQ(a.calls, 3u);
  EXPECT_EQ(a.tasks, 2u);
  EXPECT_TRUE(a.full_table);
  EXPECT_EQ(a.snapshots, 2u);
  EXPECT_EQ(a.snapshot_records, 7u);
  EXPECT_EQ(a.snapshot_deleted, 1u);
  EXPECT_FALSE(a.calls_shared);
  EXPECT_EQ(a.status, stream_status::ok);
  const auto b = stream_of(*s, "b");
  EXPECT_EQ(b.records, 0u);
  EXPECT_EQ(b.calls, 5u);
  EXPECT_EQ(b.tasks, 1u);
  EXPECT_FALSE(b.full_table);
  EXPECT_EQ(b.snapshots, 0u) << "snapshot_records -1: no snapshot committed";
  EXPECT_EQ(b.status, stream_status::ok);
}

TEST_F(coordinator_test, a_task_feeding_several_streams_splits_its_calls_by_records) {
  spawn();
  auto w = worker("w1");
  start("r1");
  w.plan(take(w), {declared("export"), declared("x"), declared("y")},
         {child("export", "", {"x", "y"})});
  const task t = take(w);
  ASSERT_EQ(t.streams.size(), 3u);
  w.report(t, task_outcome::done, {{"x", 1}, {"y", 2}}, 10);
  auto s = summary();
  ASSERT_TRUE(s);
  // 10 calls by 1:2 records: 3 and 6, the one left over to the larger remainder (y).
  EXPECT_EQ(stream_of(*s, "x").calls, 3u);
  EXPECT_EQ(stream_of(*s, "y").calls, 7u);
  EXPECT_TRUE(stream_of(*s, "x").calls_shared);
  EXPECT_TRUE(stream_of(*s, "y").calls_shared);
  EXPECT_EQ(stream_of(*s, "x").records, 1u);
  EXPECT_EQ(stream_of(*s, "y").records, 2u);
  EXPECT_EQ(stream_of(*s, "export").tasks, 1u);
  EXPECT_EQ(stream_of(*s, "export").calls, 0u);
}

TEST_F(coordinator_test, the_outcome_is_incomplete_when_a_quota_ran_out_and_failed_beats_it) {
  spawn();
  auto w = worker("w1");
  start_planned(w, "r1");
  w.fail(take(w), error_kind::quota_exhausted, "daily quota spent");
  w.report(take(w));
  sched.run();
  EXPECT_FALSE(sched.has_pending_timeout()) << "a spent quota is not retried in this run";
  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, run_outcome::incomplete);
  EXPECT_EQ(stream_of(*s, "a").status, stream_status::incomplete);
  EXPECT_EQ(stream_of(*s, "a").tasks_resumable, 1u);
  EXPECT_EQ(stream_of(*s, "a").error, "daily quota spent");
  EXPECT_EQ(stream_of(*s, "b").status, stream_status::ok);
  EXPECT_TRUE(s->errors.empty()) << "a spent quota is not an error";

  start_planned(w, "r2");
  w.fail(take(w), error_kind::quota_exhausted, "daily quota spent");
  w.fail(take(w), error_kind::fatal, "403");
  s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, run_outcome::failed);
  EXPECT_EQ(stream_of(*s, "a").status, stream_status::incomplete);
  EXPECT_EQ(stream_of(*s, "b").status, stream_status::failed);
}

TEST_F(coordinator_test, an_unknown_job_or_a_run_already_running_fails_at_once) {
  spawn();
  start("r1", "nope");
  auto s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, run_outcome::failed);
  EXPECT_EQ(s->errors, std::vector<std::string>{"job nope is not configured"});

  start("r1");
  start("r1");
  s = summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->outcome, run_outcome::failed);
  EXPECT_EQ(s->errors, std::vector<std::string>{"run r1 is already running"});
  EXPECT_FALSE(summary()) << "the first r1 still runs";
}

// -- gates and slots ----------------------------------------------------------

TEST_F(coordinator_test, runs_wait_for_the_expected_workers) {
  config.expected_workers = 2;
  spawn();
  auto w1 = worker("w1");
  auto w2 = worker("w2");
  w1.pull();
  start("r1");
  sched.run();
  EXPECT_FALSE(w1.assignment()) << "one of two workers: the run waits";
  w2.pull();
  sched.run();
  auto plan = w1.assignment();
  ASSERT_TRUE(plan) << "the second worker's pull starts it; the first idle worker plans";
  EXPECT_EQ(plan->work.kind, task_kind::plan);
  EXPECT_FALSE(w2.assignment());
}

TEST_F(coordinator_test, join_stores_the_slot_high_water_mark_before_it_answers) {
  caf::scoped_actor slot_log{sys};
  config.slot_log = caf::actor_cast<decltype(config.slot_log)>(slot_log);
  config.remote_slots_stored = 1;
  caf::scoped_actor quota{sys};  // stands for the account's quota actor: only passed on
  jobs->set_quota("acct", caf::actor_cast<decltype(jobs->quota_of("acct"))>(quota));
  spawn();
  caf::scoped_actor joiner{sys};
  inbox box;
  auto answer_log = [&](bool ok) {
    std::uint32_t stored = 0;
    slot_log->receive(
        [&](persisted_atom, std::uint32_t high) -> caf::result<bool> {
          stored = high;
          if (ok) return true;
          return caf::make_error(caf::sec::runtime_error, "disk full");
        },
        caf::after(0s) >> [] {});
    return stored;
  };

  joiner->send(coord, join_atom_v, join_request{"host-a", 2});
  sched.run();
  box.drain(joiner);
  EXPECT_TRUE(box.joins.empty()) << "not answered before the slot log stored r1";
  EXPECT_EQ(answer_log(true), 2u);
  sched.run();
  box.drain(joiner);
  ASSERT_EQ(box.joins.size(), 1u);
  EXPECT_EQ(box.joins[0].slots, (std::vector<worker_id>{worker_id{"r0"}, worker_id{"r1"}}));
  ASSERT_EQ(box.joins[0].quotas.size(), 1u);
  EXPECT_EQ(box.joins[0].quotas[0].account, "acct");
  EXPECT_EQ(box.joins[0].quotas[0].quota.address(), quota->address());

  joiner->send(coord, join_atom_v, join_request{"host-b", 1});
  sched.run();
  EXPECT_EQ(answer_log(false), 3u);
  sched.run();
  box.drain(joiner);
  EXPECT_EQ(box.joins.size(), 1u);
  EXPECT_EQ(box.errors.size(), 1u) << "a slot that was not stored is not handed out";

  joiner->send(coord, join_atom_v, join_request{"host-c", 1});
  sched.run();
  EXPECT_EQ(answer_log(true), 3u) << "r2 was released and is handed out again";
  sched.run();
  box.drain(joiner);
  ASSERT_EQ(box.joins.size(), 2u);
  EXPECT_EQ(box.joins[1].slots, std::vector<worker_id>{worker_id{"r2"}});
}

TEST_F(coordinator_test, a_lost_workers_slot_is_held_until_its_tasks_are_recovered) {
  spawn();  // no slot log: slots are answered at once
  caf::scoped_actor joiner{sys};
  inbox box;
  auto join = [&] {
    joiner->send(coord, join_atom_v, join_request{"host", 1});
    sched.run();
    box.drain(joiner);
    EXPECT_FALSE(box.joins.empty());
    auto slot = box.joins.empty() ? worker_id{} : box.joins.back().slots.at(0);
    box.joins.clear();
    return slot;
  };
  EXPECT_EQ(join(), worker_id{"r0"});
  auto w2 = worker("w2");
  start("r1");
  {
    auto r0 = worker("r0");  // the actor that got slot r0
    r0.plan(take(r0), {declared("a")}, {child("a")});
    ASSERT_EQ(take(r0).stream, stream_name{"a"});
  }  // lost while holding a
  sched.run();
  EXPECT_EQ(join(), worker_id{"r1"}) << "r0's producer may still hold an open transaction";
  const task a = take(w2);
  ASSERT_EQ(a.recover_from, "r0");
  w2.report(a);
  sched.run();
  EXPECT_EQ(join(), worker_id{"r0"}) << "recovered: r0 is free again";
}

} // namespace
} // namespace quarry::coordinator
