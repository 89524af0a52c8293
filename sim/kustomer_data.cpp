#include "sim/kustomer_data.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <stdexcept>

#include "sim/timestamps.hpp"

namespace quarry::sim {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, kustomer_kind_count> contexts{
    "customer", "conversation", "message", "note", "kobject", "user", "team", "tag", "shortcut"};
constexpr std::array<std::string_view, kustomer_kind_count> plurals{
    "customers", "conversations", "messages", "notes", "kobjects",
    "users",     "teams",         "tags",     "shortcuts"};

std::size_t index(kustomer_kind kind) { return static_cast<std::size_t>(kind); }

std::int64_t floor_ms(std::int64_t us) { return us >= 0 ? us / 1000 : -((-us + 999) / 1000); }

// A record's microsecond within its millisecond, fixed by its id.
std::int64_t sub_ms_us(const std::string& id) { return static_cast<std::int64_t>(std::hash<std::string>{}(id) % 1000); }

std::string iso_ms(std::int64_t ms) {
  return format_rfc3339_ms(std::chrono::system_clock::time_point{std::chrono::milliseconds{ms}});
}

json relation(std::string_view type, const std::string& id, const std::string& self) {
  return {{"links", {{"self", self}}}, {"data", {{"type", type}, {"id", id}}}};
}

bool less(const kustomer_record& a, const kustomer_record& b) {
  return a.updated_ms != b.updated_ms ? a.updated_ms < b.updated_ms : a.id < b.id;
}

constexpr std::array<std::string_view, 4> channels{"email", "chat", "sms", "voice"};
constexpr std::array<std::string_view, 3> statuses{"open", "snoozed", "done"};
constexpr std::array<std::string_view, 4> colors{"#3f51b5", "#e91e63", "#009688", "#ff9800"};

} // namespace

std::string_view context_name(kustomer_kind kind) noexcept { return contexts[index(kind)]; }
std::string_view plural_name(kustomer_kind kind) noexcept { return plurals[index(kind)]; }

std::optional<kustomer_kind> kind_of_context(std::string_view context) noexcept {
  for (std::size_t i = 0; i < contexts.size(); ++i)
    if (contexts[i] == context) return static_cast<kustomer_kind>(i);
  return std::nullopt;
}

std::optional<kustomer_kind> kind_of_plural(std::string_view plural) noexcept {
  for (std::size_t i = 0; i < plurals.size(); ++i)
    if (plurals[i] == plural) return static_cast<kustomer_kind>(i);
  return std::nullopt;
}

bool searchable(kustomer_kind kind) noexcept { return index(kind) <= index(kustomer_kind::kobject); }

bool kustomer_time_bounds::matches(std::int64_t us) const {
  return !((gt && us <= *gt) || (gte && us < *gte) || (lt && us >= *lt) || (lte && us > *lte));
}

bool kustomer_filter::matches(const kustomer_record& r, bool precise) const {
  const auto shown = [&](std::int64_t us) { return precise ? us : floor_ms(us) * 1000; };
  if (!updated.matches(shown(r.updated_us)) || !created.matches(shown(r.created_us))) return false;
  return !((id_gt && r.id <= *id_gt) || (id_gte && r.id < *id_gte) || (id_lt && r.id >= *id_lt) ||
           (id_lte && r.id > *id_lte));
}

kustomer_data::kustomer_data(kustomer_shape shape) : shape_(shape), rng_(shape.seed) {
  if (shape_.days < 1) throw std::invalid_argument("days must be at least 1");
  if (shape_.same_updated_at < 0) throw std::invalid_argument("same_updated_at cannot be negative");
  for (const int n : shape_.counts)
    if (n < 0) throw std::invalid_argument("record counts cannot be negative");
  org_id_ = "5f0000000000000000000001";
  const std::int64_t span_ms = std::int64_t{shape_.days} * 86'400'000;
  std::uniform_int_distribution<std::int64_t> offset(0, span_ms - 1);
  // Kinds that others point at come first.
  for (const auto kind : {kustomer_kind::user, kustomer_kind::team, kustomer_kind::tag,
                          kustomer_kind::shortcut, kustomer_kind::customer,
                          kustomer_kind::conversation, kustomer_kind::message, kustomer_kind::note,
                          kustomer_kind::kobject}) {
    auto& list = records_[index(kind)];
    const int n = shape_.counts[index(kind)];
    list.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      std::int64_t updated = shape_.start * 1000 + offset(rng_);
      const bool tied = kind == kustomer_kind::customer && i < shape_.same_updated_at;
      if (tied) updated = shape_.start * 1000 + span_ms / 2 + 123;
      list.push_back(make(kind, updated));
      if (tied && shape_.same_created_at) {
        auto& r = list.back();
        r.created_us = updated * 1000 + r.updated_us % 1000;
        r.wire["attributes"]["createdAt"] = iso_ms(updated);
      }
    }
    sort(kind);
  }
}

