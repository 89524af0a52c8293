#include "connectors/marketo/marketo_streams.hpp"

#include "connectors/core/schema.hpp"

#include "connectors/core/timestamp.hpp"

#include <cctype>
#include <charconv>
#include <functional>
#include <set>

namespace quarry::connectors::marketo {
namespace {

using nlohmann::json;

using schema::date;
using schema::date_time;
using schema::nullable;

bool is_digits(std::string_view t, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i)
    if (t[i] < '0' || t[i] > '9') return false;
  return true;
}

// "YYYY-MM-DDTHH:MM:SSZ" exactly, as Marketo writes most of its dates: the
// shape format_rfc3339 would give back, so it is copied without parsing.
bool is_plain_utc(std::string_view t) {
  return t.size() == 20 && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' && t[16] == ':' &&
         t[19] == 'Z' && is_digits(t, 0, 4) && is_digits(t, 5, 7) && is_digits(t, 8, 10) &&
         is_digits(t, 11, 13) && is_digits(t, 14, 16) && is_digits(t, 17, 19);
}

json object_schema(json properties) { return schema::object(std::move(properties)); }

} // namespace

std::string snake(std::string_view name) {
  std::string out;
  for (unsigned char c : name) out += c == ' ' ? '_' : static_cast<char>(std::tolower(c));
  return out;
}

bool is_date_time(const json& property) {
  return property.is_object() && property.value("format", std::string{}) == "date-time";
}

void append_date_time(std::string& out, std::string_view text) {
  if (text.empty() || text == "null") {
    out += "null";
    return;
  }
  if (is_plain_utc(text)) return json_text::append_string(out, text);
  // Programs' "2015-11-18T15:25:35Z+0000", offsets, fractions: RFC 3339 in
  // UTC with the precision written. Unreadable text stays as written, as
  // every cell that does not fit its type (json_text::append_typed).
  if (const auto t = parse_instant(text)) return json_text::append_string(out, format_rfc3339(*t));
  json_text::append_string(out, text);
}

cell_kind cell_kind_of(const json& property) {
  return {json_text::kind_of(property), is_date_time(property)};
}

void append_cell(std::string& out, std::string_view text, cell_kind k) {
  if (k.date_time) return append_date_time(out, text);
  json_text::append_typed(out, text, k.kind);
}

void normalise_date_times(json& record, const json& properties) {
  if (!record.is_object()) return;
  for (auto& [name, value] : record.items()) {
    if (!value.is_string()) continue;
    const auto p = properties.find(name);
    if (p == properties.end() || !is_date_time(*p)) continue;
    std::string out;
    append_date_time(out, value.get_ref<const std::string&>());
    value = json::parse(out);
  }
}

json schema_for_type(std::string_view t) {
  if (t == "datetime") return date_time();
  if (t == "date") return date();
  if (t == "integer" || t == "percent" || t == "score") return nullable("integer");
  if (t == "float" || t == "currency") return nullable("number");
  if (t == "boolean") return nullable("boolean");
  if (t == "array")
    return {{"type", {"array", "null"}},
            {"items", {{"type", {"integer", "number", "string", "null"}}}}};
  return nullable("string");
}

stream_descriptor activity_types_stream() {
  return {"activity_types", {"id"}, replication_method::full_table, "",
          object_schema({{"id", {{"type", "integer"}}},
                         {"name", nullable("string")},
                         {"description", nullable("string")},
                         {"primaryAttribute", {{"type", {"object", "null"}}}},
                         {"attributes", {{"type", {"array", "null"}}}}})};
}

