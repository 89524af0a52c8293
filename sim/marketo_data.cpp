#include "sim/marketo_data.hpp"

#include "sim/timestamps.hpp"

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <mutex>
#include <stdexcept>

namespace quarry::sim {

namespace {

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::array first_names{"Ann", "Bob", "Carla", "José", "Zoë", "Mei", "Olu", "Priya",
                                 "Lars", "Fatima", "Noah", "Ingrid"};
constexpr std::array last_names{"Smith", "O'Brien", "Müller", "García", "Nguyen", "Kowalski",
                                "Okafor", "Tanaka", "Dubois", "Søren", "Lee", "Patel"};
// Hostile to CSV: commas, quotes, LF, CR, non-ASCII.
constexpr std::array companies{"Acme, Inc.",
                               "\"Quoted\" Widgets",
                               "Line One\nLine Two Ltd",
                               "Carriage\rReturn Corp",
                               "Zürich Café GmbH",
                               "東京株式会社",
                               "Rocket 🚀 LLC",
                               "Plain Company",
                               "Comma, \"Quote\"\r\nBoth",
                               "Initech"};
constexpr std::array cities{"Chicago", "São Paulo", "Kraków", "New York, NY", "", "Reykjavík"};
constexpr std::array agents{
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15",
    "curl/8.4.0"};
constexpr std::array pages{"/pricing", "/blog/post?id=7&ref=\"mail\"", "/café", "/a,b,c"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}


// Programs print dates the odd way the docs show: "2015-11-18T15:25:35Z+0000".
std::string program_time(std::int64_t t) { return format_rfc3339(t) + "+0000"; }

std::int64_t touched_after(std::uint64_t h) { return static_cast<std::int64_t>((h >> 16) % 86400); }

} // namespace

std::string sha256_checksum(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (const unsigned char c : digest) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

marketo_data::marketo_data(marketo_shape shape)
    : base_time(shape.start), span_seconds(shape.days * 86400), shape_(shape) {
  if (shape_.leads < 0 || shape_.activities < 0 || shape_.campaigns < 0 || shape_.lists < 0 ||
      shape_.programs < 0)
    throw std::invalid_argument("marketo dataset counts cannot be negative");
  if (shape_.days < 1) throw std::invalid_argument("marketo dataset days must be at least 1");
}

std::uint64_t marketo_data::mix(std::uint64_t salt, std::uint64_t index) const {
  return splitmix(splitmix(shape_.seed * 0x100000001b3ULL + salt) ^ index);
}

std::int64_t marketo_data::spread(std::int64_t index, std::int64_t count) const {
  if (count <= 0) return base_time;
  return on_grid(base_time + index * span_seconds / count);  // < 2^63 below 290 billion rows
}

std::int64_t marketo_data::on_grid(std::int64_t t) const {
  const auto grid = shape_.time_grid_s;
  if (grid <= 0 || t < base_time) return t;
  return base_time + (t - base_time) / grid * grid;
}

const std::vector<marketo_field>& marketo_data::lead_fields() {
  static const std::vector<marketo_field> fields{
      {1, "Id", "integer", 0, "id", "Id", true},
      {2, "Company Name", "string", 255, "company", "Company", false},
      {3, "Email Address", "email", 255, "email", "Email", false},
      {4, "First Name", "string", 255, "firstName", "FirstName", false},
      {5, "Last Name", "string", 255, "lastName", "LastName", false},
      {6, "City", "string", 255, "city", "City", false},
      {7, "Phone Number", "phone", 255, "phone", "Phone", false},
      {8, "Lead Score", "score", 0, "leadScore", "LeadScore", false},
      {9, "Unsubscribed", "boolean", 0, "unsubscribed", "Unsubscribed", false},
      {10, "Created At", "datetime", 0, "createdAt", "CreatedAt", true},
      {11, "Updated At", "datetime", 0, "updatedAt", "UpdatedAt", true},
      {13, "Date of Birth", "date", 0, "dateOfBirth", "DateOfBirth", false},
      // SOAP-only: clients must skip fields without a rest block.
      {12, "Lead Partition Id", "integer", 0, "", "LeadPartitionId", true},
  };
  return fields;
}

const std::vector<marketo_activity_type>& marketo_data::activity_types() {
  static const std::vector<marketo_activity_type> types{
      {1, "Visit Webpage", "User visits a web page", {"Webpage ID", "integer"},
       {{"Client IP Address", "string"}, {"Query Parameters", "string"},
        {"Referrer URL", "string"}, {"User Agent", "string"}, {"Webpage URL", "string"}}},
      {2, "Fill Out Form", "User fills out and submits form on web page", {"Webform ID", "integer"},
       {{"Client IP Address", "string"}, {"Form Fields", "text"}, {"User Agent", "string"}}},
      {6, "Send Email", "Send Marketo Email to a person", {"Mailing ID", "integer"},
       {{"Campaign Run ID", "integer"}, {"Step ID", "integer"}}},
      {7, "Email Delivered", "Marketo Email is delivered to a person", {"Mailing ID", "integer"},
       {{"Campaign Run ID", "integer"}}},
      {10, "Open Email", "User opens Marketo Email", {"Mailing ID", "integer"},
       {{"Device", "string"}, {"Is Mobile Device", "boolean"}, {"User Agent", "string"}}},
      {11, "Click Email", "User clicks on a link in a Marketo Email", {"Mailing ID", "integer"},
       {{"Link", "string"}, {"Device", "string"}}},
      {12, "New Lead", "New person", {"Created Via", "string"},
       {{"Source Type", "string"}, {"Form Name", "string"}}},
      {13, "Change Data Value", "Changed attribute value for a person", {"Attribute", "string"},
       {{"New Value", "string"}, {"Old Value", "string"}, {"Reason", "string"}}},
  };
  return types;
}

const marketo_activity_type* marketo_data::activity_type(int id) {
  for (const auto& t : activity_types())
    if (t.id == id) return &t;
  return nullptr;
}

marketo_lead marketo_data::lead(std::int64_t index) const {
  const auto h = mix(1, static_cast<std::uint64_t>(index));
  marketo_lead l;
  l.id = index + 1;
  l.created_at = spread(index, shape_.leads);
  l.updated_at = first_update(index);
  {
    std::shared_lock lock(mu_);
    if (const auto it = touched_.find(index); it != touched_.end()) l.updated_at = it->second;
  }
  l.first_name = first_names[(h >> 8) % first_names.size()];
  l.last_name = last_names[(h >> 16) % last_names.size()];
  l.email = lower(l.first_name.substr(0, 1)) + "." + std::to_string(l.id) + "@example.com";
  l.company = companies[(h >> 24) % companies.size()];
  l.city = cities[(h >> 32) % cities.size()];
  l.phone = "+1 312 555 " + std::to_string(1000 + (h >> 36) % 9000);
  if ((h >> 44) % 5 != 0) l.score = static_cast<std::int64_t>((h >> 48) % 200);
  l.unsubscribed = ((h >> 56) % 10) == 0;
  if ((h >> 60) % 4 != 0) {
    // A plain date between 1940 and 2005, as Marketo's `date` fields hold.
    const auto d = mix(7, static_cast<std::uint64_t>(index));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", 1940 + static_cast<int>(d % 66),
                  1 + static_cast<int>((d >> 8) % 12), 1 + static_cast<int>((d >> 16) % 28));
    l.date_of_birth = buf;
  }
  return l;
}

std::optional<std::string> marketo_data::lead_value(const marketo_lead& l, std::string_view f) {
  if (f == "id") return std::to_string(l.id);
  if (f == "email") return l.email;
  if (f == "firstName") return l.first_name;
  if (f == "lastName") return l.last_name;
  if (f == "company") return l.company;
  if (f == "city") return l.city.empty() ? std::nullopt : std::optional<std::string>(l.city);
  if (f == "phone") return l.phone;
  if (f == "leadScore") return l.score ? std::optional(std::to_string(*l.score)) : std::nullopt;
  if (f == "unsubscribed") return std::string(l.unsubscribed ? "true" : "false");
  if (f == "dateOfBirth")
    return l.date_of_birth.empty() ? std::nullopt : std::optional<std::string>(l.date_of_birth);
  if (f == "createdAt") return format_rfc3339(l.created_at);
  if (f == "updatedAt") return format_rfc3339(l.updated_at);
  return std::nullopt;
}

std::vector<std::int64_t> marketo_data::leads_in(bool by_updated, std::int64_t start,
                                                 std::int64_t end) const {
  std::vector<std::int64_t> out;
  const std::int64_t n = shape_.leads;
  if (!by_updated) {
    // createdAt is non-decreasing in the index: binary search the range.
    std::int64_t lo = 0, hi = n;
    while (lo < hi) {
      const auto mid = lo + (hi - lo) / 2;
      if (spread(mid, n) < start) lo = mid + 1;
      else hi = mid;
    }
    for (std::int64_t i = lo; i < n && spread(i, n) <= end; ++i) out.push_back(i);
    return out;
  }
  std::shared_lock lock(mu_);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t updated = 0;
    if (const auto it = touched_.find(i); it != touched_.end()) updated = it->second;
    else
      updated = first_update(i);
    if (updated >= start && updated <= end) out.push_back(i);
  }
  return out;
}

