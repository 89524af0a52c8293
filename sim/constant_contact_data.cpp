#include "sim/constant_contact_data.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace quarry::sim {

namespace {

constexpr std::int64_t day_s = 86400;

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A uniform number in [0, 1) from a key.
double unit(std::uint64_t key) { return static_cast<double>(mix(key) >> 11) / 9007199254740992.0; }

std::uint64_t key_of(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0, std::uint64_t d = 0) {
  return mix(mix(mix(a) ^ b) ^ (c * 0x100000001b3ULL)) ^ d;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* field_types[] = {"string", "date", "number", "boolean"};

} // namespace

std::string cc_uuid(std::uint64_t a, std::uint64_t b) {
  const auto x = mix(a), y = mix(b ^ 0x5bd1e995ULL);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(x >> 32),
                static_cast<unsigned>((x >> 16) & 0xffff), static_cast<unsigned>(x & 0xfff),
                static_cast<unsigned>(0x8000 | ((y >> 48) & 0x3fff)),
                static_cast<unsigned long long>(y & 0xffffffffffffULL));
  return buf;
}

std::string_view report_path_name(cc_report r) {
  switch (r) {
    case cc_report::sends: return "sends";
    case cc_report::opens: return "opens";
    case cc_report::unique_opens: return "unique_opens";
    case cc_report::clicks: return "clicks";
    case cc_report::bounces: return "bounces";
    case cc_report::optouts: return "optouts";
    case cc_report::forwards: return "forwards";
    case cc_report::didnotopens: return "didnotopens";
  }
  return "";
}

std::optional<cc_report> report_of(std::string_view path_name) {
  for (const auto r : all_cc_reports)
    if (report_path_name(r) == path_name) return r;
  return std::nullopt;
}

cc_data::cc_data(const cc_shape& shape) : shape_(shape) {
  if (shape_.contacts < 0 || shape_.lists < 1 || shape_.custom_fields < 0 || shape_.tags < 0 || shape_.campaigns < 0 ||
      shape_.activities_per_campaign < 1 || shape_.recipients < 0 || shape_.days < 1 ||
      shape_.horizon_days < 1)
    throw std::invalid_argument(
        "constant_contact: contacts, custom_fields, tags, campaigns and recipients must be >= 0; lists, "
        "activities_per_campaign, days and horizon_days >= 1");
  if (shape_.start == 0) shape_.start = unix_now() - shape_.days * day_s;
  const auto s = shape_.seed;
  const auto span = shape_.days * day_s;
  for (int i = 0; i < shape_.lists; ++i) {
    cc_list l;
    l.id = cc_uuid(key_of(s, 1, i), i);
    l.name = "List " + std::to_string(i + 1);
    l.created_at = shape_.start + static_cast<std::int64_t>(unit(key_of(s, 2, i)) * span / 4);
    l.updated_at = l.created_at + static_cast<std::int64_t>(unit(key_of(s, 3, i)) * span / 2);
    lists_.push_back(std::move(l));
  }
  for (int i = 0; i < shape_.custom_fields; ++i) {
    cc_custom_field f;
    f.id = cc_uuid(key_of(s, 4, i), i);
    f.name = "field_" + std::to_string(i + 1);
    f.type = field_types[i % 4];
    f.created_at = shape_.start + static_cast<std::int64_t>(unit(key_of(s, 5, i)) * span / 4);
    fields_.push_back(std::move(f));
  }
  for (int i = 0; i < shape_.contacts; ++i) {
    cc_contact c;
    c.number = i + 1;
    c.id = cc_uuid(key_of(s, 6, i), i);
    c.created_at = shape_.start + static_cast<std::int64_t>(unit(key_of(s, 7, i)) * span * 0.8);
    c.updated_at = c.created_at + static_cast<std::int64_t>(unit(key_of(s, 8, i)) * span * 0.2);
    c.lists.push_back(i % shape_.lists);
    if (unit(key_of(s, 9, i)) < 0.3) c.lists.push_back((i + 1) % shape_.lists);
    std::sort(c.lists.begin(), c.lists.end());
    c.lists.erase(std::unique(c.lists.begin(), c.lists.end()), c.lists.end());
    for (const int l : c.lists) ++lists_[static_cast<std::size_t>(l)].members;
    contacts_.push_back(std::move(c));
  }
  for (int i = 0; i < shape_.campaigns; ++i) {
    const auto created = shape_.start + static_cast<std::int64_t>(unit(key_of(s, 10, i)) * span * 0.9);
    std::optional<std::int64_t> sent;
    if (unit(key_of(s, 11, i)) >= 0.15)  // about one campaign in seven stays a draft
      sent = std::min(created + static_cast<std::int64_t>(unit(key_of(s, 12, i)) * day_s * 2),
                      shape_.start + span);
    add_campaign(created, sent);
  }
}

