#pragma once

// An idempotent librdkafka producer, optionally transactional.
//
// Guarantees (librdkafka's idempotent producer): acks=all, retries without
// duplicates, per-partition order. In transactional mode the records produced
// between begin_transaction() and commit_transaction() become visible to
// read_committed consumers atomically, or not at all.
//
// Threading: one producer belongs to one thread at a time (a worker's
// detached thread). All calls may block: never call them on a CAF
// cooperative scheduler thread.
//
// Transaction lifecycle:
//
//      create --init_transactions--> ready --begin--> open --commit--> ready
//                                      ^                |
//                                      +----abort-------+
//   any fatal error (fenced, unrecoverable) --> failed: destroy and recreate
//
// Errors come back as quarry::error kinds:
//   retriable  - the operation may be repeated, or (commit) the transaction was
//                aborted and its records must be produced again
//   fatal      - the producer is unusable (fenced by a newer instance, or a
//                fatal idempotence error); create a new one

#include "kafka/settings.hpp"
#include "proto/error.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct rd_kafka_s;

namespace quarry::kafka {

struct header {
  std::string_view name;
  std::string_view value;
};

// Counted from delivery reports, one per message.
struct delivery_stats {
  std::uint64_t produced = 0;   // accepted into the local queue
  std::uint64_t delivered = 0;  // acknowledged by the cluster
  std::uint64_t failed = 0;     // permanently failed
};

class producer {
 public:
  // An empty transactional_id gives a plain idempotent producer.
  static result<std::unique_ptr<producer>> create(const client_settings& settings,
                                                  const std::string& transactional_id = {});
  ~producer();
  producer(const producer&) = delete;
  producer& operator=(const producer&) = delete;

  // Queues one message; a missing value is a tombstone. When the local queue
  // is full this serves delivery reports and waits (back-pressure) up to
  // `queue_timeout`, then fails as retriable.
  status produce(std::string_view topic, std::string_view key,
                 std::optional<std::string_view> value, std::span<const header> headers = {},
                 std::chrono::milliseconds queue_timeout = std::chrono::seconds(60));

  // Waits until every queued message has a delivery report.
  status flush(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // Serves delivery reports without waiting.
  void poll();

  status init_transactions(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  status begin_transaction();
  // On an abortable failure this aborts and answers retriable: produce the
  // transaction's records again. Retriable broker errors are retried here.
  status commit_transaction(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  status abort_transaction(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // Creates the topic unless it exists (cached per producer).
  status ensure_topic(const std::string& topic, topic_spec spec = {});

  delivery_stats stats() const;
  bool transactional() const { return transactional_; }
  // The first delivery error since the last call, if any.
  std::optional<std::string> take_delivery_error();

  struct state;  // shared with the delivery-report callback

 private:
  producer(rd_kafka_s* handle, std::unique_ptr<state> st, bool transactional,
           client_settings settings);

  rd_kafka_s* rk_;
  std::unique_ptr<state> state_;
  bool transactional_;
  client_settings settings_;
};

} // namespace quarry::kafka
