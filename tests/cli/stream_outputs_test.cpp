// `quarry extract --output singer` and `--output jsonl=PATH` against the
// synthetic simulator: the first run emits every record of every stream once;
// each later run (Singer: resumed with --state from the last STATE message;
// JSON lines: from PATH.state.json) emits only the accounts touched and the
// events added since, plus the whole users table (a full-table stream), and
// leaves state holding exactly the bookmark of every stream and partition.

#include "tests/cli/cli_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>

namespace quarry::cli_testing {
namespace {

using nlohmann::json;

// What changes in the API between one run and the next.
struct change_step {
  const char* name;
  int touch_accounts;
  int add_events;
};

constexpr int accounts = 6;

constexpr change_step change_steps[] = {
    {"nothing changed", 0, 0},
    {"two accounts touched", 2, 0},
    {"every account touched and four events added", accounts, 4},
};

// Records of one run, by stream.
using emitted_records = std::map<std::string, records_by_id>;

class stream_outputs : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::synthetic_options o;
    o.seed = 11;
    o.accounts = accounts;
    o.events_per_account = 3;
    o.users = 9;
    sim_ = std::make_unique<sim::synthetic_simulator>(o);
    sim_->start();
    // Kafka is unreachable on purpose: these outputs must not need it.
    config_ = dir_.write("config.json",
                         synthetic_config(sim_->base_url(), unique_prefix("streams"), unused_address())
                             .dump(2));
  }

  process_result extract(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"extract", "--config", config_, "--job", job_name,
                                     "--state-dir", dir_.file("quota")};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_quarry(args, "synthetic-key");
  }

  // A day later on the simulator's clock, so every mutated timestamp is
  // newer than any bookmark.
  sim::synthetic_mutation apply(const change_step& step) {
    sim_->http().clock().advance(std::chrono::hours(24));
    return sim_->mutate(step.touch_accounts, step.add_events);
  }

  // Every record of the simulator, by stream.
  emitted_records everything() const {
    emitted_records out;
    for (const auto& s : synthetic_streams) out[s.stream] = dataset(*sim_, s.dataset);
    return out;
  }

  // What a run after `change` must emit: the touched accounts and added
  // events as they are now, and every user.
  emitted_records changed_by(const sim::synthetic_mutation& change) const {
    const auto all = everything();
    emitted_records out{{"accounts", {}}, {"events", {}}, {"users", all.at("users")}};
    for (const auto& id : change.touched_accounts) out["accounts"][id] = all.at("accounts").at(id);
    for (const auto& id : change.added_events) out["events"][id] = all.at("events").at(id);
    return out;
  }

  // The state after a run that saw every record: the newest updated_at of
  // the accounts, the newest occurred_at of each account's events, and the
  // completed users table; no pending child tasks.
  json expected_state() const {
    const auto all = everything();
    json bookmarks = json::object();
    std::string newest_account;
    for (const auto& [id, a] : all.at("accounts"))
      newest_account = std::max(newest_account, a["updated_at"].get<std::string>());
    bookmarks["accounts"] = {{"updated_at", newest_account}};
    for (const auto& [id, e] : all.at("events")) {
      auto& b = bookmarks["events|" + e["account_id"].get<std::string>()];
      const auto at = e["occurred_at"].get<std::string>();
      if (b.is_null() || b["occurred_at"].get<std::string>() < at) b = {{"occurred_at", at}};
    }
    bookmarks["users"] = {{"full_table_completed", true}};
    return {{"bookmarks", bookmarks}};
  }

  temp_dir dir_;
  std::unique_ptr<sim::synthetic_simulator> sim_;
  std::string config_;
};

// Singer stdout, checked message by message.
struct singer_run {
  emitted_records records;
  std::map<std::string, json> schemas;
  json last_state;
};

singer_run parse_singer(const std::string& out) {
  singer_run run;
  std::map<std::string, std::vector<json>> records;
  for (const auto& m : json_lines(out, "singer stdout")) {
    const auto type = m.value("type", "");
    const auto stream = m.value("stream", "");
    if (type == "SCHEMA") {
      EXPECT_FALSE(records.contains(stream)) << "SCHEMA of " << stream << " after its first RECORD";
      EXPECT_TRUE(run.schemas.emplace(stream, m).second) << "second SCHEMA for " << stream;
    } else if (type == "RECORD") {
      EXPECT_TRUE(run.schemas.contains(stream)) << "RECORD of " << stream << " before its SCHEMA";
      records[stream].push_back(m["record"]);
    } else if (type == "STATE") {
      run.last_state = m["value"];
    } else {
      ADD_FAILURE() << "not a Singer message: " << m.dump();
    }
  }
  for (const auto& s : synthetic_streams)
    run.records[s.stream] = index_by_id(records[s.stream], std::string{"RECORDs of "} + s.stream);
  return run;
}

void expect_records(const emitted_records& expected, const emitted_records& got) {
  for (const auto& s : synthetic_streams) {
    SCOPED_TRACE(s.stream);
    const auto want = expected.at(s.stream);
    const auto it = got.find(s.stream);
    const auto have = it == got.end() ? records_by_id{} : it->second;
    EXPECT_EQ(ids_of(have), ids_of(want));
    EXPECT_EQ(have, want);
  }
}

