#pragma once

// The Kustomer simulator's dataset: nine object kinds, each a list of JSON:API
// records (type, id, attributes, relationships, links) kept sorted by
// (updatedAt, id), generated from a seed. Search and list reads copy records
// out under a shared lock; mutate() takes the lock exclusively.
//
// Ids are 24 lower-case hex digits (Mongo ObjectIds): a 4-digit kind prefix
// and 20 seeded random digits, so (updatedAt, id) is a total order.
// Timestamps are milliseconds on the wire ("2024-01-03T10:00:00.123Z"); each
// record also has a microsecond within its millisecond (from its id), which
// a search compares only under the time_precision=us reading.

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sim {

enum class kustomer_kind { customer, conversation, message, note, kobject, user, team, tag, shortcut };
inline constexpr std::size_t kustomer_kind_count = 9;

// "customer" ... "shortcut": the queryContext and JSON:API type (kobjects are
// "kobject.order" on the wire).
std::string_view context_name(kustomer_kind kind) noexcept;
// "customers" ... "shortcuts": the stream and list path name.
std::string_view plural_name(kustomer_kind kind) noexcept;
std::optional<kustomer_kind> kind_of_context(std::string_view context) noexcept;
std::optional<kustomer_kind> kind_of_plural(std::string_view plural) noexcept;
// The five kinds POST /v1/customers/search answers for.
bool searchable(kustomer_kind kind) noexcept;

struct kustomer_shape {
  std::uint64_t seed = 1;
  std::int64_t start = 1704067200;  // Unix seconds; records are updated over `days` after it
  int days = 30;
  std::array<int, kustomer_kind_count> counts{200, 300, 600, 150, 100, 20, 5, 15, 10};
  // The first this-many customers share one updatedAt (the tie-break test),
  // and with same_created_at one createdAt as well (an import).
  int same_updated_at = 0;
  bool same_created_at = false;
};

struct kustomer_record {
  std::string id;
  std::int64_t updated_ms = 0;
  std::int64_t updated_us = 0;  // within updated_ms
  std::int64_t created_us = 0;
  nlohmann::json wire;  // the JSON:API object as the API sends it
};

// Bounds on one time attribute, in microseconds.
struct kustomer_time_bounds {
  std::optional<std::int64_t> gt, gte, lt, lte;
  bool matches(std::int64_t us) const;
};

// A search's filters on one query context: bounds on updatedAt, createdAt
// and id.
struct kustomer_filter {
  kustomer_time_bounds updated, created;
  std::optional<std::string> id_gt, id_gte, id_lt, id_lte;
  // `precise`: compare times to the microsecond, else to the millisecond
  // shown on the wire.
  bool matches(const kustomer_record& r, bool precise) const;
};

// How a search reads what Kustomer's docs leave open (the simulator's
// readings, kustomer.cpp).
struct kustomer_search_view {
  bool precise = false;    // time_precision=us
  bool ties_by_id = true;  // tie_order=id: records sharing updatedAt in id order
};

struct kustomer_page {
  std::vector<nlohmann::json> data;
  std::int64_t total = 0;  // records matching, over every page
};

struct kustomer_mutation {
  std::int64_t touched = 0;  // per searchable kind
  std::int64_t added = 0;
};

class kustomer_data {
 public:
  // Throws std::invalid_argument for negative counts or days < 1.
  explicit kustomer_data(kustomer_shape shape);

  // Records of `kind` matching `filter`, sorted by updatedAt (to the
  // microsecond when view.precise), ties by id (or, unless view.ties_by_id,
  // by a hash of it), from `offset` on, at most `limit`.
  kustomer_page search(kustomer_kind kind, const kustomer_filter& filter, std::int64_t offset,
                       std::int64_t limit, kustomer_search_view view = {}) const;
  // A list endpoint's page: records in id (creation) order.
  kustomer_page list(kustomer_kind kind, std::int64_t offset, std::int64_t limit) const;
  std::vector<nlohmann::json> all(kustomer_kind kind) const;  // sorted by (updatedAt, id)

  // Moves `touch` records of every searchable kind to updatedAt = now_ms
  // (rev + 1) and adds `add` new ones each, updated at now_ms.
  kustomer_mutation mutate(std::int64_t touch, std::int64_t add, std::int64_t now_ms);

 private:
  kustomer_record make(kustomer_kind kind, std::int64_t updated_ms);
  std::string next_id(kustomer_kind kind);
  const std::string& pick_id(kustomer_kind kind);
  void sort(kustomer_kind kind);

  const kustomer_shape shape_;
  std::mt19937_64 rng_;  // guarded by mu_ (exclusive)
  std::string org_id_;
  mutable std::shared_mutex mu_;
  std::array<std::vector<kustomer_record>, kustomer_kind_count> records_;  // guarded by mu_
};

} // namespace quarry::sim
