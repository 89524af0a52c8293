// Kafka Connect reads quarry's topics with no glue. The real `quarry
// extract` runs a Marketo and a Constant Contact job against their simulators
// with "value_format": "connect_json"; then one real Kafka Connect standalone
// worker (scripts/connect with the examples/connect files: JsonConverter with
// schemas.enable=true, read_committed) runs FileStreamSink over the record
// topics, and must write one line per committed record, typed:
//
//   Struct{id=123,email=a@b.c,updatedAt=Thu Jan 01 00:00:00 UTC 2026,...}
//
// A Struct prints its non-null fields in schema order; an int64 as digits, a
// Connect Timestamp as a java.util.Date (the JVM runs in UTC) or, with
// "connect_timestamps": "string", as quarry's RFC 3339 text. The test's sink
// also inserts each record's topic, partition and offset (InsertField), so
// every line is matched with the committed record it came from.

#include "kafka/producer.hpp"
#include "kafka/topic_reader.hpp"
#include "sim/constant_contact.hpp"
#include "sim/marketo.hpp"
#include "sim/timestamps.hpp"
#include "tests/kafka/connect_worker.hpp"
#include "tests/support/e2e.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <future>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace quarry {
namespace {

using nlohmann::json;
using testing::connect_worker;
using testing::properties;
using testing::task_state;
using testing::temp_dir;

constexpr std::int64_t day_s = 86'400;
const std::string timestamp_type = "org.apache.kafka.connect.data.Timestamp";
const std::string date_type = "org.apache.kafka.connect.data.Date";

// ---------------------------------------------------------------------------
// The sources and the quarry runs
// ---------------------------------------------------------------------------

// Small accounts with limits wide enough not to be the subject.
sim::marketo_options marketo_account() {
  sim::marketo_options o;
  o.data.leads = 200;
  o.data.activities = 400;
  o.data.campaigns = 10;
  o.data.lists = 4;
  o.data.programs = 20;
  o.data.days = 40;
  o.data.start = testing::unix_now() - 40 * day_s;
  o.rate_calls = 1000;
  o.export_seconds_per_mb = 0;
  return o;
}

sim::constant_contact_options cc_account() {
  sim::constant_contact_options o;
  o.data.contacts = 150;
  o.data.lists = 3;
  o.data.custom_fields = 3;
  o.data.campaigns = 4;
  o.data.recipients = 20;
  o.data.days = 40;
  o.rate_calls = 200;
  return o;
}

struct sources {
  std::unique_ptr<sim::marketo_simulator> mk =
      testing::start_simulator<sim::marketo_simulator>(marketo_account());
  std::unique_ptr<sim::constant_contact_simulator> cc =
      testing::start_simulator<sim::constant_contact_simulator>(cc_account());
  temp_dir dir;
  sources() { dir.write("refresh_token", cc->options().refresh_token + "\n"); }

