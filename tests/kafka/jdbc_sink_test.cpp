// A JDBC sink keeps a PostgreSQL table per quarry stream, current and with
// deletes. The real `quarry extract` runs the synthetic source with
// "value_format": "connect_json"; a real Kafka Connect standalone worker
// (scripts/connect) runs Debezium's JDBC sink with
// examples/connect/jdbc-sink.properties (upsert, key from the record key,
// delete.enabled) into a real PostgreSQL (scripts/postgres). The tables must
// hold exactly the source's rows, typed (bigint, timestamp). Then the users
// stream, a full-table snapshot, shrinks at the source: quarry's next run
// writes tombstones for the vanished users, and their rows must go, while
// the upserted rest stays.

#include "sim/synthetic.hpp"
#include "sim/timestamps.hpp"
#include "tests/kafka/connect_worker.hpp"
#include "tests/support/e2e.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>

namespace quarry {
namespace {

using nlohmann::json;
using testing::temp_dir;

// stdout of a shell command and whether it exited 0.
std::pair<bool, std::string> run_command(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return {false, {}};
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) && WEXITSTATUS(status) == 0, out};
}

std::string script(const std::string& name) { return std::string{QUARRY_SOURCE_DIR} + "/scripts/" + name; }

// A PostgreSQL server of the test's own (scripts/postgres), in `dir`, on a
// free port; stopped by the destructor.
class postgres {
 public:
  explicit postgres(const temp_dir& dir) : dir_(dir.file("pg")), sql_(dir.file("query.sql")), port_(testing::free_port()) {
    // Run as root, the server runs as the user postgres, which must reach
    // its directory inside the test's.
    chmod(dir.path().c_str(), 0755);
    const auto [ok, out] = run_command(script("postgres") + " start " + dir_ + " " + std::to_string(port_) + " 2>&1");
    if (!ok) throw std::runtime_error("scripts/postgres start failed: " + out);
  }
  ~postgres() { run_command(script("postgres") + " stop " + dir_ + " 2>&1"); }
  postgres(const postgres&) = delete;
  postgres& operator=(const postgres&) = delete;

  int port() const { return port_; }

