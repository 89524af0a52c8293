#include "sim/listrak_data.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <set>
#include <stdexcept>

namespace quarry::sim {

namespace {

constexpr std::int64_t day_s = 86400;
constexpr std::int64_t first_contact = 5001;
constexpr std::int64_t first_message = 10001;
constexpr std::int64_t first_list = 201;

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Subjects and names hostile to XML writers: markup characters, quotes,
// non-ASCII.
constexpr std::array subjects{"Spring Sale & <Deals> inside", "Café news: \"this week\"",
                              "Rocket 🚀 launch", "Plain subject", "Zürich & São Paulo 'events'"};
constexpr std::array links{"https://shop.example.com/sale?utm=mail&id=1",
                           "https://shop.example.com/new", "https://blog.example.com/café",
                           "https://example.com/unsubscribe-preferences"};
constexpr std::array link_descriptions{"Sale", "New <arrivals>", "Blog", "Preferences"};
constexpr std::array removal_methods{"Unsubscribe", "SpamComplaint", "Bounce"};
constexpr std::array bounce_reasons{"HardBounce", "SoftBounce", "MailboxFull"};
constexpr std::array bounce_details{"550 5.1.1 <user> unknown", "421 try again later",
                                    "552 mailbox full & over quota"};
constexpr std::array addition_methods{"WebForm", "Import", "API"};

bool earlier(const listrak_event& a, const listrak_event& b) {
  return a.date != b.date ? a.date < b.date : a.micros < b.micros;
}

void insert_sorted(std::vector<listrak_event>& events, listrak_event e) {
  events.insert(std::upper_bound(events.begin(), events.end(), e, earlier), e);
}

void sort_events(listrak_message& m) {
  for (auto& v : m.events) std::stable_sort(v.begin(), v.end(), earlier);
}

// Milliseconds from a hash, as microseconds; 0 for one in eight.
std::int32_t millis_of(std::uint64_t h) {
  return h % 8 == 0 ? 0 : static_cast<std::int32_t>((h >> 3) % 1000) * 1000;
}

} // namespace

listrak_data::listrak_data(listrak_shape shape) : shape_(shape) {
  if (shape_.lists < 0 || shape_.messages_per_list < 0 || shape_.recipients_per_message < 0 ||
      shape_.subscribers_per_list < 0 || shape_.days < 1)
    throw std::invalid_argument("listrak dataset: counts must be non-negative and days positive");
  generate();
}

const listrak_message* listrak_data::find_message(const std::vector<listrak_message>& messages,
                                                  std::int64_t id) {
  const auto i = id - first_message;
  if (i < 0 || i >= static_cast<std::int64_t>(messages.size())) return nullptr;
  return &messages[static_cast<std::size_t>(i)];
}

std::string listrak_data::email_of(std::int64_t contact) {
  const auto id = std::to_string(contact);
  if (contact % 5 == 0) return "o'brien+" + id + "@example.com";
  if (contact % 7 == 0) return "zoë." + id + "@exämple.com";
  return "c" + id + "@example.com";
}

std::string listrak_data::link_url(int v) { return links[static_cast<std::size_t>(v) % links.size()]; }
std::string listrak_data::link_description(int v) {
  return link_descriptions[static_cast<std::size_t>(v) % link_descriptions.size()];
}
std::string listrak_data::removal_method(int v) {
  return removal_methods[static_cast<std::size_t>(v) % removal_methods.size()];
}
std::string listrak_data::bounce_reason(int v) {
  return bounce_reasons[static_cast<std::size_t>(v) % bounce_reasons.size()];
}
std::string listrak_data::bounce_detail(int v) {
  return bounce_details[static_cast<std::size_t>(v) % bounce_details.size()];
}
std::string listrak_data::addition_method(int v) {
  return addition_methods[static_cast<std::size_t>(v) % addition_methods.size()];
}

void listrak_data::generate() {
  next_contact_ = first_contact;
  const std::int64_t S = shape_.subscribers_per_list;
  for (int i = 0; i < shape_.lists; ++i) {
    listrak_list l;
    l.id = first_list + i;
    l.name = "List " + std::to_string(i + 1) + ": Deals & <News>";
    l.create_date = shape_.start - (40 + i) * day_s;
    // Subscribed over the 30 days before the first send.
    for (std::int64_t k = 0; k < S; ++k)
      l.subscribers.push_back({next_contact_++, shape_.start - 30 * day_s + k * 30 * day_s / S,
                               static_cast<int>(splitmix(shape_.seed ^ (l.id << 20) ^ k) % 3)});
    lists_.push_back(std::move(l));
  }
  const std::int64_t L = shape_.lists, M = shape_.messages_per_list;
  const std::int64_t span = shape_.days * day_s, end = shape_.start + span;
  for (std::int64_t j = 0; j < M; ++j)
    for (std::int64_t i = 0; i < L; ++i) {
      const auto send = shape_.start + (j * L + i) * span / (L * M);
      add_message(lists_[static_cast<std::size_t>(i)], send, std::min(send + 7 * day_s, end - 1),
                  static_cast<std::uint64_t>(j * L + i));
    }
}

// A message to the list's subscribers from an offset, with events dated in
// [send, until].
void listrak_data::add_message(listrak_list& list, std::int64_t send, std::int64_t until,
                               std::uint64_t salt) {
  listrak_message m;
  m.id = first_message + static_cast<std::int64_t>(messages_.size());
  m.list_id = list.id;
  m.subject = subjects[salt % subjects.size()];
  m.send_date = send;
  const auto S = static_cast<std::int64_t>(list.subscribers.size());
  const auto R = std::min<std::int64_t>(shape_.recipients_per_message, S);
  const auto offset = S > 0 ? static_cast<std::int64_t>(salt * 7) % S : 0;
  for (std::int64_t r = 0; r < R; ++r)
    m.recipients.push_back(list.subscribers[static_cast<std::size_t>((offset + r) % S)].contact);
  const auto room = std::max<std::int64_t>(0, until - send);
  auto at = [&](std::uint64_t h, std::int64_t within) { return send + static_cast<std::int64_t>(h % static_cast<std::uint64_t>(std::min(room, within) + 1)); };
  auto& opens = m.events[static_cast<int>(listrak_event_kind::open)];
  auto& clicks = m.events[static_cast<int>(listrak_event_kind::click)];
  auto& reads = m.events[static_cast<int>(listrak_event_kind::read)];
  auto& removals = m.events[static_cast<int>(listrak_event_kind::removal)];
  auto& bounces = m.events[static_cast<int>(listrak_event_kind::bounce)];
  for (const auto c : m.recipients) {
    const auto h = splitmix(shape_.seed ^ (static_cast<std::uint64_t>(m.id) << 24) ^
                            static_cast<std::uint64_t>(c));
    const auto h2 = splitmix(h), h3 = splitmix(h2), h4 = splitmix(h3);
    if (h % 100 < 4) {  // bounced: no other event
      bounces.push_back({at(h2, bounce_window_s), millis_of(h4), c, static_cast<int>(h3 % 3)});
      continue;
    }
    if (h % 100 < 50) {
      const auto d = at(h2, 7 * day_s);
      opens.push_back({d, millis_of(h3), c, 0});
      const auto again = d + 1 + static_cast<std::int64_t>(h3 % 3600);
      if (h3 % 3 == 0 && again <= until) opens.push_back({again, millis_of(h4), c, 0});
    }
    if (h % 100 < 25) {
      const auto d = at(h3, 7 * day_s);
      const int link = static_cast<int>(h4 % links.size());
      const auto ms = millis_of(h2);
      clicks.push_back({d, ms, c, link});
      if (h4 % 3 == 0) clicks.push_back({d, ms, c, (link + 1) % static_cast<int>(links.size())});
      const auto again = d + 60 + static_cast<std::int64_t>(h4 % 7200);
      if (h4 % 3 == 1 && again <= until) clicks.push_back({again, millis_of(h3), c, link});
      if (h4 % 5 == 2 && d + 1 <= until) {  // one link twice in one second
        clicks.push_back({d + 1, 190'000, c, link});
        clicks.push_back({d + 1, 930'000, c, link});
      }
    }
    if ((h >> 8) % 100 < 30) reads.push_back({at(h4, 7 * day_s), millis_of(h >> 5), c, 0});
    if ((h >> 16) % 100 < 3) removals.push_back({at(h4 >> 3, 7 * day_s), millis_of(h >> 7), c, static_cast<int>(h2 % 3)});
  }
  sort_events(m);
  messages_.push_back(std::move(m));
}

namespace {

// Up to n recipients of `m`, from `offset` round the list, who have (or,
// with `had` false, have not) an event of `kind`.
std::vector<std::int64_t> recipients_with(const listrak_message& m, listrak_event_kind kind, bool had,
                                          std::int64_t offset, std::int64_t n) {
  std::set<std::int64_t> with;
  for (const auto& e : m.of(kind)) with.insert(e.contact);
  std::vector<std::int64_t> out;
  const auto R = static_cast<std::int64_t>(m.recipients.size());
  for (std::int64_t i = 0; i < R && static_cast<std::int64_t>(out.size()) < n; ++i) {
    const auto c = m.recipients[static_cast<std::size_t>((offset + i) % R)];
    if ((with.count(c) != 0) == had) out.push_back(c);
  }
  return out;
}

} // namespace

listrak_mutation listrak_data::mutate(const listrak_changes& changes, std::int64_t now) {
  std::unique_lock lock(mu_);
  listrak_mutation out;
  const auto n = static_cast<std::int64_t>(messages_.size());
  const auto events = changes.events_per_message;
  auto adder = [&](listrak_message& m) {
    return [&out, &m, now](listrak_event_kind kind, std::int64_t contact, int variant, std::int32_t micros = 0) {
      insert_sorted(m.events[static_cast<int>(kind)], {now, micros, contact, variant});
      ++out.added_events[static_cast<int>(kind)];
    };
  };
  for (std::int64_t k = 0; k < changes.touch_messages && k < n; ++k) {
    const auto salt = touch_counter_++;
    auto& m = messages_[static_cast<std::size_t>(salt % n)];
    if (m.recipients.empty()) continue;
    out.touched_messages.push_back(m.id);
    auto add = adder(m);
    for (const auto kind : {listrak_event_kind::open, listrak_event_kind::click, listrak_event_kind::read}) {
      std::int64_t j = 0;
      for (const auto c : recipients_with(m, kind, false, salt, events)) add(kind, c, static_cast<int>(j++ % 4));
    }
    if (events > 0) {
      for (const auto c : recipients_with(m, listrak_event_kind::removal, false, salt, 1))
        add(listrak_event_kind::removal, c, 0);
      if (now - m.send_date <= bounce_window_s)
        for (const auto c : recipients_with(m, listrak_event_kind::bounce, false, salt + 1, 1))
          add(listrak_event_kind::bounce, c, 1);
    }
  }
  for (std::int64_t k = 0; k < changes.repeat_messages && k < n; ++k) {
    auto& m = messages_[static_cast<std::size_t>(repeat_counter_++ % n)];
    out.repeated_messages.push_back(m.id);
    auto add = adder(m);
    for (const auto kind : {listrak_event_kind::open, listrak_event_kind::read})
      for (const auto c : recipients_with(m, kind, true, 0, events)) add(kind, c, 0);
    // Clicks again on links already clicked, by the first clickers.
    std::vector<std::pair<std::int64_t, int>> clicked;
    for (const auto& e : m.of(listrak_event_kind::click))
      if (std::find(clicked.begin(), clicked.end(), std::pair{e.contact, e.variant}) == clicked.end())
        clicked.emplace_back(e.contact, e.variant);
    for (std::size_t j = 0; j < clicked.size() && static_cast<std::int64_t>(j) < events; ++j)
      add(listrak_event_kind::click, clicked[j].first, clicked[j].second);
    if (!clicked.empty()) {
      add(listrak_event_kind::click, clicked[0].first, clicked[0].second, 190'000);
      add(listrak_event_kind::click, clicked[0].first, clicked[0].second, 930'000);
    }
  }
  for (std::int64_t k = 0; k < changes.add_messages && !lists_.empty(); ++k) {
    auto& list = lists_[static_cast<std::size_t>(add_counter_++ % static_cast<std::int64_t>(lists_.size()))];
    add_message(list, now, now, static_cast<std::uint64_t>(messages_.size()));
    const auto& m = messages_.back();
    out.added_messages.push_back(m.id);
    for (int kind = 0; kind < listrak_event_kinds; ++kind)
      out.added_events[kind] += static_cast<std::int64_t>(m.events[kind].size());
  }
  for (std::int64_t k = 0; k < changes.add_subscribers && !lists_.empty(); ++k) {
    auto& list = lists_[static_cast<std::size_t>(k % static_cast<std::int64_t>(lists_.size()))];
    list.subscribers.push_back({next_contact_++, now, 2});
    ++out.added_subscribers;
  }
  return out;
}

} // namespace quarry::sim
