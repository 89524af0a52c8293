#include "connectors/core/connector.hpp"

namespace quarry::connectors {

const std::string& job_context::credential(std::string_view name) const {
  static const std::string none;
  for (const auto& [k, v] : credentials)
    if (k == name) return v;
  return none;
}

const std::string* job_context::credential_file(std::string_view name) const {
  for (const auto& [k, path] : credential_files)
    if (k == name) return &path;
  return nullptr;
}

result<std::vector<stream_descriptor>> connector::discover(session&) { return catalog().streams; }

result<std::vector<task_spec>> connector::plan(session& s, const bookmark_map& bookmarks) {
  auto streams = discover(s);
  if (!streams) return std::move(streams).error();
  std::vector<task_spec> tasks;
  for (const auto& stream : *streams) {
    if (!s.job().selection.selected(stream)) continue;
    s.declare(stream);
    task_spec t;
    t.stream = stream.name;
    if (auto it = bookmarks.find({stream.name, ""}); it != bookmarks.end()) t.bookmark = it->second;
    tasks.push_back(std::move(t));
  }
  return tasks;
}

} // namespace quarry::connectors

namespace quarry::connectors {

status session::emit_serialized(std::string_view stream, std::string_view, std::string_view record_json) {
  auto record = nlohmann::json::parse(record_json, nullptr, false);
  if (record.is_discarded())
    return make_error(error_kind::bad_payload, std::string{stream} + ": record is not valid JSON");
  return emit(stream, record);
}

status session::tombstone(std::string_view stream, const nlohmann::json&) {
  return make_error(error_kind::fatal,
                    std::string{stream} + ": this session cannot delete records");
}

} // namespace quarry::connectors