const std::vector<rest_stream>& rest_streams() {
  static const std::vector<rest_stream> table{
      {.stream = {.name = "campaigns", .primary_key = {"id"}, .replication_key = "updatedAt",
                  .schema = object_schema({{"id", {{"type", "integer"}}},
                                           {"name", nullable("string")},
                                           {"description", nullable("string")},
                                           {"type", nullable("string")},
                                           {"active", nullable("boolean")},
                                           {"programId", nullable("integer")},
                                           {"programName", nullable("string")},
                                           {"workspaceName", nullable("string")},
                                           {"createdAt", date_time()},
                                           {"updatedAt", date_time()}})},
       .read = {.path = "/rest/v1/campaigns.json", .pager = paging::next_page_token, .page_size = 300}},
      {.stream = {.name = "lists", .primary_key = {"id"}, .replication_key = "updatedAt",
                  .schema = object_schema({{"id", {{"type", "integer"}}},
                                           {"name", nullable("string")},
                                           {"description", nullable("string")},
                                           {"programName", nullable("string")},
                                           {"workspaceName", nullable("string")},
                                           {"createdAt", date_time()},
                                           {"updatedAt", date_time()}})},
       .read = {.path = "/rest/v1/lists.json", .pager = paging::next_page_token, .page_size = 300}},
      // createdAt/updatedAt come as "2015-11-18T15:25:35Z+0000" and go out
      // as RFC 3339 (normalise_date_times).
      {.stream = {.name = "programs", .primary_key = {"id"}, .replication_key = "updatedAt",
                  .schema = object_schema({{"id", {{"type", "integer"}}},
                                           {"name", nullable("string")},
                                           {"description", nullable("string")},
                                           {"createdAt", date_time()},
                                           {"updatedAt", date_time()},
                                           {"url", nullable("string")},
                                           {"type", nullable("string")},
                                           {"channel", nullable("string")},
                                           {"folder", {{"type", {"object", "null"}}}},
                                           {"status", nullable("string")},
                                           {"workspace", nullable("string")},
                                           {"headStart", nullable("boolean")}})},
       .read = {.path = "/rest/asset/v1/programs.json",
                .pager = paging::offset_until_warning,
                .page_size = 200,
                .earliest_param = "earliestUpdatedAt",
                .latest_param = "latestUpdatedAt"}},
  };
  return table;
}

stream_descriptor leads_stream(const json& describe) {
  json props = {{"id", {{"type", "integer"}}},
                {"createdAt", {{"type", "string"}, {"format", "date-time"}}},
                {"updatedAt", {{"type", "string"}, {"format", "date-time"}}}};
  if (describe.contains("result") && describe["result"].is_array()) {
    for (const auto& field : describe["result"]) {
      if (!field.is_object() || !field.contains("rest") || !field["rest"].is_object()) continue;
      const auto name = field["rest"].value("name", std::string{});
      if (name.empty() || props.contains(name)) continue;
      props[name] = schema_for_type(field.value("dataType", std::string{"string"}));
    }
  }
  return {"leads", {"id"}, replication_method::incremental, "updatedAt", object_schema(props)};
}

std::string primary_attribute_name(const json& type) {
  return snake(type["primaryAttribute"].value("name", std::string{}));
}

std::string activity_stream_name(const json& type) {
  return "activities_" + snake(type.value("name", std::string{}));
}

stream_descriptor activity_stream(const json& type) {
  json props = {{"marketoGUID", {{"type", "string"}}},
                {"leadId", {{"type", "integer"}}},
                {"activityDate", {{"type", "string"}, {"format", "date-time"}}},
                {"activityTypeId", {{"type", "integer"}}},
                {"campaignId", nullable("integer")}};
  if (type.contains("primaryAttribute") && type["primaryAttribute"].is_object()) {
    props["primary_attribute_value"] = nullable("string");
    props["primary_attribute_value_id"] = nullable("string");
    props["primary_attribute_name"] = nullable("string");
  }
  if (type.contains("attributes") && type["attributes"].is_array())
    for (const auto& a : type["attributes"])
      if (a.is_object())
        props[snake(a.value("name", std::string{}))] =
            schema_for_type(a.value("dataType", std::string{"string"}));
  return {activity_stream_name(type), {"marketoGUID"}, replication_method::incremental,
          "activityDate", object_schema(props)};
}

json typed_value(std::string_view text, const json& property) {
  // One set of rules for both paths: the DOM one parses what the row
  // writers write.
  std::string out;
  append_cell(out, text, cell_kind_of(property));
  return json::parse(out);
}