void cc_data::add_campaign(std::int64_t created, std::optional<std::int64_t> sent) {
  const auto s = shape_.seed;
  cc_campaign c;
  c.number = static_cast<int>(campaigns_.size()) + 1;
  const auto n = static_cast<std::uint64_t>(c.number);
  c.id = cc_uuid(key_of(s, 20, n), n);
  c.name = "Campaign " + std::to_string(c.number);
  c.created_at = created;
  c.sent_at = sent;
  // Every other unsent campaign is scheduled, a month after its creation.
  c.status = sent ? "Done" : c.number % 2 == 0 ? "Scheduled" : "Draft";
  if (c.status == "Scheduled") c.scheduled_at = created + 30 * day_s;
  c.updated_at = sent ? *sent : created + 600;
  // Every campaign has its primary_email activities and a permalink (no reports).
  for (int a = 0; a <= shape_.activities_per_campaign; ++a) {
    cc_activity act;
    const auto an = static_cast<std::uint64_t>(a);
    act.id = cc_uuid(key_of(s, 21, n, an), n * 1000 + an);
    act.role = a < shape_.activities_per_campaign ? "primary_email" : "permalink";
    act.list = static_cast<int>(mix(key_of(s, 22, n, an)) % static_cast<std::uint64_t>(shape_.lists));
    if (sent && act.role == "primary_email") {
      const auto count = std::min(shape_.recipients, shape_.contacts);
      const auto first = static_cast<int>(mix(key_of(s, 23, n, an)) % static_cast<std::uint64_t>(std::max(1, shape_.contacts)));
      for (int r = 0; r < count; ++r) act.recipients.push_back((first + r) % shape_.contacts + 1);
      act.events = events_of(act, *sent, key_of(s, 24, n, an));
      for (std::size_t i = 0; i < act.events.size(); ++i) act.events_of_contact[act.events[i].contact].push_back(i);
    }
    c.activities.push_back(std::move(act));
  }
  campaigns_.push_back(std::move(c));
}

std::vector<cc_event> cc_data::events_of(const cc_activity& a, std::int64_t sent_at,
                                         std::uint64_t key) const {
  std::vector<cc_event> out;
  const double horizon = static_cast<double>(shape_.horizon_days) * day_s;
  auto add = [&](cc_report r, int contact, std::int64_t at, int url = 0, char bounce = 0) {
    out.push_back({static_cast<std::int64_t>(out.size()) + 1, r, contact, at, url, bounce});
  };
  for (std::size_t i = 0; i < a.recipients.size(); ++i) {
    const int contact = a.recipients[i];
    const auto k = key_of(key, i);
    add(cc_report::sends, contact, sent_at);
    if (unit(k ^ 1) < 0.05) {
      add(cc_report::bounces, contact, sent_at + 60 + static_cast<std::int64_t>(unit(k ^ 2) * 3000),
          0, unit(k ^ 3) < 0.5 ? 'B' : 'D');
      continue;
    }
    if (unit(k ^ 4) >= 0.6) continue;  // never opens
    // Opens come mostly early: offset = horizon * u^3, at distinct seconds.
    const int opens = 1 + static_cast<int>(unit(k ^ 5) * 3);
    std::int64_t first_open = 0;
    for (int o = 0; o < opens; ++o) {
      const double u = unit(k ^ (16 + o));
      const auto at = sent_at + 30 + static_cast<std::int64_t>(horizon * u * u * u * 0.97) + o;
      if (o == 0 || at < first_open) first_open = at;
      add(cc_report::opens, contact, at);
      if (unit(k ^ (32 + o)) < 0.4)
        add(cc_report::clicks, contact, at + 5 + static_cast<std::int64_t>(unit(k ^ (48 + o)) * 600),
            1 + static_cast<int>(mix(k ^ (64 + o)) % 3));
    }
    add(cc_report::unique_opens, contact, first_open);
    if (unit(k ^ 6) < 0.05) add(cc_report::forwards, contact, first_open + 120);
    if (unit(k ^ 7) < 0.03) add(cc_report::optouts, contact, first_open + 45);
  }
  return out;
}

