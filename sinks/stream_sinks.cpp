#include "sinks/stream_sinks.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>

namespace quarry::sinks {
namespace {

// The single output stream, shared by the sinks of every worker.
struct shared_output {
  std::mutex mutex;
  std::FILE* out = nullptr;
  bool owned = false;
  job_state state;                 // everything committed so far
  std::set<std::string> schemas;   // streams whose SCHEMA went out (Singer)
  std::string state_path;          // JSON lines only

  ~shared_output() {
    if (owned && out) std::fclose(out);
  }

  // Writes the pieces in order, then flushes once.
  status append(std::initializer_list<std::string_view> pieces) {
    for (const auto text : pieces)
      if (!text.empty() && std::fwrite(text.data(), 1, text.size(), out) != text.size())
        return make_error(error_kind::fatal, std::string{"cannot write output: "} + std::strerror(errno));
    if (std::fflush(out) != 0)
      return make_error(error_kind::fatal, std::string{"cannot write output: "} + std::strerror(errno));
    return {};
  }
};

enum class format { singer, jsonl };

class stream_sink final : public record_sink {
 public:
  stream_sink(std::shared_ptr<shared_output> shared, format fmt)
      : shared_(std::move(shared)), format_(fmt) {}

  status open() override { return {}; }

  status write(const record_origin&, const stream_info& info, std::string_view key,
               std::optional<std::string_view> record) override {
    if (!record) return {};  // neither Singer nor these JSON lines carry deletes
    const std::string_view stream = info.name, value = *record;
    if (stream != prefix_stream_) {  // escaped once per stream, not per record
      prefix_stream_ = stream;
      const auto name = nlohmann::json(prefix_stream_).dump();
      prefix_ = format_ == format::singer ? R"({"type":"RECORD","stream":)" + name + R"(,"record":)"
                                          : R"({"stream":)" + name + R"(,"key":)";
    }
    buffer_ += prefix_;
    if (format_ == format::jsonl) {
      buffer_ += key;
      buffer_ += R"(,"record":)";
    }
    buffer_ += value;
    buffer_ += "}\n";
    return {};
  }

  status publish_schema(const record_origin&, std::string_view stream, std::string_view schema,
                        std::string_view, const std::vector<std::string>& key_fields) override {
    if (format_ != format::singer) return {};
    pending_schemas_.push_back({std::string{stream}, std::string{schema}, key_fields});
    return {};
  }

  status commit(const std::vector<task_states>& tasks) override {
    std::lock_guard guard{shared_->mutex};
    std::string text;
    for (const auto& pending : pending_schemas_) {
      if (!shared_->schemas.insert(pending.stream).second) continue;
      nlohmann::json msg = {{"type", "SCHEMA"},
                            {"stream", pending.stream},
                            {"schema", nlohmann::json::parse(pending.schema)},
                            {"key_properties", pending.key_fields}};
      text += msg.dump();
      text += '\n';
    }
    pending_schemas_.clear();
    bool changed = false;
    for (const auto& task : tasks) {
      for (const auto& s : task.updates) {
        const std::pair<std::string, std::string> where{s.stream, s.partition};
        switch (s.what) {
          case state_update::kind::bookmark: shared_->state.bookmarks[where] = s.value; break;
          case state_update::kind::pending_child: shared_->state.pending[where] = s.value; break;
          case state_update::kind::child_done: shared_->state.pending.erase(where); break;
          case state_update::kind::snapshot: break;  // no deletes here: nothing to compare
        }
        changed = true;
      }
    }
    std::string state;
    if (format_ == format::singer && changed) {
      nlohmann::json msg = {{"type", "STATE"}, {"value", singer_state(shared_->state)}};
      state = msg.dump();
      state += '\n';
    }
    // Schemas, then the records, then the state, written from where they are.
    auto st = shared_->append({text, buffer_, state});
    buffer_.clear();
    if (!st) return st;
    if (format_ == format::jsonl && changed) return write_state_file();
    return {};
  }

