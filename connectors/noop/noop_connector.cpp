#include "connectors/noop/noop_connector.hpp"

namespace quarry::connectors {
namespace {

class noop_connector final : public connector {
 public:
  std::string_view source() const override { return "noop"; }
  std::vector<credential_rule> credentials() const override { return {}; }
  std::vector<setting_rule> settings() const override {
    return {integer_setting("tasks", 0, 10'000'000, 1000, "tasks one run plans"),
            integer_setting("records_per_task", 0, 10'000'000, 0, "records each task emits")};
  }
  quota_defaults default_quota() const override { return {}; }

  offline_catalog catalog() const override {
    return {std::vector<stream_descriptor>{
        {"items", {"id"}, replication_method::full_table, "",
         {{"type", "object"},
          {"properties", {{"id", {{"type", "string"}}}, {"n", {{"type", "integer"}}}}}}}},
            {},
            {}};
  }

  result<std::vector<task_spec>> plan(session& s, const bookmark_map&) override {
    auto streams = discover(s);
    s.declare(streams->front());
    const int n = s.job().settings.value("tasks", 1000);
    std::vector<task_spec> tasks;
    tasks.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      task_spec t;
      t.stream = "items";
      t.partition = std::to_string(i);
      tasks.push_back(std::move(t));
    }
    return tasks;
  }

  status run(const task_spec& task, session& s) override {
    const int n = s.job().settings.value("records_per_task", 0);
    for (int i = 0; i < n; ++i) {
      nlohmann::json record = {{"id", task.partition + "-" + std::to_string(i)}, {"n", i}};
      if (auto st = s.emit("items", record); !st) return st;
    }
    return {};
  }
};

} // namespace

std::unique_ptr<connector> make_noop_connector() { return std::make_unique<noop_connector>(); }

} // namespace quarry::connectors