const cc_campaign* cc_data::campaign(std::string_view id) const {
  for (const auto& c : campaigns_)
    if (c.id == id) return &c;
  return nullptr;
}

std::optional<std::pair<const cc_campaign*, const cc_activity*>> cc_data::activity(
    std::string_view id) const {
  for (const auto& c : campaigns_)
    for (const auto& a : c.activities)
      if (a.id == id) return std::make_pair(&c, &a);
  return std::nullopt;
}

std::vector<cc_event> cc_data::report(const cc_activity& a, cc_report r, std::int64_t now) const {
  std::vector<cc_event> out;
  if (r == cc_report::didnotopens) {
    std::set<int> reached;  // opened or bounced, as far as visible
    std::int64_t sent_at = -1;
    for (const auto& e : a.events) {
      if (e.created_time > now) continue;
      if (e.report == cc_report::opens || e.report == cc_report::bounces) reached.insert(e.contact);
      if (e.report == cc_report::sends) sent_at = e.created_time;
    }
    if (sent_at < 0) return out;
    for (std::size_t i = 0; i < a.recipients.size(); ++i)
      if (!reached.count(a.recipients[i]))
        out.push_back({static_cast<std::int64_t>(i) + 1, r, a.recipients[i], sent_at, 0, 0});
  } else {
    for (const auto& e : a.events)
      if (e.report == r && e.created_time <= now) out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const cc_event& x, const cc_event& y) {
    return x.created_time != y.created_time ? x.created_time > y.created_time : x.seq > y.seq;
  });
  return out;
}

cc_data::mutation cc_data::mutate(int touch_contacts, int send_campaigns, std::int64_t now) {
  mutation m;
  const auto n = contacts_.size();
  // Deleted contacts are not touched (an update with lists would restore them).
  std::vector<bool> touched(n, false);
  std::size_t live = 0;
  for (std::size_t i = 0; i < n; ++i) {
    touched[i] = contacts_[i].deleted_at.has_value();
    live += !touched[i];
  }
  for (int i = 0; i < touch_contacts && static_cast<std::size_t>(m.touched_contacts) < live; ++i) {
    // A random contact; the next one not yet touched in this mutation.
    auto at = static_cast<std::size_t>(mix(shape_.seed ^ (0xc0ffee + touches_++)) % n);
    while (touched[at]) at = (at + 1) % n;
    touched[at] = true;
    auto& c = contacts_[at];
    c.updated_at = now;
    ++c.revision;
    ++m.touched_contacts;
  }
  for (int i = 0; i < send_campaigns; ++i, ++m.sent_campaigns) add_campaign(now - 3600, now);
  return m;
}

cc_contact& cc_data::contact_of(const std::string& id) {
  for (auto& c : contacts_)
    if (c.id == id) return c;
  throw std::invalid_argument("no contact " + id);
}

std::vector<std::string> cc_data::delete_contacts(const std::vector<std::string>& ids, int count, std::int64_t now,
                                                  bool bump_updated_at) {
  std::vector<std::string> out;
  auto remove = [&](cc_contact& c) {
    if (c.deleted_at) return;
    for (const int l : c.lists) --lists_[static_cast<std::size_t>(l)].members;
    c.lists.clear();
    c.deleted_at = now;
    if (bump_updated_at) c.updated_at = now;
    out.push_back(c.id);
  };
  for (const auto& id : ids) remove(contact_of(id));
  std::vector<std::size_t> live;
  for (std::size_t i = 0; i < contacts_.size(); ++i)
    if (!contacts_[i].deleted_at) live.push_back(i);
  for (int i = 0; i < count && !live.empty(); ++i) {
    const auto at = static_cast<std::size_t>(mix(shape_.seed ^ (0xde1e7e + deletions_++)) % live.size());
    remove(contacts_[live[at]]);
    live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
  }
  return out;
}

std::vector<std::string> cc_data::restore_contacts(const std::vector<std::string>& ids, std::int64_t now) {
  std::vector<std::string> out;
  for (const auto& id : ids) {
    auto& c = contact_of(id);
    if (!c.deleted_at) continue;
    c.deleted_at.reset();
    c.lists = {(c.number - 1) % shape_.lists};
    ++lists_[static_cast<std::size_t>(c.lists.front())].members;
    c.updated_at = now;
    out.push_back(c.id);
  }
  return out;
}

} // namespace quarry::sim