  testing::env_list secrets() const {
    return {{"MKTO_SECRET", mk->options().client_secret}, {"CC_SECRET", cc->options().client_secret}};
  }
};

// One quarry run: both accounts, one job each, the given streams (null:
// every stream).
struct run {
  std::string prefix;
  std::string timestamps;  // kafka.connect_timestamps
  json mk_streams, cc_streams;
};

std::string make_config(const run& r, const sources& s) {
  const auto& mk = *s.mk;
  const auto& cc = *s.cc;
  json accounts = {
      {"mk",
       {{"source", "marketo"},
        {"endpoint", mk.base_url()},
        {"credentials", {{"client_id", mk.options().client_id}, {"client_secret", {{"env", "MKTO_SECRET"}}}}},
        {"settings", {{"poll_interval_s", 1}}},
        {"quota", {{"windows", {{{"calls", mk.options().rate_calls}, {"seconds", 20}}}}}}}},
      {"cc",
       {{"source", "constant_contact"},
        {"endpoint", cc.base_url()},
        {"credentials",
         {{"client_id", cc.options().client_id},
          {"client_secret", {{"env", "CC_SECRET"}}},
          {"refresh_token", {{"file", s.dir.file("refresh_token")}}}}},
        {"settings", {{"auth_endpoint", cc.base_url()}}},
        {"quota", {{"windows", {{{"calls", cc.options().rate_calls}, {"seconds", 1}}}}}}}}};
  json mk_job = {{"name", "mk"}, {"account", "mk"}, {"start_date", sim::format_rfc3339(testing::unix_now() - 41 * day_s)}};
  json cc_job = {{"name", "cc"},
                 {"account", "cc"},
                 {"start_date", sim::format_rfc3339(cc.http().clock().now_unix_seconds() - 400 * day_s)}};
  if (!r.mk_streams.is_null()) mk_job["streams"] = r.mk_streams;
  if (!r.cc_streams.is_null()) cc_job["streams"] = r.cc_streams;
  json cfg = {{"kafka",
               {{"bootstrap_servers", testing::kafka_bootstrap()},
                {"topic_prefix", r.prefix},
                {"replication_factor", 1},
                {"value_format", "connect_json"},
                {"connect_timestamps", r.timestamps}}},
              {"engine", {{"workers", 4}}},
              {"accounts", accounts},
              {"jobs", json::array({mk_job, cc_job})}};
  return cfg.dump(2);
}

// Record topics of the run's jobs and their streams' JSON Schemas, from the
// catalogs `quarry discover` prints.
std::map<std::string, json> record_topics(const run& r, const std::string& config, const sources& s) {
  std::map<std::string, json> out;
  for (const auto& [job, source] : {std::pair{"mk", "marketo"}, std::pair{"cc", "constant_contact"}})
    for (auto& [stream, schema] : testing::discovered_schemas({"--config", config, "--job", job}, s.secrets()))
      out[r.prefix + "." + source + "." + stream] = std::move(schema);
  return out;
}

// ---------------------------------------------------------------------------
// What Kafka holds
// ---------------------------------------------------------------------------

struct record_id {
  std::string topic;
  int partition = 0;
  std::int64_t offset = 0;
  auto operator<=>(const record_id&) const = default;
};

struct envelope {
  json schema, payload;  // null payload: a tombstone
};

struct committed_record {
  envelope key, value;
};

// An envelope is exactly {"schema": ..., "payload": ...}.
std::optional<envelope> parse_envelope(const std::string& text) {
  const auto j = json::parse(text, nullptr, false);
  if (!j.is_object() || j.size() != 2 || !j.contains("schema") || !j.contains("payload")) return std::nullopt;
  return envelope{j["schema"], j["payload"]};
}

// Every committed record of `topics` (read side by side: each read costs a
// consumer's start); a key or value that is not an envelope fails the test
// (once, with the first example).
std::map<record_id, committed_record> committed_records(const std::map<std::string, json>& topics) {
  std::vector<std::future<std::vector<kafka::consumed_message>>> reads;
  for (const auto& [topic, schema] : topics)
    reads.push_back(std::async(std::launch::async, [topic] {
      std::vector<kafka::consumed_message> out;
      const auto st = kafka::read_to_end(testing::kafka_settings(), topic,
                                         [&](kafka::consumed_message&& m) { out.push_back(std::move(m)); });
      EXPECT_TRUE(st.ok()) << topic << ": " << (st.ok() ? "" : st.error().describe());
      return out;
    }));
  std::map<record_id, committed_record> out;
  std::size_t not_envelopes = 0;
  std::string example;
  for (auto& read : reads)
    for (auto& m : read.get()) {
      auto key = parse_envelope(m.key);
      auto value = m.value ? parse_envelope(*m.value) : envelope{};
      if (!key || !value) {
        if (++not_envelopes == 1) example = m.topic + ": " + (key ? *m.value : m.key).substr(0, 300);
        continue;
      }
      out.emplace(record_id{m.topic, m.partition, m.offset}, committed_record{std::move(*key), std::move(*value)});
    }
  EXPECT_EQ(not_envelopes, 0u) << "keys or values that are not Connect envelopes, e.g. " << example;
  return out;
}

// ---------------------------------------------------------------------------
// The Connect worker
// ---------------------------------------------------------------------------

// A FileStreamSink connector of the test: the example's, on the topics
// `regex` matches, writing to `file`, each record's topic, partition and
// offset inserted as the fields _topic, _partition, _offset.
std::string sink_config(const std::string& name, const std::string& regex, const std::string& file) {
  return properties("file-sink.properties",
                    {{"name", name},
                     {"topics.regex", regex},
                     {"file", file},
                     {"transforms", "where"},
                     {"transforms.where.type", "org.apache.kafka.connect.transforms.InsertField$Value"},
                     {"transforms.where.topic.field", "_topic"},
                     {"transforms.where.partition.field", "_partition"},
                     {"transforms.where.offset.field", "_offset"}});
}

// "^<prefix>\.[^.]+\..+": the record topics of a prefix, as the example's.
std::string topics_of(const std::string& prefix) { return "^" + prefix + "\\.[^.]+\\..+"; }

// The records in a FileStreamSink file: one a line, a line that continues a
// record (a string value holding a newline) joined to it.
std::vector<std::string> sink_records(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in{testing::read_file(path)};
  std::string line;
  while (std::getline(in, line)) {
    if (out.empty() || line.starts_with("Struct{") || line == "null")
      out.push_back(line);
    else
      out.back() += "\n" + line;
  }
  return out;
}

struct sink_line {
  record_id id;
  std::string text;  // the record's Struct, without the inserted fields
};

// Splits ",_topic=T,_partition=P,_offset=O}" off a record's line.
std::optional<sink_line> parse_sink_line(const std::string& line) {
  const auto at = line.rfind(",_topic=");
  const auto part = line.rfind(",_partition=");
  const auto off = line.rfind(",_offset=");
  if (at == std::string::npos || part == std::string::npos || off == std::string::npos || !line.ends_with("}") ||
      !(at < part && part < off))
    return std::nullopt;
  sink_line out;
  out.id.topic = line.substr(at + 8, part - at - 8);
  out.id.partition = std::stoi(line.substr(part + 12, off - part - 12));
  out.id.offset = std::stoll(line.substr(off + 9, line.size() - 1 - off - 9));
  out.text = line.substr(0, at) + "}";
  return out;
}

// ---------------------------------------------------------------------------
// What a line must say
// ---------------------------------------------------------------------------

// java.util.Date#toString in UTC: "Thu Jan 01 00:00:00 UTC 2026".
std::string java_date(std::int64_t millis) {
  const std::time_t seconds = millis >= 0 ? millis / 1000 : -((-millis + 999) / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return text;
}

bool is_timestamp(const json& schema) { return schema.value("name", "") == timestamp_type; }
bool is_date(const json& schema) { return schema.value("name", "") == date_type; }

// How a Struct prints a top-level field's value, for the types whose text is
// certain; nullopt for the others (floats, structs, arrays, maps).
std::optional<std::string> printed(const json& schema, const json& value) {
  if (is_timestamp(schema)) return java_date(value.get<std::int64_t>());
  if (is_date(schema)) return java_date(value.get<std::int64_t>() * day_s * 1000);
  if (schema.contains("name")) return std::nullopt;
  const auto type = schema.value("type", "");
  if (type == "string") return value.get<std::string>();
  if (type == "int8" || type == "int16" || type == "int32" || type == "int64" || type == "boolean")
    return value.dump();
  return std::nullopt;
}

// `text` (a Struct's toString) holds "<name>=<value>" as a field of its own.
bool holds_field(const std::string& text, const std::string& name, const std::optional<std::string>& value) {
  for (const char* before : {"{", ","}) {
    const auto needle = before + name + "=" + value.value_or("");
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      const auto end = at + needle.size();
      if (!value || (end < text.size() && (text[end] == ',' || text[end] == '}'))) return true;
    }
  }
  return false;
}

// A value's payload with every null member dropped, at any depth.
json without_nulls(const json& v) {
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [k, x] : v.items())
      if (!x.is_null()) out[k] = without_nulls(x);
    return out;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const auto& x : v) out.push_back(without_nulls(x));
    return out;
  }
  return v;
}

