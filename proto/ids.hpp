#pragma once

// Strong types for identifiers, so a message signature says which string it
// wants (a job name cannot be passed where a stream name is expected).

#include <compare>
#include <cstdint>
#include <string>
#include <utility>

namespace quarry {

template <class Tag>
struct named_id {
  std::string value;

  named_id() = default;
  explicit named_id(std::string v) : value(std::move(v)) {}
  const std::string& str() const { return value; }
  bool empty() const { return value.empty(); }
  auto operator<=>(const named_id&) const = default;
};

using job_id = named_id<struct job_tag>;
using account_id = named_id<struct account_tag>;
using stream_name = named_id<struct stream_tag>;
using run_id = named_id<struct run_tag>;
using worker_id = named_id<struct worker_tag>;

// What a task does: ask the connector for the job's tasks (plan) or read a
// stream partition (extract). Pending children keep it in the state topic
// by name (to_string; task_kind_of reads it back).
enum class task_kind : std::uint8_t { extract, plan };

constexpr const char* to_string(task_kind k) { return k == task_kind::plan ? "plan" : "extract"; }
inline task_kind task_kind_of(const std::string& name) {
  return name == "plan" ? task_kind::plan : task_kind::extract;
}

// Unique within a coordinator's lifetime.
using task_id = std::uint64_t;
using permit_id = std::uint64_t;

} // namespace quarry