TEST_F(stream_outputs, singer_first_run_emits_schemas_every_record_and_the_bookmarks) {
  const auto r = extract({"--output", "singer"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto run = parse_singer(r.out);

  for (const auto& s : synthetic_streams) {
    SCOPED_TRACE(s.stream);
    ASSERT_TRUE(run.schemas.contains(s.stream));
    EXPECT_EQ(run.schemas.at(s.stream)["key_properties"], json::array({"id"}));
    EXPECT_EQ(run.schemas.at(s.stream)["schema"]["type"], "object");
  }
  expect_records(everything(), run.records);
  EXPECT_EQ(run.last_state, expected_state());
  // The summary and the logs go to stderr, so stdout stays a Singer stream.
  EXPECT_NE(r.err.find(std::string{"of job "} + job_name + ": succeeded"), std::string::npos) << r.err;
}

TEST_F(stream_outputs, singer_run_resumed_from_state_emits_only_what_changed) {
  auto r = extract({"--output", "singer"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json state = parse_singer(r.out).last_state;

  for (const auto& step : change_steps) {
    SCOPED_TRACE(step.name);
    const auto change = apply(step);
    const auto state_file = dir_.write("state.json", state.dump());
    r = extract({"--output", "singer", "--state", state_file});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto run = parse_singer(r.out);
    expect_records(changed_by(change), run.records);
    EXPECT_EQ(run.last_state, expected_state());
    state = run.last_state;
  }
}

// JSON lines: {"stream", "key", "record"} with key = {"id": record.id}.
emitted_records parse_jsonl(const std::string& text) {
  std::map<std::string, std::vector<json>> records;
  for (const auto& line : json_lines(text, "jsonl output")) {
    EXPECT_EQ(line.size(), 3u) << line.dump();
    EXPECT_EQ(line["key"], (json{{"id", line["record"]["id"]}})) << line.dump();
    records[line.value("stream", "")].push_back(line["record"]);
  }
  emitted_records out;
  for (const auto& [stream, list] : records) out[stream] = index_by_id(list, "jsonl lines of " + stream);
  return out;
}

// The Kafka options (Connect envelopes, compaction) and deletes are Kafka's:
// Singer and JSON lines stay plain JSON, and a full-table stream that
// shrinks just emits the rows it has, with no delete of any kind.
TEST_F(stream_outputs, kafka_value_formats_and_deletes_leave_singer_and_jsonl_unchanged) {
  sim::synthetic_options o;
  o.seed = 11;
  o.accounts = accounts;
  o.events_per_account = 3;
  o.users = 4;  // 9 before
  sim::synthetic_simulator shrunk{o};
  shrunk.start();
  for (const char* format : {"connect_json", "json"}) {
    SCOPED_TRACE(format);
    auto cfg = synthetic_config(sim_->base_url(), unique_prefix("streams"), unused_address());
    cfg["kafka"]["value_format"] = format;
    cfg["kafka"]["compact_record_topics"] = true;
    config_ = dir_.write(std::string{"config-"} + format + ".json", cfg.dump(2));
    const auto path = dir_.file(std::string{"out-"} + format + ".jsonl");
    auto r = extract({"--output", "jsonl=" + path});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto before = testing::read_file(path);
    expect_records(everything(), parse_jsonl(before));
    r = extract({"--output", "singer"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_records(everything(), parse_singer(r.out).records);

    cfg["accounts"]["syn"]["endpoint"] = shrunk.base_url();
    config_ = dir_.write(std::string{"config-"} + format + ".json", cfg.dump(2));
    r = extract({"--output", "jsonl=" + path});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto after = testing::read_file(path).substr(before.size());
    for (const auto& line : json_lines(after, "jsonl output")) {
      EXPECT_TRUE(line["record"].is_object()) << line.dump();
      EXPECT_FALSE(line["record"].contains("schema")) << line.dump();
    }
    EXPECT_EQ(parse_jsonl(after).at("users"), dataset(shrunk, sim::synthetic_dataset::users));
    r = extract({"--output", "singer"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(parse_singer(r.out).records.at("users"), dataset(shrunk, sim::synthetic_dataset::users));
  }
}

TEST_F(stream_outputs, jsonl_appends_every_record_then_only_what_changed) {
  const auto path = dir_.file("out.jsonl");
  const auto state_path = path + ".state.json";

  auto r = extract({"--output", "jsonl=" + path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string before = testing::read_file(path);
  expect_records(everything(), parse_jsonl(before));
  ASSERT_TRUE(std::filesystem::exists(state_path));
  EXPECT_EQ(json::parse(testing::read_file(state_path)), expected_state());
  EXPECT_NE(r.out.find(std::string{"of job "} + job_name + ": succeeded"), std::string::npos) << r.out;

  for (const auto& step : change_steps) {
    SCOPED_TRACE(step.name);
    const auto change = apply(step);
    r = extract({"--output", "jsonl=" + path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string after = testing::read_file(path);
    ASSERT_EQ(after.substr(0, before.size()), before) << "earlier lines changed";
    expect_records(changed_by(change), parse_jsonl(after.substr(before.size())));
    EXPECT_EQ(json::parse(testing::read_file(state_path)), expected_state());
    before = after;
  }
}

} // namespace
} // namespace quarry::cli_testing
