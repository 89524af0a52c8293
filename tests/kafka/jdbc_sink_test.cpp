// A JDBC sink keeps a PostgreSQL table per quarry stream, current and with
// deletes. The real `quarry extract` writes with "value_format":
// "connect_json" and "connect_nested": "json" (the example's setup); a real
// Kafka Connect standalone worker (scripts/connect) runs Debezium's JDBC
// sink with examples/connect/jdbc-sink.properties
// (upsert, key from the record key, delete.enabled) into a real PostgreSQL
// of the test's own (scripts/postgres).
//
// - Synthetic source: the tables hold exactly the source's rows, typed
//   (bigint, timestamp, hstore), keyed by id. Then the users stream, a
//   full-table snapshot, shrinks at the source: quarry's next run writes
//   tombstones for the vanished users, whose rows must go, while the rest,
//   written again, are upserted.
// - Marketo and Constant Contact: every stream's table holds exactly the
//   live records of its topic (the last of each key, unless a tombstone),
//   field for field, each column of the type its Connect field maps to; a
//   top-level object or array is a json column holding the payload's JSON
//   text exactly, and Constant Contact contacts' email_address and
//   custom_fields equal what the simulator served.

#include "kafka/topic_reader.hpp"
#include "sim/constant_contact.hpp"
#include "sim/marketo.hpp"
#include "sim/synthetic.hpp"
#include "sim/timestamps.hpp"
#include "tests/kafka/connect_worker.hpp"
#include "tests/support/e2e.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
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
  explicit postgres(const temp_dir& dir)
      : dir_(dir.file("pg")), sql_(dir.file("query.sql")), port_(testing::free_port()) {
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
    if (f == nullptr) return std::nullopt;
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
                      {"value_format", "connect_json"},
                      {"connect_nested", "json"}}},
                    {"accounts",
                     {{"syn",
                       {{"source", "synthetic"},
                        {"endpoint", s.base_url()},
                        {"credentials", {{"api_key", {{"env", "SYN_KEY"}}}}}}}}},
                    {"jobs",
                     json::array({{{"name", "job"}, {"account", "syn"}, {"start_date", "2024-01-01T00:00:00Z"}}})}};
  return cfg.dump(2);
}

