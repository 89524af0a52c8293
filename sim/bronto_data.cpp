#include "sim/bronto_data.hpp"

#include "sim/timestamps.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <mutex>
#include <stdexcept>

namespace quarry::sim {

namespace {

constexpr std::int64_t day_seconds = 86400;

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::array statuses{"active", "active", "active", "onboarding", "transactional",
                              "bounce", "unconfirmed", "unsub"};
constexpr std::array sources{"api", "webform", "import", "manual"};
// Hostile to XML and JSON writers: markup characters, quotes, non-ASCII.
constexpr std::array custom_sources{"", "Spring <Sale> & \"Friends\"", "Zürich Café", "東京",
                                    "it's 🚀", "plain"};
constexpr std::array cities{"Chicago", "São Paulo", "Kraków", "New York", "Reykjavík"};
constexpr std::array browsers{"Chrome", "Firefox", "Safari", "Edge"};
constexpr std::array email_clients{"Gmail", "Apple Mail", "Outlook", "Yahoo! Mail"};
constexpr std::array systems{"Windows", "macOS", "iOS", "Android", "Linux"};
constexpr std::array inbound_types{"open",   "click",   "conversion", "reply",    "unsubscribe",
                                   "friendforward", "social", "webform", "sms_reply"};
constexpr std::array outbound_types{"send", "bounce", "contactskip", "sms_send", "sms_bounce"};
constexpr std::array unsubscribe_methods{"subscriber", "admin", "bulk", "listcleaning",
                                         "fbl", "complaint", "account", "api"};

bronto_field leaf(std::string name, std::string text, char kind = 's') {
  return {std::move(name), std::move(text), kind, {}};
}

bronto_field date(std::string name, std::int64_t unix_ms) { return leaf(std::move(name), std::to_string(unix_ms), 'd'); }

constexpr std::int64_t hour_ms = 3'600'000;

std::string money(std::uint64_t cents) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llu.%02llu", static_cast<unsigned long long>(cents / 100),
                static_cast<unsigned long long>(cents % 100));
  return buf;
}

} // namespace

std::string bronto_id(char kind, std::int64_t index) {
  const char* prefix = "0bb803ec";  // deliveries and anything else
  switch (kind) {
    case 'c': prefix = "0bc403ec"; break;
    case 'l': prefix = "0bbc03ec"; break;
    case 'm': prefix = "0bba03ec"; break;
    case 'f': prefix = "0bc903ec"; break;
    case 's': prefix = "0bcb03ec"; break;
    case 'k': prefix = "0bcc03ec"; break;
    default: break;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%028llx", prefix, static_cast<unsigned long long>(index));
  return buf;
}

std::int64_t bronto_ms(const bronto_field& f) { return std::stoll(f.text); }

std::string md5_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : std::string_view{reinterpret_cast<const char*>(digest), length}) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

contact_parts contact_parts::all() {
  contact_parts p{true, true, true, true, true, true, true, {}};
  for (const auto& f : bronto_data::custom_fields()) p.field_ids.push_back(f.id);
  return p;
}

const std::vector<bronto_custom_field>& bronto_data::custom_fields() {
  static const std::vector<bronto_custom_field> fields{
      {bronto_id('f', 1), "firstname", "First Name", "text"},
      {bronto_id('f', 2), "lastname", "Last Name", "text"},
      {bronto_id('f', 3), "birthday", "Birthday", "date"},
  };
  return fields;
}

bronto_data::bronto_data(bronto_shape shape) : shape_(shape), span_(shape.days * day_seconds) {
  if (shape_.contacts < 0 || shape_.lists < 0 || shape_.unsubscribes < 0 || shape_.inbound < 0 ||
      shape_.outbound < 0)
    throw std::invalid_argument("bronto dataset counts cannot be negative");
  if (shape_.days < 1) throw std::invalid_argument("bronto dataset days must be at least 1");
}