json activity_record(const json& activity, const json& type, const json& props) {
  json out = json::object();
  auto put = [&](const std::string& name, const json& value) {
    if (value.is_string() && props.contains(name))
      out[name] = typed_value(value.get<std::string>(), props[name]);
    else
      out[name] = value;
  };
  for (const char* base : {"marketoGUID", "leadId", "activityDate", "activityTypeId", "campaignId"})
    if (activity.contains(base)) put(base, activity[base]);
  if (out.contains("marketoGUID") && out["marketoGUID"].is_number())
    out["marketoGUID"] = out["marketoGUID"].dump();
  if (type.contains("primaryAttribute") && type["primaryAttribute"].is_object()) {
    auto text_of = [&](const char* key) -> json {
      if (!activity.contains(key) || activity[key].is_null()) return nullptr;
      const auto& v = activity[key];
      if (v.is_string()) return v.get<std::string>() == "null" ? json(nullptr) : v;
      return v.dump();
    };
    out["primary_attribute_value"] = text_of("primaryAttributeValue");
    out["primary_attribute_value_id"] = text_of("primaryAttributeValueId");
    out["primary_attribute_name"] = primary_attribute_name(type);
  }
  // REST: [{"name","value"}]; bulk CSV: a JSON object as text.
  json attributes = activity.value("attributes", json(nullptr));
  if (attributes.is_string()) {
    auto parsed = json::parse(attributes.get<std::string>(), nullptr, false);
    attributes = parsed.is_discarded() ? json(nullptr) : parsed;
  }
  auto put_attr = [&](const std::string& name, const json& value) {
    const auto column = snake(name);
    if (value.is_string() && props.contains(column))
      out[column] = typed_value(value.get<std::string>(), props[column]);
    else
      out[column] = value;
  };
  if (attributes.is_array()) {
    for (const auto& a : attributes)
      if (a.is_object() && a.contains("name"))
        put_attr(a["name"].get<std::string>(), a.value("value", json(nullptr)));
  } else if (attributes.is_object()) {
    for (const auto& [name, value] : attributes.items()) put_attr(name, value);
  }
  return out;
}

} // namespace quarry::connectors::marketo

namespace quarry::connectors::marketo {
namespace {

const std::set<std::string, std::less<>>& activity_base_columns() {
  static const std::set<std::string, std::less<>> names{
      "marketoGUID", "leadId", "activityDate", "activityTypeId", "campaignId",
      "primary_attribute_value", "primary_attribute_value_id", "primary_attribute_name"};
  return names;
}

// Appends a flat attributes object (bulk CSV: a JSON text) as columns of the
// record being written, through nlohmann's SAX interface so that no DOM is
// built. Anything but an object of scalars aborts: the caller then falls
// back to activity_record for that row.
class attribute_flattener {
 public:
  // (key text `"col":`, kind, typed) of an attribute; false: leave it out.
  using lookup_fn = std::function<bool(const std::string& name, std::string& key, cell_kind& kind,
                                       bool& typed)>;
  attribute_flattener(std::string& out, const lookup_fn& lookup) : out_(out), lookup_(lookup) {}

  bool null() { return value([&] { out_ += "null"; }); }
  bool boolean(bool v) { return value([&] { out_ += v ? "true" : "false"; }); }
  bool number_integer(std::int64_t v) { return value([&] { out_ += std::to_string(v); }); }
  bool number_unsigned(std::uint64_t v) { return value([&] { out_ += std::to_string(v); }); }
  bool number_float(double, const std::string& text) { return value([&] { out_ += text; }); }
  bool string(std::string& v) {
    return value([&] {
      if (typed_) append_cell(out_, v, kind_);
      else json_text::append_string(out_, v);
    });
  }
  bool binary(json::binary_t&) { return false; }
  bool start_object(std::size_t) { return ++depth_ == 1; }
  bool end_object() { return --depth_ == 0; }
  bool start_array(std::size_t) { return false; }
  bool end_array() { return false; }
  bool key(std::string& name) {
    key_.clear();
    keep_ = lookup_(name, key_, kind_, typed_);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception&) { return false; }

 private:
  template <class F>
  bool value(F write) {
    if (depth_ != 1) return false;
    if (!keep_) return true;
    out_ += ',';
    out_ += key_;
    write();
    return true;
  }

  std::string& out_;
  const lookup_fn& lookup_;
  std::string key_;
  cell_kind kind_;
  bool typed_ = false;
  bool keep_ = false;
  int depth_ = 0;
};

} // namespace

lead_row_writer::lead_row_writer(const std::vector<std::string>& header, const json& properties) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    const auto it = properties.find(header[i]);
    keys_.push_back(it == properties.end() ? std::string{} : json_text::key(header[i]));
    kinds_.push_back(it == properties.end() ? cell_kind{} : cell_kind_of(*it));
    if (header[i] == "id") id_ = i;
  }
}

bool lead_row_writer::write(const std::vector<std::string>& values, std::string& key_json,
                            std::string& record_json) const {
  if (id_ >= values.size() || values[id_].empty() || values[id_] == "null") return false;
  key_json = "{\"id\":";
  append_cell(key_json, values[id_], kinds_[id_]);
  key_json += '}';
  record_json.clear();
  record_json += '{';
  bool first = true;
  for (std::size_t i = 0; i < keys_.size() && i < values.size(); ++i) {
    if (keys_[i].empty()) continue;  // exported to place the row, not selected
    if (!first) record_json += ',';
    first = false;
    record_json += keys_[i];
    append_cell(record_json, values[i], kinds_[i]);
  }
  record_json += '}';
  return true;
}

