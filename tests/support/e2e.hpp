#pragma once

// What every end-to-end test of a source needs besides its simulator: the
// time, topic prefixes no other run shares, a started simulator and its
// readings, calls to its /_sim/ control API and its call counts, the job
// config, the run summary, and the committed records and state as a
// read_committed consumer sees them. A source's e2e test keeps only what is
// its own: its options, credentials, topic names and keys.

#include "kafka/topic_reader.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

namespace quarry::testing {

constexpr std::int64_t day_s = 86'400;

// key text -> the values committed under it, in the order seen.
using records_by_key = std::map<std::string, std::vector<nlohmann::json>>;

inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "t<pid>-<tag>-<stem>-<clock>": unique per process and call.
inline std::string unique_prefix(const std::string& tag, const std::string& stem) {
  return "t" + std::to_string(getpid()) + "-" + tag + "-" + stem + "-" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
}

template <class Simulator, class Options>
std::unique_ptr<Simulator> start_simulator(Options o) {
  auto s = std::make_unique<Simulator>(std::move(o));
  s->start();
  return s;
}

// Switches a running simulator's reading of what the vendor's docs leave
// open; an unknown name or value fails the test.
template <class Simulator>
void set_reading(Simulator& s, const std::string& name, const std::string& value) {
  ASSERT_TRUE(s.http().set_reading(name, value)) << name << "=" << value;
}

// Each of `readings` ({"name": "value", ...}) as set_reading.
template <class Simulator>
void set_readings(Simulator& s, const nlohmann::json& readings) {
  for (const auto& [name, value] : readings.items()) set_reading(s, name, value.template get<std::string>());
}

// API calls the simulator has answered so far (its /_sim/stats), by path
// template (REST) or by operation (SOAP); 0 for none.
template <class Simulator>
std::int64_t calls_to(const Simulator& s, const std::string& path) {
  const auto stats = s.http().stats();
  const auto it = stats.calls_by_path.find(path);
  return it == stats.calls_by_path.end() ? 0 : it->second;
}

template <class Simulator>
std::int64_t calls_of(const Simulator& s, const std::string& operation) {
  const auto stats = s.http().stats();
  const auto it = stats.calls_by_operation.find(operation);
  return it == stats.calls_by_operation.end() ? 0 : it->second;
}

// A call to the /_sim/ control API of the simulator on loopback `port`
// ("GET", or "POST" with `body`): the answer's JSON. Anything but a 200
// fails the test; no answer is null.
nlohmann::json sim_control(int port, const std::string& method, const std::string& path,
                           const nlohmann::json& body = nlohmann::json::object());

template <class Simulator>
nlohmann::json control(const Simulator& s, const std::string& method, const std::string& path,
                       const nlohmann::json& body = nlohmann::json::object()) {
  return sim_control(s.port(), method, path, body);
}

template <class Simulator>
nlohmann::json get_json(const Simulator& s, const std::string& path) {
  return sim_control(s.port(), "GET", path);
}

template <class Simulator>
nlohmann::json post_json(const Simulator& s, const std::string& path, const nlohmann::json& body) {
  return sim_control(s.port(), "POST", path, body);
}

// The config of one account and one job on it, both named `name`, writing
// under topic prefix `prefix` to the test broker: `job` gets its name and
// account filled in.
nlohmann::json one_job_config(const std::string& prefix, const std::string& name, const nlohmann::json& account,
                              nlohmann::json job, const nlohmann::json& engine = {{"workers", 4}});

// Records per stream of a run, from the summary `quarry extract` prints on
// stdout (a stream's last row when several runs printed one).
std::map<std::string, std::int64_t> summary_records(const std::string& out);

// Committed records of a topic: key -> values in the order seen. With
// `canonical_keys`, keys are re-serialised with sorted fields. Tombstones
// are skipped; unless `deletes_expected`, one fails the test: where nothing
// was deleted at the source, it means a stream declared full-table is not
// read whole (and lost records).
inline records_by_key committed(const std::string& topic, bool canonical_keys = false,
                                bool deletes_expected = false) {
  records_by_key out;
  auto st = kafka::read_to_end(kafka_settings(), topic, [&](kafka::consumed_message&& m) {
    if (!m.value) {
      if (!deletes_expected)
        ADD_FAILURE() << topic << ": a tombstone for " << m.key << " although nothing was deleted";
      return;
    }
    out[canonical_keys ? nlohmann::json::parse(m.key).dump() : m.key].push_back(nlohmann::json::parse(*m.value));
  });
  EXPECT_TRUE(st.ok()) << topic << ": " << st.error().describe();
  return out;
}

// committed() of the topics "<prefix>.<source>.<stream>" of `streams`, by
// stream, read at once (each read waits for its partitions).
std::map<std::string, records_by_key> committed_streams(const std::string& prefix, const std::string& source,
                                                        const std::vector<std::string>& streams);

// Checks each of one stream's records against `schema`; the first that
// does not fit fails the test (naming the stream, key, problem and record)
// and ends the check. Returns how many records fit.
std::size_t expect_records_fit(const std::string& stream, const nlohmann::json& schema,
                               const records_by_key& records);

// The schema `quarry discover <args>` declares for each stream, by stream id;
// `env` carries the credentials the config names.
inline std::map<std::string, nlohmann::json> discovered_schemas(std::vector<std::string> args, const env_list& env) {
  args.insert(args.begin(), "discover");
  const auto r = run_quarry(args, env, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::map<std::string, nlohmann::json> out;
  const auto catalog = nlohmann::json::parse(r.out, nullptr, false);
  if (catalog.is_discarded() || !catalog.contains("streams")) {
    ADD_FAILURE() << "discover printed no catalog: " << r.out.substr(0, 200);
    return out;
  }
  for (const auto& entry : catalog["streams"]) out[entry["tap_stream_id"].get<std::string>()] = entry["schema"];
  return out;
}

// The committed messages of the state topic (prefix + "._state") in the
// order read: each key parsed, with its value parsed (null for a tombstone).
std::vector<std::pair<nlohmann::json, nlohmann::json>> state_messages(const std::string& prefix);

// The bookmark the state topic holds committed for `stream` and `partition`
// (any partition when nullptr): the last one written; null when none.
inline nlohmann::json committed_bookmark(const std::string& prefix, const std::string& stream,
                                         const std::string* partition = nullptr) {
  nlohmann::json out;
  for (const auto& [key, value] : state_messages(prefix))
    if (!value.is_null() && key.is_array() && key.size() == 3 && key[1] == stream &&
        (partition == nullptr || key[2] == *partition) && value.is_object() && value.contains("bookmark"))
      out = value["bookmark"];
  return out;
}

} // namespace quarry::testing
