#pragma once

// What a connector may do while it runs a task. Implemented by the engine
// (actors/task_session) and by test doubles; a connector sees nothing else.
//
// Contract:
//  - call()/download() take a quota permit of the account for every attempt,
//    wait out rate_limited answers (never counted as attempts), retry
//    retriable failures with backoff (download(): only while no byte of the
//    file has reached on_chunk), and answer quota_exhausted when the
//    account's budget is spent (the task should then return that error: it
//    ends resumably with its bookmark kept). `extra` classifies every answer
//    of both (http_client.hpp: send_with_retries, stream_with_retries).
//  - emit() hands a record to the output; it is not visible downstream before
//    the next committed checkpoint. When a task fails, what its last
//    checkpoint covers is committed and what it emitted after it is dropped,
//    so the retry (or the next run) goes on from that checkpoint.
//  - checkpoint() records the bookmark reached by everything emitted so far.
//    The engine commits records and bookmark in one transaction (now, or
//    batched: every N records or T ms, and always at the task's end).
//  - spawn() queues a child task; children are released to the coordinator
//    only when the parent's work before them is committed.
//  - cancelled() turns true when the run is cancelled: return promptly.

#include "connectors/core/http_client.hpp"
#include "connectors/core/stream.hpp"
#include "proto/error.hpp"
#include "proto/ids.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::connectors {

// A task as a connector sees it.
struct task_spec {
  task_kind kind = task_kind::extract;
  std::string stream;
  std::string partition;     // "" for the whole stream
  nlohmann::json params;     // connector-defined
  nlohmann::json bookmark;   // the committed bookmark to resume from (null: none)
  std::vector<std::string> emits;  // other streams this task emits to
};

// The job and account the task belongs to.
struct job_context {
  std::string job;
  std::string account;
  std::string source;
  std::string endpoint;     // base URL of the API (or the simulator)
  std::string start_date;   // RFC 3339
  // Credential values by name; secrets among them: never log these.
  std::vector<std::pair<std::string, std::string>> credentials;
  // The file of each credential given as {"file": PATH} (name, path): where
  // store_credential() writes a value the API has replaced.
  std::vector<std::pair<std::string, std::string>> credential_files;
  nlohmann::json settings;  // connector-specific account settings
  stream_selection selection;
  const std::string& credential(std::string_view name) const;
  // The file credential `name` was given as, or nullptr.
  const std::string* credential_file(std::string_view name) const;
};

class session {
 public:
  virtual ~session() = default;

  virtual const job_context& job() const = 0;

  virtual result<http::response> call(const http::request& req,
                                      const http::classifier& extra = {}) = 0;
  virtual result<http::response> download(const http::request& req,
                                          const std::function<bool(std::string_view)>& on_chunk,
                                          const http::classifier& extra = {}) = 0;

  // `record` must hold the stream's primary key fields.
  virtual status emit(std::string_view stream, const nlohmann::json& record) = 0;
  // emit() for a record that is already JSON text: `record_json` is an object
  // holding only the job's selected columns of the stream (the caller applies
  // job().selection) and `key_json` the object of its primary key fields, in
  // key order. The hot path of bulk exports: no DOM on either side. The
  // default parses the record and calls emit().
  virtual status emit_serialized(std::string_view stream, std::string_view key_json,
                                 std::string_view record_json);
  // The record with these primary key fields was deleted at the source: the
  // output gets a tombstone for its key (Kafka: a null value), in order with
  // the stream's records and visible with the next checkpoint, like emit().
  // `key_record` must hold the stream's primary key fields (other fields are
  // ignored). Outputs without deletes (Singer, JSON lines) drop it. The
  // default fails: a session that cannot delete says so.
  virtual status tombstone(std::string_view stream, const nlohmann::json& key_record);
  virtual status checkpoint(const nlohmann::json& bookmark) = 0;
  virtual void spawn(task_spec child) = 0;
  // Announces the streams this task's plan covers (plan tasks only): their
  // keys and schemas are published before any record.
  virtual void declare(const stream_descriptor& stream) = 0;

  // Something the operator should know that does not fail the task (a
  // skipped malformed row, a fallback). Logged with the task's job, stream
  // and partition; must not contain secrets.
  virtual void warn(std::string_view message) = 0;

  // The account's calls today as the API itself counts them (other apps
  // included): the quota budget reconciles with it.
  virtual void report_usage(std::int64_t calls_today) = 0;

  virtual bool cancelled() const = 0;

  // Persists a credential the API has just replaced (a rotated OAuth refresh
  // token) to the file job().credential_files names for it: durably (a temp
  // file in the same directory, fsync, rename over the old file, fsync of the
  // directory), so a crash at any point leaves the old or the new value,
  // whole. Call it before using the new value and before forgetting the old.
  // Fails (fatal; the text names the credential and the file, never the
  // value) when the credential has no file or the write fails. The default
  // does exactly that (connectors/core/credential_file.hpp); test doubles may
  // override it.
  virtual status store_credential(std::string_view name, const std::string& value);
};

} // namespace quarry::connectors
