#pragma once

// A Kafka Connect standalone worker of the tests (scripts/connect standalone)
// on the examples/connect files, with the test's broker and ports, and its
// REST status.

#include "tests/kafka/connect_script.hpp"
#include "tests/support/kafka_broker.hpp"
#include "tests/support/quarry_process.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace quarry::testing {

// A .properties value: backslashes escaped.
inline std::string property_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The example file with `set` applied: a key's line replaced, keys it lacks
// appended.
inline std::string properties(const std::string& example, std::map<std::string, std::string> set) {
  std::istringstream in{read_file(std::string{QUARRY_SOURCE_DIR} + "/examples/connect/" + example)};
  std::string out, line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    const auto it = line.starts_with("#") || eq == std::string::npos ? set.end() : set.find(line.substr(0, eq));
    if (it == set.end()) {
      out += line + "\n";
    } else {
      out += it->first + "=" + property_value(it->second) + "\n";
      set.erase(it);
    }
  }
  for (const auto& [k, v] : set) out += k + "=" + property_value(v) + "\n";
  return out;
}

class connect_worker {
 public:
  // Starts the worker on the example's worker file, with `settings` applied
  // over the test's broker, REST port and offsets file, and the given
  // connectors (properties texts).
  connect_worker(const temp_dir& dir, const std::vector<std::string>& connectors,
                 std::map<std::string, std::string> settings = {})
      : port_(free_port()) {
    settings.insert({{"bootstrap.servers", kafka_bootstrap()},
                     {"listeners", "http://127.0.0.1:" + std::to_string(port_)},
                     {"offset.storage.file.filename", dir.file("connect.offsets")}});
    std::vector<std::string> args = {"standalone",
                                     dir.write("worker.properties", properties("worker.properties", settings))};
    for (std::size_t i = 0; i < connectors.size(); ++i)
      args.push_back(dir.write("connector-" + std::to_string(i) + ".properties", connectors[i]));
    process_.emplace(args, dir, "connect");
    started_ = std::chrono::steady_clock::now();
  }

  // GET /connectors/<name>/status; null while the REST server does not answer.
  nlohmann::json status(const std::string& name) const {
    httplib::Client c{"127.0.0.1", port_};
    c.set_connection_timeout(std::chrono::seconds(2));
    auto r = c.Get("/connectors/" + name + "/status");
    if (!r || r->status != 200) return nullptr;
    return nlohmann::json::parse(r->body, nullptr, false);
  }

  bool exited() { return process_->exited(); }
  // The JVM's log.
  std::string log() const { return process_->log(); }
  std::string diagnostics() const {
    const auto log = process_->log();
    return "\n--- worker output ---\n" + process_->output() + "\n--- worker log (last 6000 chars) ---\n" +
           (log.size() > 6000 ? log.substr(log.size() - 6000) : log);
  }
  std::chrono::steady_clock::time_point started() const { return started_; }

 private:
  int port_;
  std::optional<connect_process> process_;
  std::chrono::steady_clock::time_point started_;
};

// "RUNNING", "FAILED", ... of the connector's only task; empty while it has none.
inline std::string task_state(const nlohmann::json& status) {
  if (!status.is_object() || !status.contains("tasks") || status["tasks"].empty()) return {};
  return status["tasks"][0].value("state", "");
}

} // namespace quarry::testing