  status abort() override {
    buffer_.clear();
    pending_schemas_.clear();
    return {};
  }

 private:
  // Caller holds the lock.
  status write_state_file() {
    const std::string tmp = shared_->state_path + ".tmp";
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << singer_state(shared_->state).dump(2) << '\n';
      if (!f.flush())
        return make_error(error_kind::fatal, "cannot write state file " + tmp);
    }
    if (std::rename(tmp.c_str(), shared_->state_path.c_str()) != 0)
      return make_error(error_kind::fatal, "cannot replace state file " + shared_->state_path +
                                               ": " + std::strerror(errno));
    return {};
  }

  std::shared_ptr<shared_output> shared_;
  format format_;
  std::string buffer_;
  std::string prefix_stream_, prefix_;  // the record line's start for the last stream
  struct schema_message {
    std::string stream;
    std::string schema;
    std::vector<std::string> key_fields;
  };
  std::vector<schema_message> pending_schemas_;
};

class stream_sink_factory final : public sink_factory {
 public:
  stream_sink_factory(std::shared_ptr<shared_output> shared, format fmt)
      : shared_(std::move(shared)), format_(fmt) {}
  std::unique_ptr<record_sink> make(const std::string&) override {
    return std::make_unique<stream_sink>(shared_, format_);
  }

 private:
  std::shared_ptr<shared_output> shared_;
  format format_;
};

} // namespace

namespace {

nlohmann::json table_json(const bookmark_table& table) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [where, value] : table) {
    const std::string name = where.second.empty() ? where.first : where.first + "|" + where.second;
    out[name] = nlohmann::json::parse(value);
  }
  return out;
}

bookmark_table table_from_json(const nlohmann::json& doc) {
  bookmark_table out;
  if (!doc.is_object()) return out;
  for (const auto& [name, value] : doc.items()) {
    const auto bar = name.find('|');
    if (bar == std::string::npos)
      out[{name, ""}] = value.dump();
    else
      out[{name.substr(0, bar), name.substr(bar + 1)}] = value.dump();
  }
  return out;
}

} // namespace

nlohmann::json singer_state(const job_state& state) {
  nlohmann::json out = {{"bookmarks", table_json(state.bookmarks)}};
  if (!state.pending.empty()) out["pending_tasks"] = table_json(state.pending);
  return out;
}

job_state job_state_from_singer(const nlohmann::json& state) {
  job_state out;
  if (!state.is_object()) return out;
  if (state.contains("bookmarks")) out.bookmarks = table_from_json(state["bookmarks"]);
  if (state.contains("pending_tasks")) out.pending = table_from_json(state["pending_tasks"]);
  return out;
}

std::unique_ptr<sink_factory> make_singer_sink_factory(std::FILE* out, job_state initial_state) {
  auto shared = std::make_shared<shared_output>();
  shared->out = out;
  shared->state = std::move(initial_state);
  return std::make_unique<stream_sink_factory>(std::move(shared), format::singer);
}

std::string jsonl_state_path(const std::string& path) { return path + ".state.json"; }

std::unique_ptr<sink_factory> make_jsonl_sink_factory(const std::string& path) {
  auto shared = std::make_shared<shared_output>();
  shared->out = std::fopen(path.c_str(), "a");
  if (shared->out == nullptr)
    throw std::runtime_error("cannot open output file " + path + ": " + std::strerror(errno));
  shared->owned = true;
  shared->state_path = jsonl_state_path(path);
  if (std::ifstream in{shared->state_path}) {
    try {
      shared->state = job_state_from_singer(nlohmann::json::parse(in));
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("state file " + shared->state_path + " is not valid JSON: " + e.what());
    }
  }
  return std::make_unique<stream_sink_factory>(std::move(shared), format::jsonl);
}

} // namespace quarry::sinks
