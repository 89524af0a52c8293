#pragma once

// Marketo's streams as data: names, keys, replication and schemas, following
// tap-marketo (peers.md 1.2) so that Stitch users see the same tables.
//
//   stream             key          replication                 how
//   leads              id           incremental updatedAt (*)   bulk export, schema from describe
//   activities_<type>  marketoGUID  incremental activityDate    bulk export (or REST), per type
//   activity_types     id           full table                  GET activities/types.json
//   campaigns          id           incremental updatedAt       batchSize + nextPageToken, filtered here
//   lists              id           incremental updatedAt       batchSize + nextPageToken, filtered here
//   programs           id           incremental updatedAt       offset + maxReturn, server-side dates
//
// (*) createdAt windows when the subscription refuses the updatedAt filter
// (1035); the bookmark stays named updatedAt.
//
// Also here: Marketo dataType -> JSON Schema, and text -> typed JSON values
// for bulk CSV cells.

#include "connectors/core/json_text.hpp"
#include "connectors/core/stream_spec.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::connectors::marketo {

enum class paging { next_page_token, offset_until_warning };

// How a REST list stream (campaigns, lists, programs) is read.
struct rest_read {
  std::string path{};
  paging pager = paging::next_page_token;
  int page_size = 300;
  // Server-side date range parameters (programs); empty: filtered here.
  std::string earliest_param{};
  std::string latest_param{};
};
using rest_stream = connectors::stream_spec<rest_read>;

// The REST list streams (find one with connectors::find_stream).
const std::vector<rest_stream>& rest_streams();

stream_descriptor activity_types_stream();

// "Fill Out Form" -> "fill_out_form"
std::string snake(std::string_view name);

// Marketo dataType -> nullable JSON Schema: tap-marketo's mapping, except
// that `date` is format date (Marketo writes plain dates, "1975-11-01"),
// not date-time.
nlohmann::json schema_for_type(std::string_view data_type);

// How a text cell is written: as its JSON type (json_text::append_typed),
// or, for a date-time property, as RFC 3339 in UTC with the precision
// written (Marketo's "2015-11-18T15:25:35Z+0000", offsets); text that is no
// date-time stays as written.
struct cell_kind {
  json_text::kind kind = json_text::kind::string;
  bool date_time = false;
};
cell_kind cell_kind_of(const nlohmann::json& property);
void append_cell(std::string& out, std::string_view text, cell_kind k);
void append_date_time(std::string& out, std::string_view text);

// Every string value of `record` whose property is a date-time, as
// append_date_time writes it (REST records: programs' dates).
void normalise_date_times(nlohmann::json& record, const nlohmann::json& properties);

// leads from a describe.json envelope: fields without a `rest` block are
// skipped; id, createdAt, updatedAt always present.
stream_descriptor leads_stream(const nlohmann::json& describe);

// activities_<snake(name)> from one entry of types.json.
stream_descriptor activity_stream(const nlohmann::json& type);
std::string activity_stream_name(const nlohmann::json& type);
// The primary_attribute_name column: snake(primaryAttribute.name), as
// tap-marketo writes it ("Webpage ID" -> "webpage_id"). `type` must have a
// primaryAttribute object.
std::string primary_attribute_name(const nlohmann::json& type);

// A CSV cell as the JSON type of `property` ({"type": [...]}): "" and "null"
// become null; integers drop a fraction; unparsable numbers stay strings.
nlohmann::json typed_value(std::string_view text, const nlohmann::json& property);

// An activity (REST object, or a bulk CSV row already mapped to its column
// names with `attributes` as a JSON text) as a flat record of `type`'s stream.
// `properties`: activity_stream(type).schema["properties"], computed once per type.
nlohmann::json activity_record(const nlohmann::json& activity, const nlohmann::json& type,
                               const nlohmann::json& properties);

// Bulk CSV rows straight to record JSON text (the hot path: no DOM), the
// same records typed_value and activity_record make. A writer is set up for
// one file's header and reused for every row of it.
class lead_row_writer {
 public:
  // `properties`: the leads schema's properties of the selected columns; a
  // column of `header` not among them is left out of the record.
  lead_row_writer(const std::vector<std::string>& header, const nlohmann::json& properties);
  // False when the row has no id (the caller reports it and goes on).
  bool write(const std::vector<std::string>& values, std::string& key_json, std::string& record_json) const;

 private:
  std::vector<std::string> keys_;  // `"name":`, or "" for a column left out
  std::vector<cell_kind> kinds_;
  std::size_t id_ = static_cast<std::size_t>(-1);
};

class activity_row_writer {
 public:
  explicit activity_row_writer(const std::vector<std::string>& header);
  // Registers an activity type (an entry of types.json) with its stream name.
  void add_type(const nlohmann::json& type, const std::string& stream);
  // The row's activity type id (0 when unreadable).
  std::int64_t type_of(const std::vector<std::string>& values) const;
  // False when the row's type was not added or it has no marketoGUID.
  bool write(const std::vector<std::string>& values, const std::string*& stream, std::string& key_json,
             std::string& record_json) const;

 private:
  struct column {
    std::string key;  // `"name":`
    cell_kind kind;
  };
  struct type_plan {
    std::string stream;
    bool has_primary = false;
    std::string primary_name;  // JSON text
    std::map<std::string, column, std::less<>> attributes;  // by Marketo's attribute name
    nlohmann::json type;        // the entry of types.json
    nlohmann::json properties;  // the stream's schema properties
  };
  std::size_t at(std::string_view name) const;
  std::vector<std::string> header_;
  std::size_t guid_, lead_, date_, type_, campaign_, pav_id_, pav_, attributes_;
  std::map<std::int64_t, type_plan> types_;
};

} // namespace quarry::connectors::marketo
