#pragma once

// The records behind the synthetic simulator: accounts (parents), their
// events (children) and users, generated deterministically from a seed.
//
// Account n is generated from (seed, n) alone, so a dataset with more
// accounts extends a smaller one with the same seed. Timestamps are whole
// seconds in 2024-01-01T00:00:00Z .. 2025-12-31T23:59:59Z until mutated.
// Identifiers are zero-padded to a width fixed at construction
// (acc-00001, evt-00001-0001, usr-0001; wider when the counts need it), so
// string order equals numeric order and "sorted by (time, id)" is well defined.
//
// Storage is compact (24 bytes an event): 50,000 accounts x 20 events is
// about 25 MB. Thread-safe: queries share a lock, mutate() takes it alone.

#include "sim/page_cursor.hpp"

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sim {

struct synthetic_shape {
  std::uint64_t seed = 1;
  int accounts = 50;
  int events_per_account = 20;
  int users = 100;
};

struct account_row {
  std::int64_t updated_at = 0;  // Unix seconds
  std::uint32_t number = 0;     // 1-based; the id is acc-<number>
  std::uint8_t tier = 0;
};

struct event_row {
  std::int64_t occurred_at = 0;  // Unix seconds
  std::uint32_t account = 0;     // account number
  std::uint32_t seq = 0;         // 1-based within the account
  std::int32_t value = 0;
  std::uint8_t type = 0;
};

struct user_row {
  std::uint32_t number = 0;  // 1-based; the id is usr-<number>
  std::uint8_t role = 0;
};

// One keyset page. Lower bounds are exclusive and combine: a record is
// returned when it is after `since` and after `after`.
struct page_query {
  std::optional<std::int64_t> since_us;  // Unix microseconds
  std::optional<page_cursor> after;      // (time in seconds, id) of the last record seen
  int limit = 100;
};

template <class Row>
struct page {
  std::vector<Row> rows;
  bool more = false;  // records remain after the last row
};

struct synthetic_mutation {
  // account ids, ascending: those asked to be touched and those that gained
  // an event (whose updated_at moves too)
  std::vector<std::string> touched_accounts;
  std::vector<std::string> added_events;      // event ids, in order added
};

class synthetic_data {
 public:
  // Throws std::invalid_argument for negative counts.
  explicit synthetic_data(const synthetic_shape& shape);

  // nullopt: the cursor's id is not an account id.
  std::optional<page<account_row>> accounts_page(const page_query& query) const;
  // nullopt: the cursor's id is not an event of `account`. Account must exist.
  std::optional<page<event_row>> events_page(std::uint32_t account, const page_query& query) const;
  // Users by id; page is 1-based.
  std::vector<user_row> users_page(std::int64_t page, std::int64_t per_page) const;

  // nullopt unless `id` names an existing account.
  std::optional<std::uint32_t> account_number(std::string_view id) const;

  std::string account_id(std::uint32_t number) const;
  std::string event_id(const event_row& event) const;
  std::string user_id(std::uint32_t number) const;
  static std::string_view tier_name(std::uint8_t tier);
  static std::string_view event_type_name(std::uint8_t type);
  static std::string_view role_name(std::uint8_t role);

  int account_count() const { return static_cast<int>(accounts_.size()); }
  int user_count() const { return static_cast<int>(users_.size()); }

  // Bumps updated_at of `touch_accounts` distinct accounts to `now` and adds
  // `add_events` events (occurred_at = now) to accounts chosen at random. The
  // choice is deterministic: the seed and the number of earlier mutations.
  synthetic_mutation mutate(int touch_accounts, int add_events, std::int64_t now_unix_seconds);

  // Everything, for equality tests: accounts by (updated_at, id); events by
  // account number, then (occurred_at, id); users by id.
  std::vector<account_row> all_accounts() const;
  std::vector<event_row> all_events() const;
  std::vector<user_row> all_users() const;

 private:
  std::optional<std::uint32_t> parse_account(std::string_view digits) const;
  void sort_order();

  const std::uint64_t seed_;
  const int account_width_;
  const int seq_width_;
  const int user_width_;

  mutable std::shared_mutex mu_;
  std::vector<account_row> accounts_;            // by number - 1
  std::vector<std::uint32_t> order_;             // indexes into accounts_ by (updated_at, number)
  std::vector<std::vector<event_row>> events_;   // by account number - 1, sorted (occurred_at, seq)
  std::vector<user_row> users_;                  // by number - 1
  std::uint64_t mutations_ = 0;
};

} // namespace quarry::sim