// The payload Connect's schema makes of a plain record the source served:
// date-times as epoch milliseconds where the schema says Timestamp, dates as
// epoch days where it says Date; nulls dropped.
json expected_payload(const json& schema, const json& plain) {
  if (plain.is_null()) return nullptr;
  if (is_timestamp(schema) || is_date(schema)) {
    const auto us = sim::parse_rfc3339_us(plain.get<std::string>());
    EXPECT_TRUE(us) << plain;
    if (!us) return nullptr;
    return is_date(schema) ? *us / (day_s * 1'000'000) : *us / 1000;
  }
  const auto type = schema.value("type", "");
  if (type == "struct") {
    json out = json::object();
    for (const auto& field : schema["fields"]) {
      const auto name = field["field"].get<std::string>();
      if (!plain.contains(name)) continue;
      auto v = expected_payload(field, plain[name]);
      if (!v.is_null()) out[name] = std::move(v);
    }
    return out;
  }
  if (type == "array") {
    json out = json::array();
    for (const auto& x : plain) out.push_back(expected_payload(schema["items"], x));
    return out;
  }
  return without_nulls(plain);
}

// What differs from the expectation: counted, the first few kept, reported
// once (a wrong envelope differs in every record).
struct differences {
  std::size_t count = 0;
  std::string first;
  void add(const std::string& what) {
    if (++count <= 3) first += "\n" + what;
  }
};

