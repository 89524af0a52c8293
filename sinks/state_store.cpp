#include "sinks/state_store.hpp"

#include "kafka/producer.hpp"
#include "kafka/topic_reader.hpp"
#include "proto/record.hpp"
#include "sinks/stream_sinks.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>

namespace quarry::sinks {
namespace {

// All live state entries: state key JSON text -> value JSON text.
result<std::map<std::string, std::string>> read_state(const kafka::client_settings& settings,
                                                      const std::string& prefix) {
  std::map<std::string, std::string> live;
  auto st = kafka::read_to_end(settings, contract::state_topic(prefix),
                               [&](kafka::consumed_message&& m) {
                                 if (m.value)
                                   live[m.key] = std::move(*m.value);
                                 else
                                   live.erase(m.key);
                               });
  if (!st) return std::move(st).error();
  return live;
}

} // namespace

result<job_state> load_kafka_state(const kafka::client_settings& settings,
                                   const std::string& prefix, const std::string& job) {
  auto live = read_state(settings, prefix);
  if (!live) return std::move(live).error();
  job_state out;
  for (const auto& [key, value] : *live) {
    auto k = nlohmann::json::parse(key, nullptr, false);
    auto v = nlohmann::json::parse(value, nullptr, false);
    const bool pending = k.is_array() && k.size() == 4 && k[3] == "pending";
    const bool failures = k.is_array() && k.size() == 4 && k[3] == "failures";
    const bool snapshot = k.is_array() && k.size() == 4 && k[3] == "snapshot";
    const char* field = pending ? "pending" : failures ? "failures" : snapshot ? "snapshot" : "bookmark";
    const bool shape_ok = k.is_array() && (k.size() == 3 || pending || failures || snapshot) &&
                          k[0].is_string() &&
                          k[1].is_string() && k[2].is_string() && v.is_object() && v.contains(field);
    if (!shape_ok)
      return make_error(error_kind::bad_payload,
                        "malformed entry in " + contract::state_topic(prefix) + " with key " +
                            key.substr(0, 120));
    if (k[0] != job) continue;
    if (failures) {
      out.failures[k[1].get<std::string>()] = v["failures"].dump();
      continue;
    }
    std::pair where{k[1].get<std::string>(), k[2].get<std::string>()};
    if (snapshot) {
      out.snapshots[where] = v["snapshot"].dump();
      continue;
    }
    auto& table = pending ? out.pending : out.bookmarks;
    table[where] = v[pending ? "pending" : "bookmark"].dump();
    if (const auto run = v.find("run"); run != v.end() && run->is_string())
      (pending ? out.pending_runs : out.bookmark_runs)[where] = run->get<std::string>();
  }
  return out;
}

result<std::size_t> reset_kafka_state(const kafka::client_settings& settings,
                                      const std::string& prefix, const std::string& job,
                                      const std::optional<std::string>& stream) {
  auto live = read_state(settings, prefix);
  if (!live) return std::move(live).error();
  auto p = kafka::producer::create(settings);
  if (!p) return std::move(p).error();
  std::size_t n = 0;
  for (const auto& [key, value] : *live) {
    auto k = nlohmann::json::parse(key, nullptr, false);
    if (!k.is_array() || k.size() < 3 || k[0] != job) continue;
    if (stream && k[1] != *stream) continue;
    // A snapshot says which keys the record topic holds, not how far a
    // stream has read: the run after a reset still deletes what vanished.
    if (k.size() == 4 && k[3] == "snapshot") continue;
    if (auto st = (*p)->produce(contract::state_topic(prefix), key, std::nullopt); !st)
      return std::move(st).error();
    ++n;
  }
  if (auto st = (*p)->flush(); !st) return std::move(st).error();
  if (auto err = (*p)->take_delivery_error()) return make_error(error_kind::retriable, *err);
  return n;
}

job_state load_state_file(const std::string& path) {
  std::ifstream in{path};
  if (!in) throw std::runtime_error("cannot read state file " + path);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("state file " + path + " is not valid JSON: " + e.what());
  }
  if (!doc.is_object() || (doc.contains("bookmarks") && !doc["bookmarks"].is_object()))
    throw std::runtime_error("state file " + path +
                             ": expected a Singer state object {\"bookmarks\": {...}}");
  return job_state_from_singer(doc);
}

} // namespace quarry::sinks