std::string kustomer_data::next_id(kustomer_kind kind) {
  char text[32];
  std::snprintf(text, sizeof text, "%04x%020llx", 0x5e00u + static_cast<unsigned>(index(kind)),
                static_cast<unsigned long long>(rng_() >> 8));
  return text;
}

const std::string& kustomer_data::pick_id(kustomer_kind kind) {
  static const std::string none;
  const auto& list = records_[index(kind)];
  if (list.empty()) return none;
  return list[std::uniform_int_distribution<std::size_t>(0, list.size() - 1)(rng_)].id;
}

void kustomer_data::sort(kustomer_kind kind) {
  auto& list = records_[index(kind)];
  std::sort(list.begin(), list.end(), less);
}

// One record as the API sends it. Attributes are camelCase; the connector's
// output (snake_case, de-nested) is what /_sim/dataset shows.
kustomer_record kustomer_data::make(kustomer_kind kind, std::int64_t updated_ms) {
  const auto id = next_id(kind);
  const auto n = records_[index(kind)].size() + 1;
  const std::int64_t created_ms =
      updated_ms - std::uniform_int_distribution<std::int64_t>(0, 86'400'000)(rng_);
  const auto pick = [&](const auto& names) {
    return std::string(names[std::uniform_int_distribution<std::size_t>(0, names.size() - 1)(rng_)]);
  };
  const std::string self = "/v1/" + std::string(plural_name(kind)) + "/" + id;
  json attributes = {{"createdAt", iso_ms(created_ms)}, {"updatedAt", iso_ms(updated_ms)}};
  json relationships = {{"org", relation("org", org_id_, "/v1/orgs/" + org_id_)}};
  auto link = [&](const char* name, kustomer_kind target) {
    const auto& target_id = pick_id(target);
    if (target_id.empty()) return std::string();
    relationships[name] = relation(context_name(target), target_id,
                                   "/v1/" + std::string(plural_name(target)) + "/" + target_id);
    return target_id;
  };
  std::string type(context_name(kind));
  switch (kind) {
    case kustomer_kind::customer: {
      const auto name = "Customer " + std::to_string(n);
      attributes.update({{"name", name}, {"displayName", name}, {"firstName", "Customer"},
                         {"lastName", std::to_string(n)}, {"externalIds", json::array()},
                         {"emails", json::array({{{"email", "customer" + std::to_string(n) + "@example.com"},
                                                  {"verified", n % 3 == 0}, {"type", "home"}}})},
                         {"phones", json::array()}, {"tags", json::array()},
                         {"modifiedAt", iso_ms(updated_ms)}, {"deleted", false},
                         {"conversationCounts", {{"done", n % 4}, {"open", n % 2}, {"snoozed", 0}, {"all", n % 4 + n % 2}}},
                         {"verified", true}, {"rev", 1}});
      link("createdBy", kustomer_kind::user);
      relationships["messages"] = {{"links", {{"self", self + "/messages"}}}};
      break;
    }
    case kustomer_kind::conversation:
      attributes.update({{"name", "Conversation " + std::to_string(n)},
                         {"channels", json::array({pick(channels)})}, {"status", pick(statuses)},
                         {"priority", static_cast<int>(n % 5) + 1}, {"messageCount", n % 7},
                         {"tags", json::array()}, {"rev", 1}});
      link("customer", kustomer_kind::customer);
      link("createdBy", kustomer_kind::user);
      if (const auto& team = pick_id(kustomer_kind::team); !team.empty())
        relationships["assignedTeams"] = {{"data", json::array({{{"type", "team"}, {"id", team}}})}};
      break;
    case kustomer_kind::message:
      attributes.update({{"channel", pick(channels)}, {"direction", n % 2 ? "in" : "out"},
                         {"preview", "Message " + std::to_string(n) + " preview"},
                         {"subject", "Subject " + std::to_string(n)}, {"sentAt", iso_ms(created_ms)},
                         {"rev", 1}});
      link("conversation", kustomer_kind::conversation);
      link("customer", kustomer_kind::customer);
      break;
    case kustomer_kind::note:
      attributes["body"] = "Note " + std::to_string(n);
      link("conversation", kustomer_kind::conversation);
      link("customer", kustomer_kind::customer);
      link("createdBy", kustomer_kind::user);
      break;
    case kustomer_kind::kobject: {
      const auto total = static_cast<double>(n % 1000) + 0.98;
      char money[32];
      std::snprintf(money, sizeof money, "$%.2f", total);
      type = "kobject.order";
      attributes.update({{"externalId", "order-" + std::to_string(n)},
                         {"title", "Order Number #" + std::to_string(n)},
                         {"description", "items purchased"}, {"data", {{"orderTotal", money}}},
                         {"custom", {{"orderTotalNum", total}}}, {"tags", json::array()}, {"rev", 0}});
      relationships["klass"] = {{"data", {{"type", "klass"}, {"id", "order"}}}};
      link("customer", kustomer_kind::customer);
      break;
    }
    case kustomer_kind::user: {
      const auto name = "User " + std::to_string(n);
      attributes.update({{"name", name}, {"displayName", name},
                         {"email", "user" + std::to_string(n) + "@example.com"},
                         {"userType", "user"}, {"roles", json::array({n == 1 ? "org.admin" : "org.user"})}});
      break;
    }
    case kustomer_kind::team:
      attributes.update({{"name", "Team " + std::to_string(n)}, {"displayName", "Team " + std::to_string(n)},
                         {"icon", "star"}});
      if (const auto& user = pick_id(kustomer_kind::user); !user.empty())
        relationships["members"] = {{"data", json::array({{{"type", "user"}, {"id", user}}})}};
      break;
    case kustomer_kind::tag:
      attributes.update({{"name", "tag-" + std::to_string(n)}, {"color", pick(colors)}, {"deleted", false}});
      link("createdBy", kustomer_kind::user);
      break;
    case kustomer_kind::shortcut:
      attributes.update({{"name", "Shortcut " + std::to_string(n)},
                         {"text", "Thanks for writing in (" + std::to_string(n) + ")"},
                         {"deleted", false}});
      break;
  }
  json wire = {{"type", type}, {"id", id}, {"attributes", std::move(attributes)},
               {"relationships", std::move(relationships)}, {"links", {{"self", self}}}};
  return {id, updated_ms, updated_ms * 1000 + sub_ms_us(id), created_ms * 1000 + sub_ms_us(id), std::move(wire)};
}