void extract(const temp_dir& dir, const std::string& config, const testing::env_list& env) {
  testing::quarry_process p{{"extract", "--config", dir.write("quarry.json", config)}, env, dir};
  const auto r = p.wait(std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

void extract(const temp_dir& dir, const std::string& prefix, const sim::synthetic_simulator& s) {
  extract(dir, make_config(prefix, s), {{"SYN_KEY", s.options().api_key}});
}

// The test's connector: the example's, on the record topics of `prefix`,
// writing to `pg`.
std::string jdbc_sink(const std::string& name, const std::string& prefix, const postgres& pg) {
  return testing::properties("jdbc-sink.properties",
                             {{"name", name},
                              {"topics.regex", "^" + prefix + "\\.[^.]+\\..+"},
                              {"connection.url",
                               "jdbc:postgresql://127.0.0.1:" + std::to_string(pg.port()) + "/quarry"}});
}

// The worker with Debezium's JDBC sink on its plugin path.
std::map<std::string, std::string> jdbc_worker() {
  const auto [resolved, plugin_path] = run_command(testing::connect_script() + " resolve-jdbc");
  EXPECT_TRUE(resolved) << "scripts/connect resolve-jdbc failed";
  return {{"plugin.path", plugin_path.substr(0, plugin_path.find('\n'))}};
}

// A topic prefix of the test whose tables need no quoting (tables are named
// after topics, dots as underscores: no dashes) and whose longest table name,
// <prefix>_constant_contact_campaign_activity_send_history (48 characters
// after the prefix), stays within PostgreSQL's 63 (a longer name is cut by
// PostgreSQL, and then the sink does not find the table it created): at most
// 15 characters for a 4-character stem.
std::string table_prefix(const std::string& stem) {
  return "j" + std::to_string(getpid() % 1000) + "_" + stem + "_" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() / 1000 % 100000);
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

// Why the sink cannot go on ("" while it can): the worker died, the task
// failed, or the sink could not write a record. Debezium's task logs that
// at once but fails only on its next batch, which may never come.
std::string sink_stopped(testing::connect_worker& worker, const std::string& name) {
  if (worker.exited()) return "the worker exited" + worker.diagnostics();
  if (testing::task_state(worker.status(name)) == "FAILED") return worker.status(name).dump(2) + worker.diagnostics();
  const auto log = worker.log();
  if (const auto at = log.find("Failed to process record"); at != std::string::npos)
    return log.substr(at, 2000);
  return {};
}

// Polls until every table holds what `source_of` serves, the sink task
// failed, the worker died or 60 s passed; then compares.
void expect_tables(testing::connect_worker& worker, const std::string& name, const postgres& pg,
                   const std::string& prefix,
                   const std::function<const sim::synthetic_simulator&(const std::string&)>& source_of) {
  std::map<std::string, json> expected;
  for (const auto& t : tables) expected[t.stream] = expected_rows(t, source_of(t.stream));
  std::map<std::string, std::optional<json>> actual;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    ASSERT_EQ(sink_stopped(worker, name), "");
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
  postgres pg{dir};
  auto forty = testing::start_simulator<sim::synthetic_simulator>(source(40));
  auto thirty = testing::start_simulator<sim::synthetic_simulator>(source(30));
  const auto prefix = table_prefix("syn");

  const auto started = std::chrono::steady_clock::now();
  extract(dir, prefix, *forty);
  if (HasFatalFailure()) return;

  const std::string name = "jdbc-" + prefix;
  testing::connect_worker worker{dir, {jdbc_sink(name, prefix, pg)}, jdbc_worker()};
  expect_tables(worker, name, pg, prefix,
                [&](const std::string&) -> const sim::synthetic_simulator& { return *forty; });
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


// ---------------------------------------------------------------------------
// Every stream of Marketo and Constant Contact
// ---------------------------------------------------------------------------

// Column names are the fields' in lower case (the sink does not quote them).
std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// The PostgreSQL type (udt_name) a Connect field schema must get, and the
// expression that reads the column back as the envelope's payload holds it.
std::pair<std::string, std::string> column_of(const json& field) {
  const auto column = lower(field.at("field").get<std::string>());
  const auto type = field.at("type").get<std::string>();
  const auto name = field.value("name", "");
  if (name == "io.debezium.data.Json") return {"json", column + "::text"};  // the text as stored
  if (name == "org.apache.kafka.connect.data.Timestamp")
    return {"timestamp", "(extract(epoch from " + column + ") * 1000)::bigint"};
  if (name == "org.apache.kafka.connect.data.Date") return {"date", "(" + column + " - date '1970-01-01')"};
  static const std::map<std::string, std::string> primitive = {
      {"string", "text"}, {"int64", "int8"}, {"double", "float8"}, {"boolean", "bool"}};
  if (type == "map") return {"hstore", "hstore_to_json(" + column + ")"};
  if (type == "array") return {"_" + primitive.at(field.at("items").at("type").get<std::string>()), column};
  return {primitive.at(type), column};
}

// What one record topic must become: the live records (the last of each key,
// none when it is a tombstone) as rows, keyed by the key's payload.
struct topic_table {
  std::string table;
  std::vector<std::string> key_columns;
  std::map<std::string, std::string> types;        // column -> udt_name
  std::map<std::string, std::string> expressions;  // column -> select expression
  std::map<std::string, json> rows;                // key -> row
};

topic_table expected_table(const std::string& topic) {
  std::map<std::string, std::optional<std::string>> last;
  std::optional<json> value_schema, key_schema;
  const auto st = kafka::read_to_end(testing::kafka_settings(), topic, [&](kafka::consumed_message&& m) {
    last[m.key] = m.value;
    if (m.value && !value_schema) {
      value_schema = json::parse(*m.value)["schema"];
      key_schema = json::parse(m.key)["schema"];
    }
  });
  EXPECT_TRUE(st.ok()) << topic << ": " << (st.ok() ? "" : st.error().describe());
  topic_table t;
  t.table = topic;
  std::replace(t.table.begin(), t.table.end(), '.', '_');
  if (!value_schema) return t;
  std::vector<std::pair<std::string, std::string>> fields;  // field -> column
  for (const auto& f : (*value_schema)["fields"]) {
    const auto field = f["field"].get<std::string>();
    const auto [type, expression] = column_of(f);
    t.types[lower(field)] = type;
    t.expressions[lower(field)] = expression;
    fields.emplace_back(field, lower(field));
  }
  for (const auto& f : (*key_schema)["fields"]) t.key_columns.push_back(lower(f["field"].get<std::string>()));
  for (const auto& [key, value] : last) {
    if (!value) continue;
    const auto payload = json::parse(*value)["payload"];
    json row = json::object();
    for (const auto& [field, column] : fields) row[column] = payload.value(field, json());
    json k = json::array();
    for (const auto& c : t.key_columns) k.push_back(row[c]);
    t.rows[k.dump()] = std::move(row);
  }
  return t;
}

// The table's rows keyed as expected_table's; empty while it does not exist.
std::map<std::string, json> table_rows(const postgres& pg, const topic_table& t) {
  std::string select;
  for (const auto& [column, expression] : t.expressions)
    select += (select.empty() ? "" : ", ") + expression + " AS " + column;
  const auto rows = pg.query("SELECT coalesce(json_agg(t), '[]') FROM (SELECT " + select + " FROM " + t.table + ") t");
  std::map<std::string, json> out;
  if (!rows) return out;
  for (const auto& row : *rows) {
    json k = json::array();
    for (const auto& c : t.key_columns) k.push_back(row[c]);
    out[k.dump()] = row;
  }
  return out;
}

TEST(jdbc_sink, every_stream_of_marketo_and_constant_contact_becomes_a_typed_table) {
  sim::marketo_options mk_options;
  mk_options.data.leads = 100;
  mk_options.data.activities = 200;
  mk_options.data.campaigns = 5;
  mk_options.data.lists = 3;
  mk_options.data.programs = 10;
  mk_options.data.days = 30;
  mk_options.data.start = testing::unix_now() - 30 * 86'400;
  mk_options.rate_calls = 1000;
  mk_options.export_seconds_per_mb = 0;
  sim::constant_contact_options cc_options;
  cc_options.data.contacts = 60;
  cc_options.data.campaigns = 3;
  cc_options.data.recipients = 10;
  cc_options.data.days = 30;
  cc_options.rate_calls = 200;
  auto mk = testing::start_simulator<sim::marketo_simulator>(mk_options);
  auto cc = testing::start_simulator<sim::constant_contact_simulator>(cc_options);
  temp_dir dir;
  postgres pg{dir};
  const auto prefix = table_prefix("mkcc");
  const json config = {
      {"kafka",
       {{"bootstrap_servers", testing::kafka_bootstrap()},
        {"topic_prefix", prefix},
        {"replication_factor", 1},
        {"value_format", "connect_json"},
        {"connect_nested", "json"}}},
      {"engine", {{"workers", 4}}},
      {"accounts",
       {{"mk",
         {{"source", "marketo"},
          {"endpoint", mk->base_url()},
          {"credentials", {{"client_id", mk_options.client_id}, {"client_secret", {{"env", "MKTO_SECRET"}}}}},
          {"settings", {{"poll_interval_s", 1}}},
          {"quota", {{"windows", {{{"calls", mk_options.rate_calls}, {"seconds", 20}}}}}}}},
        {"cc",
         {{"source", "constant_contact"},
          {"endpoint", cc->base_url()},
          {"credentials",
           {{"client_id", cc_options.client_id},
            {"client_secret", {{"env", "CC_SECRET"}}},
            {"refresh_token", {{"file", dir.write("refresh_token", cc_options.refresh_token + "\n")}}}}},
          {"settings", {{"auth_endpoint", cc->base_url()}}},
          {"quota", {{"windows", {{{"calls", cc_options.rate_calls}, {"seconds", 1}}}}}}}}}},
      {"jobs",
       json::array({{{"name", "mk"},
                     {"account", "mk"},
                     {"start_date", sim::format_rfc3339(testing::unix_now() - 31 * 86'400)}},
                    {{"name", "cc"},
                     {"account", "cc"},
                     {"start_date", sim::format_rfc3339(cc->http().clock().now_unix_seconds() - 400 * 86'400)}}})}};
  const testing::env_list secrets = {{"MKTO_SECRET", mk_options.client_secret},
                                     {"CC_SECRET", cc_options.client_secret}};
  const auto started = std::chrono::steady_clock::now();
  extract(dir, config.dump(2), secrets);
  if (HasFatalFailure()) return;

  // Every stream's topic, read side by side (each read costs a consumer's
  // start).
  std::vector<std::future<topic_table>> reads;
  const auto config_path = dir.file("quarry.json");
  for (const auto& [job, source] : {std::pair{"mk", "marketo"}, std::pair{"cc", "constant_contact"}})
    for (const auto& [stream, schema] : testing::discovered_schemas({"--config", config_path, "--job", job}, secrets))
      reads.push_back(std::async(std::launch::async, expected_table, prefix + "." + source + "." + stream));
  std::vector<topic_table> expected;
  for (auto& read : reads) expected.push_back(read.get());
  std::size_t records = 0, json_columns = 0;
  for (const auto& t : expected) {
    records += t.rows.size();
    json_columns += std::count_if(t.types.begin(), t.types.end(), [](const auto& c) { return c.second == "json"; });
  }
  ASSERT_GT(records, 300u);

  const auto extracted = std::chrono::steady_clock::now();
  const std::string name = "jdbc-" + prefix;
  testing::connect_worker worker{dir, {jdbc_sink(name, prefix, pg)}, jdbc_worker()};
  std::map<std::string, std::map<std::string, json>> actual;  // table -> rows
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (bool done = false; !done && std::chrono::steady_clock::now() < deadline;) {
    ASSERT_EQ(sink_stopped(worker, name), "");
    done = true;
    for (const auto& t : expected) done = done && (actual[t.table] = table_rows(pg, t)) == t.rows;
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(500));  // polling the database
  }
  for (const auto& t : expected) {
    SCOPED_TRACE(t.table);
    const auto& rows = actual[t.table];
    EXPECT_EQ(rows.size(), t.rows.size());
    std::size_t differ = 0;
    for (const auto& [key, row] : t.rows) {
      const auto it = rows.find(key);
      if (it == rows.end() || it->second != row)
        if (++differ == 1)
          ADD_FAILURE() << "key " << key << ": " << (it == rows.end() ? "no row" : it->second.dump())
                        << "\n  expected " << row.dump();
    }
    EXPECT_EQ(differ, 0u) << "rows that differ from their record";
    if (t.rows.empty()) continue;
    const auto types = pg.query("SELECT json_object_agg(column_name, udt_name) FROM information_schema.columns "
                                "WHERE table_name = '" + t.table + "'");
    ASSERT_TRUE(types);
    EXPECT_EQ(*types, json(t.types));
  }

  // Constant Contact contacts: email_address and custom_fields are json
  // columns holding the objects the source served.
  std::map<std::string, json> served;
  for (const auto& contact : json::parse(cc->dataset_json("contacts"))) served[contact["contact_id"]] = contact;
  const auto contacts = pg.query("SELECT coalesce(json_agg(t), '[]') FROM (SELECT contact_id, email_address, "
                                 "custom_fields FROM " + prefix + "_constant_contact_contacts) t");
  ASSERT_TRUE(contacts);
  ASSERT_FALSE(contacts->empty());
  for (const auto& row : *contacts) {
    const auto it = served.find(row["contact_id"].get<std::string>());
    ASSERT_NE(it, served.end()) << row.dump();
    EXPECT_TRUE(row["email_address"].is_object() && row["email_address"].contains("address")) << row.dump();
    EXPECT_EQ(row["email_address"], it->second["email_address"]);
    EXPECT_FALSE(row["custom_fields"].empty()) << row.dump();
    EXPECT_EQ(row["custom_fields"], it->second["custom_fields"]);
  }
  const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cout << records << " live records in " << expected.size() << " topics (" << json_columns
            << " json columns); quarry and discover "
            << ms(extracted - started) << " ms, the sink " << ms(std::chrono::steady_clock::now() - extracted)
            << " ms\n";
}

} // namespace
} // namespace quarry