activity_row_writer::activity_row_writer(const std::vector<std::string>& header) : header_(header) {
  guid_ = at("marketoGUID");
  lead_ = at("leadId");
  date_ = at("activityDate");
  type_ = at("activityTypeId");
  campaign_ = at("campaignId");
  pav_id_ = at("primaryAttributeValueId");
  pav_ = at("primaryAttributeValue");
  attributes_ = at("attributes");
}

std::size_t activity_row_writer::at(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return i;
  return static_cast<std::size_t>(-1);
}

void activity_row_writer::add_type(const json& type, const std::string& stream) {
  type_plan p;
  p.stream = stream;
  p.type = type;
  p.properties = activity_stream(type).schema["properties"];
  if (type.contains("primaryAttribute") && type["primaryAttribute"].is_object()) {
    p.has_primary = true;
    json_text::append_string(p.primary_name, primary_attribute_name(type));
  }
  if (type.contains("attributes") && type["attributes"].is_array())
    for (const auto& a : type["attributes"]) {
      if (!a.is_object()) continue;
      const auto name = a.value("name", std::string{});
      const auto column = snake(name);
      if (activity_base_columns().contains(column)) continue;
      const auto prop = p.properties.find(column);
      p.attributes[name] = {json_text::key(column),
                            prop == p.properties.end() ? cell_kind{} : cell_kind_of(*prop)};
    }
  types_[type.value("id", std::int64_t{0})] = std::move(p);
}

std::int64_t activity_row_writer::type_of(const std::vector<std::string>& values) const {
  if (type_ >= values.size()) return 0;
  std::int64_t id = 0;
  const auto& t = values[type_];
  const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), id);
  return ec == std::errc{} && p == t.data() + t.size() ? id : 0;
}

bool activity_row_writer::write(const std::vector<std::string>& values, const std::string*& stream,
                                std::string& key_json, std::string& record_json) const {
  const auto it = types_.find(type_of(values));
  if (it == types_.end() || guid_ >= values.size() || values[guid_].empty()) return false;
  const auto& plan = it->second;
  stream = &plan.stream;
  auto cell = [&](std::size_t i) -> std::string_view {
    if (i < values.size()) return values[i];
    return "null";
  };
  key_json = "{\"marketoGUID\":";
  json_text::append_string(key_json, values[guid_]);
  key_json += '}';
  auto& out = record_json;
  out.clear();
  out += "{\"marketoGUID\":";
  json_text::append_string(out, values[guid_]);
  out += ",\"leadId\":";
  json_text::append_typed(out, cell(lead_), json_text::kind::integer);
  out += ",\"activityDate\":";
  append_date_time(out, cell(date_));
  out += ",\"activityTypeId\":";
  json_text::append_typed(out, cell(type_), json_text::kind::integer);
  out += ",\"campaignId\":";
  json_text::append_typed(out, cell(campaign_), json_text::kind::integer);
  if (plan.has_primary) {
    out += ",\"primary_attribute_value\":";
    json_text::append_typed(out, cell(pav_), json_text::kind::string);
    out += ",\"primary_attribute_value_id\":";
    json_text::append_typed(out, cell(pav_id_), json_text::kind::string);
    out += ",\"primary_attribute_name\":";
    out += plan.primary_name;
  }
  const auto attributes = cell(attributes_);
  if (attributes != "null" && !attributes.empty()) {
    const attribute_flattener::lookup_fn lookup = [&](const std::string& name, std::string& key,
                                                      cell_kind& kind, bool& typed) {
      if (const auto a = plan.attributes.find(name); a != plan.attributes.end()) {
        key = a->second.key;
        kind = a->second.kind;
        typed = true;
        return true;
      }
      // Not in the type's definition: as activity_record would name it.
      const auto column = snake(name);
      if (activity_base_columns().contains(column)) return false;
      key = json_text::key(column);
      const auto prop = plan.properties.find(column);
      typed = prop != plan.properties.end();
      kind = typed ? cell_kind_of(*prop) : cell_kind{};
      return true;
    };
    attribute_flattener sax(out, lookup);
    if (!json::sax_parse(attributes, &sax, json::input_format_t::json, false)) {
      // Not a flat object: the whole row through the DOM path instead.
      json raw = json::object();
      for (std::size_t i = 0; i < header_.size() && i < values.size(); ++i) raw[header_[i]] = values[i];
      out = activity_record(raw, plan.type, plan.properties).dump(-1, ' ', false, json::error_handler_t::replace);
      return true;
    }
  }
  out += '}';
  return true;
}

} // namespace quarry::connectors::marketo
