#pragma once

// Where an incremental read resumes, correct whether the server's
// `since`/`after`/`gte`-style bound is inclusive or exclusive.
//
// Vendors rarely say whether "updated after T" includes T, and a burst of
// records sharing one timestamp (an import, a bulk edit) straddles every
// checkpoint sooner or later. So every incremental stream of every source
// resumes the same way:
//
//   - the bookmark holds the newest replication value delivered (`since`)
//     and the keys already delivered at exactly that value (`keys_at`);
//   - the next read asks the server for records AT OR AFTER `since`
//     (`gte since`, or an exclusive `after since - one unit` where the API
//     only has that form: query_after());
//   - admit() drops what the bookmark already holds: anything before
//     `since`, and the keys of `keys_at` at `since`.
//
// Under an inclusive server the overlap is dropped by admit(); under an
// exclusive one nothing at `since` is lost because the query starts before
// it. Records must be admitted in ascending order of their value for a
// mid-stream bookmark to be exact; a stream read in no order (a full scan)
// takes its bookmark only at the end of the scan.
//
// Bookmark shape (JSON, stored in the state topic):
//   {"<field>": "2026-11-14T15:05:37.042Z", "keys_at": ["a1", "a2"]}
// `<field>` is the stream's bookmark field name (e.g. "updated_at"); a
// bookmark written before keys_at existed resumes with no keys, which
// re-delivers the records at `since` once (never loses them).
//
// Not thread-safe: one per task.

#include "connectors/core/timestamp.hpp"
#include "proto/error.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <set>
#include <string>
#include <string_view>

namespace quarry::connectors {

class boundary {
 public:
  // Resumes from `bookmark[field]` (and its keys_at); without a bookmark,
  // from `start` (the job's start_date) inclusively with no keys. Fails
  // (fatal, naming the field and the text) when either is unreadable.
  static result<boundary> resume(const nlohmann::json& bookmark, std::string_view field,
                                 std::string_view start);
  explicit boundary(std::string field, instant since = {});

  // The instant the next read starts at, inclusively.
  const instant& since() const { return since_; }
  // For an API whose only bound is exclusive ("after T"): since() - unit,
  // where `unit` is the API's time granularity, so that the records AT
  // since() are returned under both readings.
  instant query_after(std::chrono::nanoseconds unit) const;

  // True when (t, key) is not yet delivered: t after since(), or at since()
  // with a key the bookmark does not hold. An admitted record moves the
  // newest value seen (and the keys at it).
  bool admit(const instant& t, std::string_view key);
  // Records the value of a record that is not delivered (filtered out) but
  // was seen, so that the bookmark still moves past it. Not needed for
  // admitted records.
  void pass(const instant& t);

  // The newest value admitted so far (since() when none).
  const instant& newest() const { return newest_; }
  // Keys admitted at newest().
  const std::set<std::string, std::less<>>& keys_at_newest() const { return keys_newest_; }

  // The bookmark for everything admitted so far:
  // {"<field>": format_rfc3339(newest()), "keys_at": [...]}.
  nlohmann::json bookmark() const;

 private:
  std::string field_;
  instant since_;
  std::set<std::string, std::less<>> keys_since_;  // delivered at since_ before this run
  instant newest_;
  std::set<std::string, std::less<>> keys_newest_;
};

} // namespace quarry::connectors