std::uint64_t bronto_data::mix(std::uint64_t salt, std::uint64_t index) const {
  return splitmix(shape_.seed * 0x100000001b3ULL ^ splitmix(salt * 1000003ULL + index));
}

std::int64_t bronto_data::spread(std::int64_t index, std::int64_t count) const {
  return shape_.start * 1000 + static_cast<std::int64_t>(static_cast<__int128>(index) * span_ * 1000 / count);
}

// ---- contacts ----------------------------------------------------------------

std::int64_t bronto_data::contact_created(std::int64_t index) const {
  return spread(index, shape_.contacts);
}

std::int64_t bronto_data::contact_modified(std::int64_t index) const {
  {
    std::shared_lock lock(mu_);
    if (auto it = touched_.find(index); it != touched_.end()) return it->second;
  }
  const auto created = contact_created(index);
  const auto later = static_cast<std::int64_t>(mix(1, index) % (2 * day_seconds * 1000));
  return std::min(created + later, (shape_.start + span_) * 1000 - 1);
}

bronto_record bronto_data::contact(std::int64_t index, const contact_parts& parts) const {
  const auto h = mix(2, index);
  bronto_record r;
  r.push_back(leaf("id", bronto_id('c', index)));
  r.push_back(leaf("email", "contact" + std::to_string(index) + "@example.com"));
  if (h % 3 == 0) r.push_back(leaf("mobileNumber", "+1312555" + std::to_string(1000 + index % 9000)));
  r.push_back(leaf("status", statuses[(h >> 4) % statuses.size()]));
  r.push_back(leaf("msgPref", (h >> 8) % 2 ? "html" : "text"));
  r.push_back(leaf("source", sources[(h >> 9) % sources.size()]));
  r.push_back(leaf("customSource", custom_sources[(h >> 12) % custom_sources.size()]));
  r.push_back(date("created", contact_created(index)));
  r.push_back(date("modified", contact_modified(index)));
  r.push_back(leaf("deleted", "false", 'b'));
  if (parts.lists)
    for (std::uint64_t k = 0; shape_.lists > 0 && k < (h >> 16) % 3; ++k)
      r.push_back(leaf("listIds", bronto_id('l', static_cast<std::int64_t>((h >> (20 + 4 * k)) % shape_.lists))));
  if (parts.segments && (h >> 30) % 4 == 0) r.push_back(leaf("segmentIds", bronto_id('s', 1 + (h >> 32) % 3)));
  for (const auto& f : custom_fields()) {
    if (std::find(parts.field_ids.begin(), parts.field_ids.end(), f.id) == parts.field_ids.end()) continue;
    std::string content = f.name == "birthday" ? format_rfc3339(shape_.start - static_cast<std::int64_t>(h % 10000) * day_seconds).substr(0, 10)
                          : f.name == "firstname" ? std::array{"Ann", "José", "Zoë", "O'Brien"}[h % 4]
                                                  : std::array{"Smith", "Müller", "<Lee>", "García"}[(h >> 2) % 4];
    r.push_back({"fields", "", 'o', {leaf("fieldId", f.id), leaf("content", content)}});
  }
  if (parts.sms_keywords && (h >> 34) % 5 == 0) r.push_back(leaf("SMSKeywordIDs", bronto_id('k', 1 + (h >> 36) % 2)));
  r.push_back(leaf("numSends", std::to_string((h >> 40) % 50), 'i'));
  r.push_back(leaf("numBounces", std::to_string((h >> 46) % 3), 'i'));
  r.push_back(leaf("numOpens", std::to_string((h >> 48) % 30), 'i'));
  r.push_back(leaf("numClicks", std::to_string((h >> 52) % 10), 'i'));
  r.push_back(leaf("numConversions", std::to_string((h >> 56) % 3), 'i'));
  r.push_back(leaf("conversionAmount", money((h >> 40) % 100000), 'n'));
  bronto_field ro{"readOnlyContactData", "", 'o', {}};
  const auto g = mix(3, index);
  if (parts.geoip) {
    ro.children.push_back(leaf("geoIPCity", cities[g % cities.size()]));
    ro.children.push_back(leaf("geoIPStateRegion", "Region " + std::to_string(g % 50)));
    ro.children.push_back(leaf("geoIPZip", std::to_string(10000 + g % 89999)));
    ro.children.push_back(leaf("geoIPCountry", "Country " + std::to_string((g >> 8) % 20)));
    ro.children.push_back(leaf("geoIPCountryCode", std::string{static_cast<char>('A' + (g >> 12) % 26),
                                                               static_cast<char>('A' + (g >> 17) % 26)}));
  }
  if (parts.technology) {
    ro.children.push_back(leaf("primaryBrowser", browsers[(g >> 20) % browsers.size()]));
    ro.children.push_back(leaf("mobileBrowser", browsers[(g >> 22) % browsers.size()]));
    ro.children.push_back(leaf("primaryEmailClient", email_clients[(g >> 24) % email_clients.size()]));
    ro.children.push_back(leaf("mobileEmailClient", email_clients[(g >> 26) % email_clients.size()]));
    ro.children.push_back(leaf("operatingSystem", systems[(g >> 28) % systems.size()]));
  }
  const auto created = contact_created(index);
  if (parts.rfm) {
    const auto orders = static_cast<std::int64_t>((g >> 32) % 6);
    const auto revenue = (g >> 36) % 50000 * static_cast<std::uint64_t>(orders);
    if (orders > 0) {
      ro.children.push_back(date("firstOrderDate", created + hour_ms));
      ro.children.push_back(date("lastOrderDate", created + 2 * hour_ms));
      ro.children.push_back(leaf("lastOrderTotal", money((g >> 36) % 50000), 'n'));
    }
    ro.children.push_back(leaf("totalOrders", std::to_string(orders), 'i'));
    ro.children.push_back(leaf("totalRevenue", money(revenue), 'n'));
    ro.children.push_back(leaf("averageOrderValue", money(orders > 0 ? revenue / static_cast<std::uint64_t>(orders) : 0), 'n'));
  }
  if (parts.engagement) {
    ro.children.push_back(date("lastDeliveryDate", created + 600'000));
    ro.children.push_back(date("lastOpenDate", created + 900'000));
    if ((g >> 50) % 2) ro.children.push_back(date("lastClickDate", created + 1'200'000));
  }
  if (!ro.children.empty()) r.push_back(std::move(ro));
  return r;
}

// ---- lists -----------------------------------------------------------------------

bronto_record bronto_data::list(int index) const {
  const auto h = mix(4, static_cast<std::uint64_t>(index));
  return {leaf("id", bronto_id('l', index)),
          leaf("name", "list_" + std::to_string(index)),
          leaf("label", index % 3 == 0 ? "Newsletter & \"Offers\" " + std::to_string(index)
                                       : "List " + std::to_string(index)),
          leaf("activeCount", std::to_string(h % 100000), 'i'),
          leaf("status", index % 7 == 6 ? "deleted" : "active"),
          leaf("visibility", h % 2 ? "public" : "private")};
}

// ---- unsubscribes ----------------------------------------------------------------

std::int64_t bronto_data::unsubscribe_count() const {
  std::shared_lock lock(mu_);
  return shape_.unsubscribes + static_cast<std::int64_t>(added_unsubscribes_.size());
}

std::int64_t bronto_data::unsubscribe_created(std::int64_t index) const {
  if (index < shape_.unsubscribes) return spread(index, shape_.unsubscribes);
  std::shared_lock lock(mu_);
  return added_unsubscribes_.at(static_cast<std::size_t>(index - shape_.unsubscribes));
}

bronto_record bronto_data::unsubscribe(std::int64_t index) const {
  const auto h = mix(5, static_cast<std::uint64_t>(index));
  const bool added = index >= shape_.unsubscribes;
  const auto contact = shape_.contacts > 0 ? (added ? index * 31 : static_cast<std::int64_t>(h)) % shape_.contacts : 0;
  const std::string method = added ? "api" : unsubscribe_methods[(h >> 8) % unsubscribe_methods.size()];
  return {leaf("contactId", bronto_id('c', contact < 0 ? -contact : contact)),
          leaf("deliveryId", bronto_id('d', static_cast<std::int64_t>((h >> 16) % 500))),
          leaf("method", method),
          leaf("complaint", method == "complaint" || method == "fbl" ? "true" : "false", 'b'),
          date("created", unsubscribe_created(index))};
}

// ---- activities ------------------------------------------------------------------

std::int64_t bronto_data::generated_activities(activity_direction d) const {
  return d == activity_direction::inbound ? shape_.inbound : shape_.outbound;
}

std::int64_t bronto_data::activity_count(activity_direction d) const {
  std::shared_lock lock(mu_);
  const auto& added = d == activity_direction::inbound ? added_inbound_ : added_outbound_;
  return generated_activities(d) + static_cast<std::int64_t>(added.size());
}

std::int64_t bronto_data::activity_created(activity_direction d, std::int64_t index) const {
  const auto n = generated_activities(d);
  if (index < n) return spread(index / 2, (n + 1) / 2);
  std::shared_lock lock(mu_);
  const auto& added = d == activity_direction::inbound ? added_inbound_ : added_outbound_;
  return added.at(static_cast<std::size_t>(index - n)).first;
}

std::int64_t bronto_data::activity_identity(activity_direction d, std::int64_t index) const {
  const auto n = generated_activities(d);
  if (index < n) return index;
  std::shared_lock lock(mu_);
  const auto& added = d == activity_direction::inbound ? added_inbound_ : added_outbound_;
  return n + added.at(static_cast<std::size_t>(index - n)).second;
}

std::int64_t bronto_data::first_activity_at(activity_direction d, std::int64_t t_ms) const {
  std::int64_t lo = 0, hi = activity_count(d);
  while (lo < hi) {
    const auto mid = lo + (hi - lo) / 2;
    if (activity_created(d, mid) < t_ms) lo = mid + 1; else hi = mid;
  }
  return lo;
}

bronto_record bronto_data::activity(activity_direction d, std::int64_t index) const {
  const bool in = d == activity_direction::inbound;
  // Every fourth inbound pair: two clicks, one contact, one delivery, two links.
  const bool click_pair = in && index < shape_.inbound && (index / 2) % 4 == 1;
  const auto identity = activity_identity(d, index);
  const auto basis = click_pair ? index / 2 : identity;
  const auto h = mix(in ? 6 : 7, static_cast<std::uint64_t>(basis));
  const std::string type = click_pair ? "click"
                           : in       ? inbound_types[(h >> 4) % inbound_types.size()]
                                      : outbound_types[(h >> 4) % outbound_types.size()];
  const auto contact = shape_.contacts > 0 ? static_cast<std::int64_t>(h % static_cast<std::uint64_t>(shape_.contacts)) : 0;
  const auto message = static_cast<std::int64_t>((h >> 12) % 40);
  const auto delivery = static_cast<std::int64_t>((h >> 20) % 500);
  const auto created = activity_created(d, index);
  const bool sms = type.starts_with("sms_");
  bronto_record r;
  r.push_back(date("createdDate", created));
  r.push_back(leaf("contactId", bronto_id('c', contact)));
  if (shape_.lists > 0 && (h >> 28) % 2) r.push_back(leaf("listId", bronto_id('l', static_cast<std::int64_t>((h >> 29) % shape_.lists))));
  if (sms) r.push_back(leaf("keywordId", bronto_id('k', 1 + static_cast<std::int64_t>((h >> 33) % 2))));
  r.push_back(leaf("messageId", bronto_id('m', message)));
  r.push_back(leaf("deliveryId", bronto_id('d', delivery)));
  r.push_back(leaf("activityType", type));
  r.push_back(leaf("emailAddress", "contact" + std::to_string(contact) + "@example.com"));
  if (sms) r.push_back(leaf("mobileNumber", "+1312555" + std::to_string(1000 + contact % 9000)));
  r.push_back(leaf("contactStatus", "active"));
  r.push_back(leaf("messageName", "Message " + std::to_string(message) + (message % 5 == 0 ? " — “Sale” & <more>" : "")));
  r.push_back(leaf("deliveryType", (h >> 36) % 3 == 0 ? "triggered" : "normal"));
  r.push_back(date("deliveryStart", created - static_cast<std::int64_t>((h >> 40) % hour_ms)));
  if (sms) r.push_back(leaf("smsKeywordName", "JOIN"));
  if (type == "click") {
    const char* slot = click_pair ? (index % 2 ? "b" : "a") : "c";
    r.push_back(leaf("linkName", std::string{"Link "} + slot));
    r.push_back(leaf("linkUrl", "https://shop.example.com/p?id=" + std::to_string(message) + "&slot=" + slot));
  } else if (type == "conversion") {
    r.push_back(leaf("orderId", "order-" + std::to_string(index)));
  } else if (type == "unsubscribe") {
    r.push_back(leaf("unsubscribeMethod", "subscriber"));
  } else if (type == "friendforward") {
    r.push_back(leaf("ftafEmails", "friend" + std::to_string(index) + "@example.org"));
  } else if (type == "social") {
    r.push_back(leaf("socialNetwork", (h >> 44) % 2 ? "facebook" : "twitter"));
    r.push_back(leaf("socialActivity", "share"));
  } else if (type == "webform") {
    r.push_back(leaf("webformType", "signup"));
    r.push_back(leaf("webformAction", "submit"));
    r.push_back(leaf("webformName", "Sign up"));
    r.push_back(leaf("webformId", bronto_id('w', static_cast<std::int64_t>((h >> 44) % 4))));
  } else if (type == "bounce" || type == "sms_bounce") {
    r.push_back(leaf("bounceType", (h >> 44) % 2 ? "hard" : "soft"));
    r.push_back(leaf("bounceReason", "550 5.1.1 <contact" + std::to_string(contact) + "@example.com>: unknown"));
  } else if (type == "contactskip") {
    r.push_back(leaf("skipReason", "frequency cap"));
  }
  return r;
}

// ---- mutations -------------------------------------------------------------------

bronto_mutation bronto_data::mutate(const bronto_mutation& wanted, std::int64_t now) {
  std::unique_lock lock(mu_);
  bronto_mutation done;
  if (shape_.contacts > 0) {
    for (std::int64_t k = 0; k < std::min(wanted.touched_contacts, shape_.contacts); ++k) {
      if (k == 0 && wanted.first_contact >= 0) touch_counter_ = wanted.first_contact;
      touched_[touch_counter_++ % shape_.contacts] = now;
      ++done.touched_contacts;
    }
  }
  for (std::int64_t k = 0; k < wanted.added_unsubscribes; ++k) added_unsubscribes_.push_back(now);
  // Kept in createdDate order; one added at an instant others already hold
  // goes after them, so no record's index or identity changes but those after it.
  auto add = [now](std::vector<std::pair<std::int64_t, std::int64_t>>& added, std::int64_t count) {
    for (std::int64_t k = 0; k < count; ++k) {
      const auto at = std::upper_bound(added.begin(), added.end(), now,
                                       [](std::int64_t t, const auto& a) { return t < a.first; });
      added.insert(at, {now, static_cast<std::int64_t>(added.size())});
    }
  };
  add(added_inbound_, wanted.added_inbound);
  add(added_outbound_, wanted.added_outbound);
  done.added_unsubscribes = wanted.added_unsubscribes;
  done.added_inbound = wanted.added_inbound;
  done.added_outbound = wanted.added_outbound;
  return done;
}

} // namespace quarry::sim
