#pragma once

// The records behind the Marketo simulator, generated on demand from
// (seed, index) so a million leads and two million activities cost almost no
// memory: nothing is stored per row except mutations (a map of touched
// leads' updatedAt and a vector of the dates of added activities).
//
// Leads: index i in [0, leads) is lead id i+1; createdAt(i) =
// base + floor(i * span / leads) (non-decreasing in i), updatedAt = createdAt
// plus up to 60 days, or the time of the last mutation that touched it;
// dateOfBirth a plain date (or null). Times are rounded down to
// shape.time_grid_s when it is set.
// Activities: index j in [0, activities) has activityDate(j) = base +
// floor(j * span / activities); added activities follow with the sim-clock
// time at which they were added, so activities are sorted by (date, index)
// and the index is a stable keyset position. base = 2024-01-01T00:00:00Z,
// span = 366 days.
//
// Some string values are deliberately hostile to CSV and JSON writers:
// commas, double quotes, LF, CR and non-ASCII UTF-8.
//
// Thread-safe: queries share a lock, mutations take it alone.

#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sim {

struct marketo_shape {
  std::uint64_t seed = 1;
  std::int64_t leads = 1000;
  std::int64_t activities = 5000;
  int campaigns = 25;
  int lists = 12;
  int programs = 450;
  // Records are created over [start, start + days) (unix seconds).
  std::int64_t start = 1704067200;  // 2024-01-01T00:00:00Z
  std::int64_t days = 366;
  // > 0: every generated time (createdAt, updatedAt, activityDate, programs'
  // and campaigns' dates) falls on start + k * time_grid_s, so that many
  // records share one second and tests can put records exactly on the
  // edges of a connector's windows. 0: times to the second.
  std::int64_t time_grid_s = 0;
};

// A lead field as describe.json lists it. rest_name empty: SOAP-only.
struct marketo_field {
  int id = 0;
  std::string display_name;
  std::string data_type;  // "integer", "string", "email", "datetime", ...
  int length = 0;         // 0: no length
  std::string rest_name;
  std::string soap_name;
  bool read_only = false;
};

struct marketo_attribute_type {
  std::string name;
  std::string data_type;
};

struct marketo_activity_type {
  int id = 0;
  std::string name;
  std::string description;
  marketo_attribute_type primary;
  std::vector<marketo_attribute_type> attributes;
};

struct marketo_lead {
  std::int64_t id = 0;
  std::int64_t created_at = 0;  // Unix seconds
  std::int64_t updated_at = 0;
  std::string email, first_name, last_name, company, city, phone;
  std::optional<std::int64_t> score;  // nullopt exports as null
  bool unsubscribed = false;
  std::string date_of_birth;          // "1975-11-01"; empty exports as null
};

struct marketo_activity {
  std::int64_t index = 0;  // keyset position; id = index + 1
  std::int64_t date = 0;   // Unix seconds
  std::int64_t lead_id = 0;
  int type_id = 0;
  std::int64_t campaign_id = 0;
  std::int64_t primary_value_id = 0;
  std::string primary_value;
  std::vector<std::pair<std::string, std::string>> attributes;
};

struct marketo_mutation {
  std::int64_t touched_leads = 0;
  std::int64_t added_activities = 0;
};

class marketo_data {
 public:
  const std::int64_t base_time;     // shape.start
  const std::int64_t span_seconds;  // shape.days in seconds

  // Throws std::invalid_argument for negative counts.
  explicit marketo_data(marketo_shape shape);

  const marketo_shape& shape() const { return shape_; }
  static const std::vector<marketo_field>& lead_fields();
  static const std::vector<marketo_activity_type>& activity_types();
  static const marketo_activity_type* activity_type(int id);

  std::int64_t lead_count() const { return shape_.leads; }
  marketo_lead lead(std::int64_t index) const;
  // A lead field by REST name, as exported (nullopt: null).
  static std::optional<std::string> lead_value(const marketo_lead& lead, std::string_view field);
  // Indices of leads whose createdAt (or updatedAt) is in [start, end] (the
  // export filter's bounds after the export_bounds reading).
  std::vector<std::int64_t> leads_in(bool by_updated, std::int64_t start, std::int64_t end) const;

  std::int64_t activity_count() const;
  std::int64_t activity_date(std::int64_t index) const;
  marketo_activity activity(std::int64_t index) const;
  // The first index whose date is >= t.
  std::int64_t first_activity_at(std::int64_t t) const;

  // Campaigns, lists, programs as JSON objects (nlohmann text).
  std::string campaign_json(int index) const;
  std::string list_json(int index) const;
  std::int64_t program_updated_at(int index) const;
  std::string program_json(int index) const;

  // touch: that many leads get updatedAt = now (spread over the lead range by
  // a counter, deterministic); add: that many activities dated now, or the
  // newest activity's date when that is later (activities stay in date order).
  marketo_mutation mutate(std::int64_t touch, std::int64_t add, std::int64_t now);

 private:
  std::uint64_t mix(std::uint64_t salt, std::uint64_t index) const;
  std::int64_t spread(std::int64_t index, std::int64_t count) const;
  // `t` rounded down to the shape's time grid (t itself without one).
  std::int64_t on_grid(std::int64_t t) const;
  std::int64_t updated_after(std::int64_t created, std::uint64_t h) const;

  // A lead's updatedAt until a mutation touches it.
  std::int64_t first_update(std::int64_t index) const;

  const marketo_shape shape_;
  mutable std::shared_mutex mu_;
  std::map<std::int64_t, std::int64_t> touched_;  // lead index -> updatedAt, guarded by mu_
  std::vector<std::int64_t> added_dates_;          // guarded by mu_
  std::int64_t touch_counter_ = 0;                 // guarded by mu_
};

// "sha256:<64 lower-case hex>" of `bytes`.
std::string sha256_checksum(std::string_view bytes);

} // namespace quarry::sim
