#pragma once

// What every end-to-end test of a source needs besides its simulator: the
// time, topic prefixes no other run shares, a started simulator, and the
// committed records of a topic as a read_committed consumer sees them.

#include "kafka/topic_reader.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace quarry::testing {

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

// Committed records of a topic: key -> values in the order seen. With
// `canonical_keys`, keys are re-serialised with sorted fields. Tombstones
// are skipped; unless `deletes_expected`, one fails the test: where nothing
// was deleted at the source, it means a stream declared full-table is not
// read whole (and lost records).
inline std::map<std::string, std::vector<nlohmann::json>> committed(const std::string& topic,
                                                                    bool canonical_keys = false,
                                                                    bool deletes_expected = false) {
  std::map<std::string, std::vector<nlohmann::json>> out;
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

// The bookmark the state topic holds committed for `stream` and `partition`
// (any partition when nullptr): the last one written; null when none.
inline nlohmann::json committed_bookmark(const std::string& prefix, const std::string& stream,
                                         const std::string* partition = nullptr) {
  nlohmann::json out;
  auto st = kafka::read_to_end(kafka_settings(), prefix + "._state", [&](kafka::consumed_message&& m) {
    const auto key = nlohmann::json::parse(m.key, nullptr, false);
    if (m.value && key.is_array() && key.size() == 3 && key[1] == stream &&
        (partition == nullptr || key[2] == *partition)) {
      const auto v = nlohmann::json::parse(*m.value, nullptr, false);
      if (v.is_object() && v.contains("bookmark")) out = v["bookmark"];
    }
  });
  EXPECT_TRUE(st.ok()) << st.error().describe();
  return out;
}

} // namespace quarry::testing
