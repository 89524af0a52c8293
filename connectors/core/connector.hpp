#pragma once

// The connector interface. A connector is plain C++ with no actor code: it
// turns a job and its bookmarks into tasks (`plan`) and executes one task
// (`run`) through a `session`, which offers HTTP through the quota gate,
// emit(record), checkpoint(bookmark), spawn(child task) and cancellation.
// Planning is separate from pulling (Kafka Connect's taskConfigs vs poll).
//
// Both `plan` and `run` execute on worker threads, never on a CAF scheduler
// thread, so they may block.

#include "connectors/core/session.hpp"
#include "connectors/core/stream.hpp"
#include "proto/setting_rule.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quarry::connectors {

// Committed bookmarks of a job, keyed by (stream, partition).
using bookmark_map = std::map<std::pair<std::string, std::string>, nlohmann::json>;

// A source's documented limits: the defaults of its accounts' quota policy.
struct quota_defaults {
  std::int64_t daily_calls = -1;  // -1: unlimited
  std::string time_zone = "UTC";
  int reset_minutes = 0;
  std::vector<std::pair<int, int>> windows;  // (calls, seconds)
  // Windows that bind only the calls of one scope (http::request::quota_scope),
  // on top of `windows`: (scope, (calls, seconds)).
  std::vector<std::pair<std::string, std::pair<int, int>>> scoped_windows;
  int concurrency = -1;
  std::int64_t daily_bytes = -1;
};

// The streams a connector offers as far as they are known without calling
// the API: what a job's selection is checked against at load.
struct offline_catalog {
  // Schemas may lack the columns only the API knows (dynamic_columns).
  std::vector<stream_descriptor> streams;
  // Streams whose columns come from the API (Marketo's leads, from
  // describe.json): their columns are checked when the run plans.
  std::vector<std::string> dynamic_columns;
  // Name globs of streams only the API names (Marketo's activities_*).
  std::vector<std::string> families;
};

class connector {
 public:
  virtual ~connector() = default;

  virtual std::string_view source() const = 0;
  virtual std::vector<credential_rule> credentials() const = 0;  // proto/setting_rule.hpp
  // Every setting it reads from /accounts/<n>/settings (proto/setting_rule):
  // the config validator refuses any other name and any value the rule
  // does not admit, at load.
  virtual std::vector<setting_rule> settings() const = 0;
  virtual quota_defaults default_quota() const = 0;

  // Every stream the account offers, with schemas (may call the API). The
  // default, for a source whose streams are all known offline: catalog().
  virtual result<std::vector<stream_descriptor>> discover(session& s);

  // What discover() would find without calling the API.
  virtual offline_catalog catalog() const = 0;

  // The tasks of one run of the job, resuming from `bookmarks`. The default
  // makes one task per selected stream with its bookmark.
  virtual result<std::vector<task_spec>> plan(session& s, const bookmark_map& bookmarks);

  // Executes one task: emits its records and checkpoints its bookmark.
  virtual status run(const task_spec& task, session& s) = 0;
};

// Makes the connector of a source (nullptr for an unknown one). The runtime
// passes the registry's (connectors/registry.hpp) to whatever needs
// connectors, so nothing else depends on the concrete ones.
using connector_factory = std::function<std::unique_ptr<connector>(std::string_view source)>;

} // namespace quarry::connectors
