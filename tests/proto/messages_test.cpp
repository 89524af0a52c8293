// Every actor message crosses a process boundary: each serializes through
// CAF's binary format, inside a caf::message as the middleman sends it, and
// comes back equal.

#include "proto/messages.hpp"
#include "proto/record.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

namespace quarry {
namespace {

class messages : public ::testing::Test {
 protected:
  static caf::actor_system_config& config() {
    static caf::actor_system_config cfg = [] {
      caf::actor_system_config c;
      c.add_message_types<caf::id_block::quarry>();
      return c;
    }();
    return cfg;
  }
  caf::actor_system system{config()};

  // Serializes `value` wrapped in a message and reads it back.
  template <class T>
  T round_trip(const T& value) {
    caf::message out = caf::make_message(value);
    caf::binary_serializer::container_type buf;
    caf::binary_serializer sink{system, buf};
    auto err = sink(out);
    EXPECT_FALSE(err) << system.render(err);
    caf::message in;
    caf::binary_deserializer source{system, buf};
    err = source(in);
    EXPECT_FALSE(err) << system.render(err);
    EXPECT_TRUE(in.match_elements<T>()) << "type lost in transit";
    return in.get_as<T>(0);
  }
};

task sample_task() {
  task t;
  t.id = 42;
  t.run = run_id{"job-20261123T000000Z-ab12"};
  t.job = job_id{"job"};
  t.account = account_id{"mkto"};
  t.source = "marketo";
  t.kind = task_kind::extract;
  t.stream = stream_name{"activities_1"};
  t.partition = "2026-01-01/2026-02-01";
  t.params = R"({"export_id":"abc"})";
  t.bookmark = R"({"createdAt":"2026-01-01T00:00:00Z"})";
  t.emits = {"activities_2"};
  t.streams = {{"activities_1", {"marketoGUID"}, "0123456789abcdef", "activityDate",
                R"({"type":"object"})", true}};
  t.snapshot = R"({"run":"r0","count":1,"keys":["{\"id\":1}"]})";
  t.attempt = 2;
  t.child = true;
  return t;
}

TEST_F(messages, task_round_trips) {
  const auto t = sample_task();
  EXPECT_EQ(caf::deep_to_string(round_trip(t)), caf::deep_to_string(t));
}

TEST_F(messages, every_message_type_round_trips) {
  task_result res{7, run_id{"r"}, worker_id{"w1"}, task_outcome::resumable, error_kind::quota_exhausted,
                  "daily budget spent", {{"events", 12}}, 3, 1.5, R"({"a":1})", 12, 3};
  EXPECT_EQ(caf::deep_to_string(round_trip(res)), caf::deep_to_string(res));
  child_tasks children{1, run_id{"r"}, {sample_task(), sample_task()}};
  EXPECT_EQ(caf::deep_to_string(round_trip(children)), caf::deep_to_string(children));
  plan_result plan{2, run_id{"r"}, {{"leads", {"id"}, "ff", "updatedAt", "{}", false}},
                   {{"leads", "", R"({"x":1})"}}, {{"lists", "", R"({"count":0})"}}};
  EXPECT_EQ(caf::deep_to_string(round_trip(plan)), caf::deep_to_string(plan));
  task_assignment assign{false, sample_task()};
  EXPECT_EQ(caf::deep_to_string(round_trip(assign)), caf::deep_to_string(assign));
  run_request req{job_id{"j"}, run_id{"r"}};
  EXPECT_EQ(caf::deep_to_string(round_trip(req)), caf::deep_to_string(req));
  quota_acquire acq{account_id{"a"}, "j/s", worker_id{"w"}, true};
  EXPECT_EQ(caf::deep_to_string(round_trip(acq)), caf::deep_to_string(acq));
  quota_grant grant{false, 0, 0, "daily budget spent", 1'795'400'000'000};
  EXPECT_EQ(caf::deep_to_string(round_trip(grant)), caf::deep_to_string(grant));
  quota_release rel{5, call_outcome::throttled, 20.0, 1024};
  EXPECT_EQ(caf::deep_to_string(round_trip(rel)), caf::deep_to_string(rel));
  quota_usage_report usage{4242};
  EXPECT_EQ(caf::deep_to_string(round_trip(usage)), caf::deep_to_string(usage));
  quota_snapshot snap{account_id{"a"}, 1, 2, 3, 4, 5, 6};
  EXPECT_EQ(caf::deep_to_string(round_trip(snap)), caf::deep_to_string(snap));
  run_summary summary{run_id{"r"}, job_id{"j"}, "synthetic", 1, 2, run_outcome::failed,
                      {{"users", 3, 4, 1, 1, 0, stream_status::failed, "GET /v1/users: bad"}}, {"users: bad"}};
  EXPECT_EQ(caf::deep_to_string(round_trip(summary)), caf::deep_to_string(summary));
}

TEST(contract, topic_names_and_state_keys) {
  EXPECT_EQ(contract::records_topic("quarry", "marketo", "leads"), "quarry.marketo.leads");
  EXPECT_EQ(contract::state_topic("p"), "p._state");
  EXPECT_EQ(contract::schemas_topic("p"), "p._schemas");
  EXPECT_EQ(contract::runs_topic("p"), "p._runs");
  EXPECT_EQ(contract::quota_topic("p"), "p._quota");
  EXPECT_EQ(contract::state_key("job", "events", "acc-1"), R"(["job","events","acc-1"])");
  EXPECT_EQ(contract::state_key("j\"x", "s", ""), R"(["j\"x","s",""])");
  EXPECT_EQ(contract::pending_key("job", "events", "acc-1"), R"(["job","events","acc-1","pending"])");
  EXPECT_EQ(contract::snapshot_key("job", "lists", ""), R"(["job","lists","","snapshot"])");
  EXPECT_EQ(contract::fingerprint("{}").size(), 16u);
  EXPECT_NE(contract::fingerprint(R"({"a":1})"), contract::fingerprint(R"({"a":2})"));
}

} // namespace
} // namespace quarry