std::string where(const record_id& id) {
  return id.topic + "@" + std::to_string(id.partition) + ":" + std::to_string(id.offset);
}

// The record's schema declares every field its payload has (JsonConverter
// would silently drop the others), and types them all (nothing in quarry's
// catch-all map _quarry_extra: discovery knows every field the simulators
// serve); its line prints each non-null one.
void check_line_prints_payload(const record_id& id, const envelope& value, const std::string& text,
                               differences& out) {
  if (value.schema.value("type", "") != "struct" || !value.payload.is_object())
    return out.add(where(id) + ": not a struct: " + value.schema.dump().substr(0, 200));
  std::map<std::string, json> fields;
  for (const auto& f : value.schema["fields"]) fields[f["field"].get<std::string>()] = f;
  for (const auto& [name, v] : value.payload.items()) {
    const auto f = fields.find(name);
    if (f == fields.end()) {
      out.add(where(id) + ": the payload's field " + name + " is not in the schema");
    } else if (name == "_quarry_extra" && !v.is_null()) {
      out.add(where(id) + ": fields the schema could not type: " + v.dump());
    } else if (!v.is_null() && !holds_field(text, name, printed(f->second, v))) {
      out.add(where(id) + ": " + name + "=" + printed(f->second, v).value_or(v.dump()) + " not in " + text);
    }
  }
}

// Each top-level date-time of the stream's JSON Schema is a Connect
// Timestamp with "logical" timestamps, a string with "string" ones. Returns
// how many it checked.
std::size_t check_date_times_typed(const record_id& id, const envelope& value, const json& json_schema,
                                   const std::string& timestamps, differences& out) {
  std::size_t checked = 0;
  if (!json_schema.contains("properties")) return checked;
  for (const auto& f : value.schema["fields"]) {
    const auto name = f["field"].get<std::string>();
    const auto property = json_schema["properties"].value(name, json::object());
    if (property.value("format", "") != "date-time") continue;
    ++checked;
    const bool typed = timestamps == "logical" ? is_timestamp(f) : f.value("type", "") == "string" && !f.contains("name");
    if (!typed) out.add(where(id) + ": the date-time " + name + " is " + f.dump());
  }
  return checked;
}

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

struct sink_result {
  std::map<record_id, committed_record> committed;
  std::map<record_id, std::string> lines;  // by the record they print
  std::size_t null_lines = 0;
};

// What one sink wrote, matched with what Kafka holds: every committed record
// once, tombstones as "null".
sink_result match(const std::string& file, std::map<record_id, committed_record> committed) {
  sink_result out;
  out.committed = std::move(committed);
  for (const auto& line : sink_records(file)) {
    if (line == "null") {
      ++out.null_lines;
      continue;
    }
    const auto parsed = parse_sink_line(line);
    if (!parsed) {
      ADD_FAILURE() << "a line the sink did not write as configured: " << line.substr(0, 300);
      continue;
    }
    EXPECT_TRUE(out.committed.count(parsed->id)) << "a line of no committed record: " << line.substr(0, 300);
    EXPECT_TRUE(out.lines.emplace(parsed->id, parsed->text).second) << "written twice: " << line.substr(0, 300);
  }
  std::size_t tombstones = 0, missing = 0;
  std::string example;
  for (const auto& [id, r] : out.committed) {
    if (r.value.payload.is_null()) {
      ++tombstones;
    } else if (!out.lines.count(id) && ++missing == 1) {
      example = id.topic + "@" + std::to_string(id.partition) + ":" + std::to_string(id.offset);
    }
  }
  EXPECT_EQ(missing, 0u) << "committed records with no line, e.g. " << example;
  EXPECT_EQ(out.null_lines, tombstones);
  return out;
}

// Records of `topic` by their key's payload `field`.
std::map<std::string, std::pair<record_id, const committed_record*>> by_key(const sink_result& r,
                                                                             const std::string& topic,
                                                                             const std::string& field) {
  std::map<std::string, std::pair<record_id, const committed_record*>> out;
  for (const auto& [id, rec] : r.committed)
    if (id.topic == topic && !rec.value.payload.is_null()) {
      const auto& k = rec.key.payload.at(field);
      out[k.is_string() ? k.get<std::string>() : k.dump()] = {id, &rec};
    }
  return out;
}