kustomer_page kustomer_data::search(kustomer_kind kind, const kustomer_filter& filter, std::int64_t offset,
                                    std::int64_t limit, kustomer_search_view view) const {
  std::shared_lock lock(mu_);
  const auto& list = records_[index(kind)];
  auto it = list.begin();
  if (const auto from = filter.updated.gte ? filter.updated.gte
                        : filter.updated.gt ? std::optional(*filter.updated.gt + 1)
                                            : std::nullopt)
    it = std::lower_bound(list.begin(), list.end(), floor_ms(*from),
                          [](const kustomer_record& r, std::int64_t t) { return r.updated_ms < t; });
  std::vector<const kustomer_record*> matching;
  for (; it != list.end(); ++it)
    if (filter.matches(*it, view.precise)) matching.push_back(&*it);
  if (view.precise || !view.ties_by_id) {  // the list is kept in (updatedAt ms, id) order
    const auto key = [&](const kustomer_record* r) {
      return std::pair(view.precise ? r->updated_us : r->updated_ms * 1000,
                       view.ties_by_id ? std::size_t{0} : std::hash<std::string>{}(r->id));
    };
    std::stable_sort(matching.begin(), matching.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
  }
  kustomer_page out;
  out.total = static_cast<std::int64_t>(matching.size());
  for (std::int64_t i = offset; i < out.total && i < offset + limit; ++i)
    out.data.push_back(matching[static_cast<std::size_t>(i)]->wire);
  return out;
}

kustomer_page kustomer_data::list(kustomer_kind kind, std::int64_t offset, std::int64_t limit) const {
  std::shared_lock lock(mu_);
  std::vector<const kustomer_record*> by_id;
  for (const auto& r : records_[index(kind)]) by_id.push_back(&r);
  std::sort(by_id.begin(), by_id.end(), [](auto* a, auto* b) { return a->id < b->id; });
  kustomer_page out;
  out.total = static_cast<std::int64_t>(by_id.size());
  for (std::int64_t i = offset; i < out.total && i < offset + limit; ++i)
    out.data.push_back(by_id[static_cast<std::size_t>(i)]->wire);
  return out;
}

std::vector<nlohmann::json> kustomer_data::all(kustomer_kind kind) const {
  std::shared_lock lock(mu_);
  std::vector<json> out;
  for (const auto& r : records_[index(kind)]) out.push_back(r.wire);
  return out;
}

kustomer_mutation kustomer_data::mutate(std::int64_t touch, std::int64_t add, std::int64_t now_ms) {
  std::unique_lock lock(mu_);
  kustomer_mutation out;
  for (std::size_t k = 0; k < kustomer_kind_count; ++k) {
    const auto kind = static_cast<kustomer_kind>(k);
    if (!searchable(kind)) continue;
    auto& list = records_[k];
    // The oldest records move to now: each touched once.
    const auto touched = std::min<std::int64_t>(touch, static_cast<std::int64_t>(list.size()));
    for (std::int64_t i = 0; i < touched; ++i) {
      auto& r = list[static_cast<std::size_t>(i)];
      r.updated_ms = now_ms;
      r.updated_us = now_ms * 1000 + sub_ms_us(r.id);
      auto& attributes = r.wire["attributes"];
      attributes["updatedAt"] = iso_ms(now_ms);
      if (attributes.contains("rev")) attributes["rev"] = attributes["rev"].get<int>() + 1;
    }
    for (std::int64_t i = 0; i < add; ++i) list.push_back(make(kind, now_ms));
    sort(kind);
    out.touched = touched;
    out.added = add;
  }
  return out;
}

} // namespace quarry::sim