  // The JSON value `select` returns (one row, one column); nullopt when the
  // query fails (e.g. the sink has not created the table yet).
  std::optional<json> query(const std::string& select) const {
    FILE* f = std::fopen(sql_.c_str(), "w");
    std::fputs(select.c_str(), f);
    std::fclose(f);
    const auto [ok, out] = run_command(script("postgres") + " psql " + std::to_string(port_) +
                                       " -XAtq -v ON_ERROR_STOP=1 -f " + sql_ + " 2>/dev/null");
    if (!ok) return std::nullopt;
    auto j = json::parse(out, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
  }

  // The rows of `table` as JSON objects ordered by id, date-time columns as
  // milliseconds since the epoch; nullopt while the table does not exist.
  std::optional<json> rows(const std::string& table, const std::vector<std::string>& columns,
                           const std::vector<std::string>& times) const {
    std::string select;
    for (const auto& c : columns) {
      if (!select.empty()) select += ", ";
      const bool time = std::find(times.begin(), times.end(), c) != times.end();
      select += time ? "(extract(epoch from " + c + ") * 1000)::bigint AS " + c : c;
    }
    return query("SELECT coalesce(json_agg(t ORDER BY id), '[]') FROM (SELECT " + select + " FROM " + table +
                 ") t");
  }

 private:
  std::string dir_, sql_;
  int port_;
};

sim::synthetic_options source(int users) {
  sim::synthetic_options o;
  o.accounts = 5;
  o.events_per_account = 4;
  o.users = users;
  return o;
}

std::string make_config(const std::string& prefix, const sim::synthetic_simulator& s) {
  const json cfg = {{"kafka",
                     {{"bootstrap_servers", testing::kafka_bootstrap()},
                      {"topic_prefix", prefix},
                      {"replication_factor", 1},
                      {"value_format", "connect_json"}}},
                    {"accounts",
                     {{"syn",
                       {{"source", "synthetic"},
                        {"endpoint", s.base_url()},
                        {"credentials", {{"api_key", {{"env", "SYN_KEY"}}}}}}}}},
                    {"jobs", json::array({{{"name", "job"}, {"account", "syn"}, {"start_date", "2024-01-01T00:00:00Z"}}})}};
  return cfg.dump(2);
}

void extract(const temp_dir& dir, const std::string& prefix, const sim::synthetic_simulator& s) {
  const auto config = dir.write("quarry.json", make_config(prefix, s));
  testing::quarry_process p{{"extract", "--config", config}, {{"SYN_KEY", s.options().api_key}}, dir};
  const auto r = p.wait(std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

// A stream's table: its columns, those that are date-times, and the column
// types PostgreSQL must report (udt_name).
struct table_spec {
  std::string stream;
  std::vector<std::string> columns, times;
  std::map<std::string, std::string> types;
};

const std::vector<table_spec> tables = {
    {"accounts",
     {"id", "name", "tier", "updated_at", "_quarry_extra"},
     {"updated_at"},
     {{"id", "text"}, {"name", "text"}, {"tier", "text"}, {"updated_at", "timestamp"}, {"_quarry_extra", "hstore"}}},
    {"events",
     {"id", "account_id", "type", "value", "occurred_at", "_quarry_extra"},
     {"occurred_at"},
     {{"id", "text"},
      {"account_id", "text"},
      {"type", "text"},
      {"value", "int8"},
      {"occurred_at", "timestamp"},
      {"_quarry_extra", "hstore"}}},
    {"users",
     {"id", "email", "role", "_quarry_extra"},
     {},
     {{"id", "text"}, {"email", "text"}, {"role", "text"}, {"_quarry_extra", "hstore"}}}};

const std::map<std::string, sim::synthetic_dataset> datasets = {{"accounts", sim::synthetic_dataset::accounts},
                                                                 {"events", sim::synthetic_dataset::events},
                                                                 {"users", sim::synthetic_dataset::users}};

// The rows the table must hold: the source's, ordered by id, date-times in
// milliseconds, nothing in _quarry_extra.
json expected_rows(const table_spec& t, const sim::synthetic_simulator& s) {
  auto served = json::parse(s.dataset_json(datasets.at(t.stream)));
  std::sort(served.begin(), served.end(), [](const json& a, const json& b) { return a["id"] < b["id"]; });
  json out = json::array();
  for (const auto& row : served) {
    json r = json::object();
    for (const auto& c : t.columns) r[c] = row.value(c, json());
    for (const auto& c : t.times) r[c] = *sim::parse_rfc3339_us(row.at(c).get<std::string>()) / 1000;
    out.push_back(std::move(r));
  }
  return out;
}

std::string table_of(const std::string& prefix, const std::string& stream) { return prefix + "_synthetic_" + stream; }

// Polls until every table holds what `source_of` serves, the sink task
// failed, the worker died or 60 s passed; then compares.
void expect_tables(testing::connect_worker& worker, const std::string& name, const postgres& pg,
                   const std::string& prefix, const std::function<const sim::synthetic_simulator&(const std::string&)>& source_of) {
  std::map<std::string, json> expected;
  for (const auto& t : tables) expected[t.stream] = expected_rows(t, source_of(t.stream));
  std::map<std::string, std::optional<json>> actual;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    ASSERT_FALSE(worker.exited()) << worker.diagnostics();
    ASSERT_NE(testing::task_state(worker.status(name)), "FAILED") << worker.status(name).dump(2) << worker.diagnostics();
    bool done = true;
    for (const auto& t : tables) {
      actual[t.stream] = pg.rows(table_of(prefix, t.stream), t.columns, t.times);
      done = done && actual[t.stream] == expected[t.stream];
    }
    if (done || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // polling the database
  }
  for (const auto& t : tables) {
    ASSERT_TRUE(actual[t.stream]) << table_of(prefix, t.stream) << " was not created" << worker.diagnostics();
    EXPECT_EQ(actual[t.stream]->size(), expected[t.stream].size()) << t.stream;
    EXPECT_EQ(*actual[t.stream], expected[t.stream]) << t.stream;
  }
}

TEST(jdbc_sink, upserts_every_record_typed_and_deletes_the_rows_of_tombstones) {
  temp_dir dir;
  const auto [resolved, plugin_path] = run_command(testing::connect_script() + " resolve-jdbc");
  ASSERT_TRUE(resolved) << "scripts/connect resolve-jdbc failed";
  postgres pg{dir};
  auto forty = testing::start_simulator<sim::synthetic_simulator>(source(40));
  auto thirty = testing::start_simulator<sim::synthetic_simulator>(source(30));
  // Table names are the topics' with dots as underscores: no dashes.
  auto prefix = testing::unique_prefix("jdbc", "syn");
  std::replace(prefix.begin(), prefix.end(), '-', '_');

  const auto started = std::chrono::steady_clock::now();
  extract(dir, prefix, *forty);
  if (HasFatalFailure()) return;

  const std::string name = "jdbc-" + prefix;
  testing::connect_worker worker{
      dir,
      {testing::properties("jdbc-sink.properties",
                           {{"name", name},
                            {"topics.regex", "^" + prefix + "\\.[^.]+\\..+"},
                            {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(pg.port()) + "/quarry"}})},
      {{"plugin.path", plugin_path.substr(0, plugin_path.find('\n'))}}};
  expect_tables(worker, name, pg, prefix, [&](const std::string&) -> const sim::synthetic_simulator& { return *forty; });
  if (HasFatalFailure()) return;
  const auto first = std::chrono::steady_clock::now() - started;

  // Typed columns, the key as the primary key.
  for (const auto& t : tables) {
    const auto table = table_of(prefix, t.stream);
    const auto types = pg.query("SELECT json_object_agg(column_name, udt_name) FROM information_schema.columns "
                                "WHERE table_name = '" + table + "'");
    ASSERT_TRUE(types);
    EXPECT_EQ(*types, json(t.types)) << table;
    const auto key = pg.query("SELECT json_agg(a.attname) FROM pg_index i JOIN pg_attribute a ON a.attrelid = "
                              "i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indisprimary AND i.indrelid = '" +
                              table + "'::regclass");
    ASSERT_TRUE(key);
    EXPECT_EQ(*key, json::array({"id"})) << table;
  }

  // Ten users vanish at the source: the next run writes their tombstones
  // (and the thirty others again, upserted over their rows).
  extract(dir, prefix, *thirty);
  if (HasFatalFailure()) return;
  expect_tables(worker, name, pg, prefix, [&](const std::string& stream) -> const sim::synthetic_simulator& {
    return stream == "users" ? *thirty : *forty;
  });
  EXPECT_EQ(testing::task_state(worker.status(name)), "RUNNING") << worker.status(name).dump(2);

  const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cout << "run and sink until every table is complete: " << ms(first)
            << " ms; all, with the shrink: " << ms(std::chrono::steady_clock::now() - started) << " ms\n";
}

} // namespace
} // namespace quarry