std::int64_t marketo_data::activity_count() const {
  std::shared_lock lock(mu_);
  return shape_.activities + static_cast<std::int64_t>(added_dates_.size());
}

std::int64_t marketo_data::activity_date(std::int64_t index) const {
  if (index < shape_.activities) return spread(index, shape_.activities);
  std::shared_lock lock(mu_);
  const auto k = static_cast<std::size_t>(index - shape_.activities);
  return k < added_dates_.size() ? added_dates_[k] : added_dates_.empty() ? 0 : added_dates_.back();
}

std::int64_t marketo_data::first_activity_at(std::int64_t t) const {
  const auto n = shape_.activities;
  std::int64_t lo = 0, hi = n;
  while (lo < hi) {
    const auto mid = lo + (hi - lo) / 2;
    if (spread(mid, n) < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo < n) return lo;
  std::shared_lock lock(mu_);
  const auto it = std::lower_bound(added_dates_.begin(), added_dates_.end(), t);
  return n + (it - added_dates_.begin());
}

marketo_activity marketo_data::activity(std::int64_t index) const {
  const auto h = mix(2, static_cast<std::uint64_t>(index));
  const auto& types = activity_types();
  const auto& type = types[h % types.size()];
  marketo_activity a;
  a.index = index;
  a.date = activity_date(index);
  a.lead_id = shape_.leads > 0 ? 1 + static_cast<std::int64_t>((h >> 8) % shape_.leads) : 1;
  a.type_id = type.id;
  a.campaign_id = 1000 + static_cast<std::int64_t>((h >> 20) % 50);
  a.primary_value_id = 1 + static_cast<std::int64_t>((h >> 28) % 500);
  const auto pick = (h >> 40);
  switch (type.id) {
    case 1: a.primary_value = std::string("www.example.com") + pages[pick % pages.size()]; break;
    case 2: a.primary_value = "Contact Us, \"Main\""; break;
    case 12: a.primary_value = "Form Fill-out"; break;
    case 13: a.primary_value = "Lead Score"; break;
    default: a.primary_value = "Newsletter " + std::to_string(a.primary_value_id); break;
  }
  for (std::size_t k = 0; k < type.attributes.size(); ++k) {
    const auto& attr = type.attributes[k];
    const auto v = mix(3 + k, static_cast<std::uint64_t>(index));
    std::string value;
    if (attr.name == "User Agent") value = agents[v % agents.size()];
    else if (attr.name == "Client IP Address")
      value = "10.0." + std::to_string(v % 256) + "." + std::to_string((v >> 8) % 256);
    else if (attr.name == "Form Fields")
      value = "{\"comment\":\"Hello, \\\"world\\\"\\nsecond line ünïcödé\"}";
    else if (attr.name == "Webpage URL" || attr.name == "Link") value = pages[v % pages.size()];
    else if (attr.data_type == "integer") value = std::to_string(v % 100000);
    else if (attr.data_type == "boolean") value = (v & 1) ? "true" : "false";
    else if (attr.name == "Reason") value = "Changed by Smart Campaign, step \"3\"";
    else if (attr.name == "Device") value = (v & 1) ? "iPhone" : "Desktop";
    else value = "value " + std::to_string(v % 1000);
    a.attributes.emplace_back(attr.name, std::move(value));
  }
  return a;
}

// Up to a day after `created`, never past the end of the data's span (no
// record is changed in the future).
std::int64_t marketo_data::updated_after(std::int64_t created, std::uint64_t h) const {
  return on_grid(std::min(created + touched_after(h), base_time + span_seconds - 1));
}

std::string marketo_data::campaign_json(int i) const {
  const auto h = mix(4, static_cast<std::uint64_t>(i));
  const auto created = on_grid(base_time + static_cast<std::int64_t>(h % span_seconds));
  return nlohmann::json{{"id", 1001 + i},
                        {"name", "Campaign " + std::to_string(i + 1)},
                        {"description", (h & 1) ? "" : "Runs nightly, \"batch\""},
                        {"type", (h & 2) ? "batch" : "trigger"},
                        {"active", static_cast<bool>(h & 4)},
                        {"programId", 2001 + static_cast<int>((h >> 8) % 20)},
                        {"programName", "Program " + std::to_string(1 + (h >> 8) % 20)},
                        {"workspaceName", "Default"},
                        {"createdAt", format_rfc3339(created)},
                        {"updatedAt", format_rfc3339(updated_after(created, h))}}
      .dump();
}

std::string marketo_data::list_json(int i) const {
  const auto h = mix(5, static_cast<std::uint64_t>(i));
  const auto created = on_grid(base_time + static_cast<std::int64_t>(h % span_seconds));
  return nlohmann::json{{"id", 1021 + i},
                        {"name", "List " + std::to_string(i + 1)},
                        {"description", ""},
                        {"programName", "Ops"},
                        {"workspaceName", "Default"},
                        {"createdAt", format_rfc3339(created)},
                        {"updatedAt", format_rfc3339(updated_after(created, h))}}
      .dump();
}

std::int64_t marketo_data::program_updated_at(int i) const {
  const auto h = mix(6, static_cast<std::uint64_t>(i));
  return on_grid(std::min(base_time + static_cast<std::int64_t>(h % span_seconds) + 3600,
                          base_time + span_seconds - 1));
}

std::int64_t marketo_data::first_update(std::int64_t index) const {
  // Up to 60 days after creation, never past the end of the data's span.
  const auto created = spread(index, shape_.leads);
  const auto room = std::clamp<std::int64_t>(base_time + span_seconds - created, 1, 60 * 86400);
  return on_grid(created + static_cast<std::int64_t>(mix(1, static_cast<std::uint64_t>(index)) %
                                                     static_cast<std::uint64_t>(room)));
}

std::string marketo_data::program_json(int i) const {
  const auto h = mix(6, static_cast<std::uint64_t>(i));
  const auto updated = program_updated_at(i);
  return nlohmann::json{{"id", 1035 + i},
                        {"name", "Program " + std::to_string(i + 1)},
                        {"description", ""},
                        {"createdAt", program_time(updated - 3600)},
                        {"updatedAt", program_time(updated)},
                        {"url", "https://app.marketo.example/#NP" + std::to_string(1035 + i) +
                                    "A1"},
                        {"type", (h & 1) ? "Engagement" : "Default"},
                        {"channel", (h & 2) ? "Nurture" : "Webinar"},
                        {"folder",
                         {{"type", "Folder"}, {"value", 28}, {"folderName", "Nurturing"}}},
                        {"status", (h & 4) ? "on" : ""},
                        {"workspace", "Default"},
                        {"headStart", false}}
      .dump();
}

marketo_mutation marketo_data::mutate(std::int64_t touch, std::int64_t add, std::int64_t now) {
  std::unique_lock lock(mu_);
  marketo_mutation out;
  if (shape_.leads > 0) {
    touch = std::min(touch, shape_.leads);
    for (std::int64_t k = 0; k < touch; ++k) {
      // A stride coprime with most counts spreads touches over the range.
      const auto index = (touch_counter_++ * 7919) % shape_.leads;
      touched_[index] = now;
      ++out.touched_leads;
    }
  }
  // Never before an existing activity, so (date, index) order is index order.
  auto date = now;
  if (!added_dates_.empty()) date = std::max(date, added_dates_.back());
  else if (shape_.activities > 0) date = std::max(date, spread(shape_.activities - 1, shape_.activities));
  for (std::int64_t k = 0; k < add; ++k) added_dates_.push_back(date);
  out.added_activities = add;
  return out;
}

} // namespace quarry::sim
