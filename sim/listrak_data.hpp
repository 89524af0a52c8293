#pragma once

// The records behind the Listrak simulator: contact lists with their
// subscribers, and messages sent to a list with every recipient and every
// event (opens, clicks, reads, removals, bounces), generated from a seed and
// kept in memory (the simulator serves test- and bench-sized accounts).
//
// Invariants the tests rely on:
//   - Bounces happen within 72 hours of the SendDate (bounce_window_s).
//   - Repeat events exist: a contact opens a message again up to an hour
//     later, clicks the same link again minutes later, clicks two links in
//     the same second, and (one in five clickers) clicks one link twice in
//     one second, at .19 and .93: whole seconds make those two clicks
//     identical rows.
//   - Events carry milliseconds (micros, a multiple of 1000, 0 for some).
//   - Events of a message are kept sorted by time, ties in insertion order;
//     recipients in send order. Mutations only append, dated at `now`.
// What the counters of a message count (people or events) is the
// simulator's `counters` reading, not the data's.
//
// Thread-safe: queries share a lock, mutations take it alone.

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <vector>

namespace quarry::sim {

struct listrak_shape {
  std::uint64_t seed = 1;
  int lists = 3;
  int messages_per_list = 10;
  int recipients_per_message = 40;  // capped by subscribers_per_list
  int subscribers_per_list = 60;
  // Messages are sent over [start, start + days) (unix seconds); events
  // follow within 7 days, never after start + days.
  std::int64_t start = 1704067200;  // 2024-01-01T00:00:00Z
  std::int64_t days = 366;
};

inline constexpr std::int64_t bounce_window_s = 72 * 3600;

enum class listrak_event_kind { open, click, read, removal, bounce };
inline constexpr int listrak_event_kinds = 5;

struct listrak_event {
  std::int64_t date = 0;     // unix seconds
  std::int32_t micros = 0;   // and microseconds, 0..999999
  std::int64_t contact = 0;  // ContactID
  int variant = 0;           // click: link index; removal: method; bounce: reason
};

struct listrak_subscriber {
  std::int64_t contact = 0;
  std::int64_t addition_date = 0;
  int method = 0;  // index into addition methods
};

struct listrak_list {
  std::int64_t id = 0;
  std::string name;
  std::int64_t create_date = 0;
  std::vector<listrak_subscriber> subscribers;  // by addition date
};

struct listrak_message {
  std::int64_t id = 0;
  std::int64_t list_id = 0;
  std::string subject;
  std::int64_t send_date = 0;
  std::vector<std::int64_t> recipients;  // ContactIDs in send order
  std::vector<listrak_event> events[listrak_event_kinds];  // by date
  const std::vector<listrak_event>& of(listrak_event_kind k) const {
    return events[static_cast<int>(k)];
  }
};

// A change to the account, all dated at one `now`.
struct listrak_changes {
  // That many messages (spread over all, by a counter) each get
  // `events_per_message` opens, clicks and reads by recipients who had none
  // of that kind (so counters of people move too), one removal, and one
  // bounce if still within 72 h of sending.
  std::int64_t touch_messages = 0;
  std::int64_t events_per_message = 1;
  // That many messages (by their own counter, from the first message) each
  // get `events_per_message` repeat opens, reads and clicks by people who
  // already opened, read or clicked that link (counters of people stay),
  // and their first clicker clicks that link twice more at now + .19 s and
  // now + .93 s.
  std::int64_t repeat_messages = 0;
  // New messages sent now, round robin over the lists, to the list's first
  // recipients_per_message subscribers, with a few events each.
  std::int64_t add_messages = 0;
  // New contacts added to the lists now, round robin.
  std::int64_t add_subscribers = 0;
};

// What a mutation changed.
struct listrak_mutation {
  std::vector<std::int64_t> touched_messages;
  std::vector<std::int64_t> repeated_messages;
  std::vector<std::int64_t> added_messages;
  std::int64_t added_events[listrak_event_kinds] = {};
  std::int64_t added_subscribers = 0;
};

class listrak_data {
 public:
  // Throws std::invalid_argument for negative counts.
  explicit listrak_data(listrak_shape shape);

  const listrak_shape& shape() const { return shape_; }

  // Runs `f` with the lists and messages under the shared lock.
  template <class F>
  auto read(F&& f) const {
    std::shared_lock lock(mu_);
    return f(lists_, messages_);
  }
  // nullptr when unknown; only valid inside read().
  static const listrak_message* find_message(const std::vector<listrak_message>& messages,
                                             std::int64_t id);

  static std::string email_of(std::int64_t contact);
  static std::string link_url(int variant);
  static std::string link_description(int variant);
  static std::string removal_method(int variant);
  static std::string bounce_reason(int variant);
  static std::string bounce_detail(int variant);
  static std::string addition_method(int variant);

  // Applies `changes` at `now` (unix seconds).
  listrak_mutation mutate(const listrak_changes& changes, std::int64_t now);

 private:
  void generate();
  void add_message(listrak_list& list, std::int64_t send_date, std::int64_t events_until,
                   std::uint64_t salt);

  const listrak_shape shape_;
  mutable std::shared_mutex mu_;
  std::vector<listrak_list> lists_;        // guarded by mu_
  std::vector<listrak_message> messages_;  // by id, guarded by mu_
  std::int64_t next_contact_ = 0;          // guarded by mu_
  std::int64_t touch_counter_ = 0;         // guarded by mu_
  std::int64_t repeat_counter_ = 0;        // guarded by mu_
  std::int64_t add_counter_ = 0;           // guarded by mu_
};

} // namespace quarry::sim