// Each row the source served is one record whose payload is the row (typed
// as its schema says), whose line prints the `plain` fields as the source
// served them and the `times` (date-times) as `timestamps` demand: a Date,
// or the source's text.
void expect_rows_delivered(const sink_result& r, const std::string& topic, const json& rows,
                           const std::string& key_field, const std::vector<std::string>& plain,
                           const std::vector<std::string>& times, const std::string& timestamps) {
  SCOPED_TRACE(topic);
  const auto records = by_key(r, topic, key_field);
  ASSERT_EQ(records.size(), rows.size());
  const auto text_of = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  differences differ;
  for (const auto& row : rows) {
    const auto key = key_field + "=" + text_of(row[key_field]);
    const auto it = records.find(text_of(row[key_field]));
    if (it == records.end()) {
      differ.add(key + ": missing");
      continue;
    }
    const auto& [id, rec] = it->second;
    const auto payload = without_nulls(rec->value.payload);
    const auto expected = expected_payload(rec->value.schema, row);
    if (payload != expected) differ.add(key + ": payload " + payload.dump() + "\n  expected " + expected.dump());
    for (const auto& [name, v] : row.items()) {
      bool declared = false;
      for (const auto& f : rec->value.schema["fields"]) declared = declared || f["field"] == name;
      if (!v.is_null() && !declared) differ.add(key + ": the source's field " + name + " is not in the schema");
    }
    const auto& text = r.lines.at(id);
    std::vector<std::pair<std::string, std::string>> want;
    for (const auto& name : plain) want.emplace_back(name, text_of(row.at(name)));
    for (const auto& name : times) {
      const auto served = row.at(name).get<std::string>();
      want.emplace_back(name, timestamps == "string" ? served
                                                     : java_date(sim::parse_rfc3339_us(served).value() / 1000));
    }
    for (const auto& [name, value] : want)
      if (!holds_field(text, name, value)) differ.add(key + ": " + name + "=" + value + " not in " + text);
  }
  EXPECT_EQ(differ.count, 0u) << "rows not delivered as served:" << differ.first;
}

json marketo_dataset(const sim::marketo_simulator& s, const std::string& kind) {
  httplib::Client c{"127.0.0.1", s.port()};
  auto r = c.Get("/_sim/dataset/" + kind + "?offset=0&limit=100000");
  EXPECT_TRUE(r && r->status == 200) << kind;
  return r ? json::parse(r->body) : json::array();
}

TEST(connect_sink, a_standalone_worker_writes_every_record_of_marketo_and_constant_contact_runs_typed) {
  sources s;
  // Every stream with Timestamps; the richest streams with date-times kept
  // as strings.
  const run logical{testing::unique_prefix("connect", "logical"), "logical", nullptr, nullptr};
  const run strings{testing::unique_prefix("connect", "string"), "string", json::array({"leads", "programs"}),
                    json::array({"contacts", "campaigns"})};
  std::map<std::string, std::map<std::string, json>> topics;  // prefix -> topic -> JSON Schema
  const auto runs_started = std::chrono::steady_clock::now();
  for (const auto* r : {&logical, &strings}) {
    const auto config = s.dir.write(r->prefix + ".json", make_config(*r, s));
    testing::quarry_process p{{"extract", "--config", config}, s.secrets(), s.dir};
    const auto result = p.wait(std::chrono::seconds(300));
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
    topics[r->prefix] = record_topics(*r, config, s);
  }
  const auto runs_took = std::chrono::steady_clock::now() - runs_started;

  // A control: a plain JSON value (no envelope) fails its task, so a worker
  // that accepted the runs' records really checked their envelopes.
  const auto control_prefix = testing::unique_prefix("connect", "control");
  {
    auto p = kafka::producer::create(testing::kafka_settings());
    ASSERT_TRUE(p.ok()) << p.error().describe();
    ASSERT_TRUE((*p)->produce(control_prefix + ".plain.json", R"({"id":1})", std::string_view{R"({"id":1})"}).ok());
    ASSERT_TRUE((*p)->flush().ok());
  }

  temp_dir dir;
  const auto name = [&](const run& r) { return "sink-" + r.prefix; };
  const auto file = [&](const run& r) { return dir.file(r.timestamps + ".txt"); };
  const auto control = "sink-" + control_prefix;
  std::map<std::string, std::size_t> expected_lines;
  std::map<std::string, std::map<record_id, committed_record>> committed;
  for (const auto* r : {&logical, &strings}) {
    committed[r->prefix] = committed_records(topics[r->prefix]);
    expected_lines[file(*r)] = committed[r->prefix].size();
    ASSERT_GT(committed[r->prefix].size(), 0u) << r->prefix;
  }
  connect_worker worker{dir,
                        {sink_config(name(logical), topics_of(logical.prefix), file(logical)),
                         sink_config(name(strings), topics_of(strings.prefix), file(strings)),
                         sink_config(control, topics_of(control_prefix), dir.file("control.txt"))}};

  // Wait until each sink wrote a line per committed record and the control
  // failed, or a sink's task failed, or the worker died.
  std::optional<std::chrono::steady_clock::duration> running_after;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  for (;;) {
    ASSERT_FALSE(worker.exited()) << worker.diagnostics();
    const auto now = std::chrono::steady_clock::now();
    bool done = task_state(worker.status(control)) == "FAILED";
    for (const auto* r : {&logical, &strings}) {
      const auto state = task_state(worker.status(name(*r)));
      ASSERT_NE(state, "FAILED") << worker.status(name(*r)).dump(2) << worker.diagnostics();
      if (state == "RUNNING" && !running_after) running_after = now - worker.started();
      done = done && sink_records(file(*r)).size() >= expected_lines[file(*r)];
    }
    if (done) break;
    ASSERT_LT(now, deadline) << "within 90 s the sinks did not write every record or the control's task did not fail"
                             << worker.status(control).dump(2) << worker.diagnostics();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling the worker
  }
  const auto all_took = std::chrono::steady_clock::now() - worker.started();
  const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cout << "quarry runs " << ms(runs_took) << " ms; worker task RUNNING after "
            << (running_after ? ms(*running_after) : -1) << " ms; every line written after " << ms(all_took)
            << " ms\n";

  EXPECT_NE(worker.status(control).dump().find("schemas.enable"), std::string::npos)
      << worker.status(control).dump(2);

  for (const auto* r : {&logical, &strings}) {
    SCOPED_TRACE(r->timestamps);
    const auto status = worker.status(name(*r));
    EXPECT_EQ(status["connector"]["state"], "RUNNING") << status.dump(2);
    EXPECT_EQ(task_state(status), "RUNNING") << status.dump(2);
    const auto result = match(file(*r), committed[r->prefix]);
    std::map<std::string, std::size_t> per_topic;
    differences differ;
    std::size_t date_times = 0;
    for (const auto& [id, rec] : result.committed) {
      ++per_topic[id.topic];
      const auto line = result.lines.find(id);
      if (line != result.lines.end()) check_line_prints_payload(id, rec.value, line->second, differ);
      if (!rec.value.payload.is_null())
        date_times += check_date_times_typed(id, rec.value, topics[r->prefix].at(id.topic), r->timestamps, differ);
    }
    EXPECT_GT(date_times, result.committed.size()) << "most records have date-times";
    EXPECT_EQ(differ.count, 0u) << "lines that do not print their record:" << differ.first;
    std::cout << r->timestamps << ": " << result.committed.size() << " records in " << per_topic.size()
              << " topics\n";

    // Field for field against the simulators' datasets.
    const auto mk = [&](const std::string& stream) { return r->prefix + ".marketo." + stream; };
    const auto cc = [&](const std::string& stream) { return r->prefix + ".constant_contact." + stream; };
    expect_rows_delivered(result, mk("leads"), marketo_dataset(*s.mk, "leads"), "id", {"id", "email"},
                          {"createdAt", "updatedAt"}, r->timestamps);
    expect_rows_delivered(result, cc("contacts"), json::parse(s.cc->dataset_json("contacts")), "contact_id",
                          {"contact_id"}, {"created_at", "updated_at"}, r->timestamps);
    expect_rows_delivered(result, cc("campaigns"), json::parse(s.cc->dataset_json("campaigns")), "campaign_id",
                          {"campaign_id", "name", "current_status"}, {"created_at", "updated_at"}, r->timestamps);
    if (r == &logical) {
      EXPECT_GE(per_topic.size(), 10u) << "activities of several types, programs, campaigns, reports";
      for (const auto& topic : {mk("programs"), mk("campaigns"), cc("sends"), cc("campaign_activities")})
        EXPECT_GT(per_topic[topic], 0u) << topic;
    }
  }
}

} // namespace
} // namespace quarry
