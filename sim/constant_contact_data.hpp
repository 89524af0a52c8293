#pragma once

// The Constant Contact simulator's dataset: contacts, lists, custom fields,
// email campaigns with their campaign activities, and the tracking events of
// each sent activity. Seeded and deterministic: the same shape gives the same
// ids, times and events.
//
// Tracking events accrue: every event has a created_time at or after its
// activity's send, up to `horizon_days` later ([GUESS]: CC documents no
// horizon; opens and clicks of a newsletter come mostly in its first days),
// and an API read sees only the events whose created_time has passed on the
// sim clock. `didnotopens` is derived: the recipients with no send bounce
// and no open visible yet (it shrinks as opens arrive).
//
// Thread-safety: none here; constant_contact_simulator serialises access.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sim {

struct cc_shape {
  std::uint64_t seed = 1;
  int contacts = 300;
  int lists = 6;
  int custom_fields = 4;
  int tags = 5;                     // contact tags; contacts carry the first four
  int campaigns = 8;
  int activities_per_campaign = 1;  // primary_email activities of each sent campaign
  int recipients = 30;              // per activity (at most `contacts`)
  int days = 60;                    // campaigns and contacts spread over the days before `start + days`
  std::int64_t start = 0;           // unix seconds of the first day; 0: `days` before now
  int horizon_days = 30;            // events come up to this long after a send [GUESS]
};

// The eight tracking reports, in the order of their paths.
enum class cc_report { sends, opens, unique_opens, clicks, bounces, optouts, forwards, didnotopens };
inline constexpr cc_report all_cc_reports[] = {
    cc_report::sends,   cc_report::opens,    cc_report::unique_opens, cc_report::clicks,
    cc_report::bounces, cc_report::optouts,  cc_report::forwards,     cc_report::didnotopens};
std::string_view report_path_name(cc_report r);  // "sends", "unique_opens", ...
std::optional<cc_report> report_of(std::string_view path_name);

struct cc_contact {
  int number = 0;
  std::string id;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::vector<int> lists;  // list numbers (none while deleted)
  int revision = 0;        // bumped by a mutation (changes job_title)
  std::optional<std::int64_t> deleted_at;  // set while deleted
};

struct cc_list {
  std::string id;
  std::string name;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  int members = 0;
};

struct cc_custom_field {
  std::string id;
  std::string name;
  std::string type;
  std::int64_t created_at = 0;
};

struct cc_event {
  std::int64_t seq = 0;  // unique within the activity; ties on time order by it
  cc_report report = cc_report::sends;
  int contact = 0;       // contact number
  std::int64_t created_time = 0;
  int url = 0;           // clicks: 1..3
  char bounce_code = 0;  // bounces: 'B', 'D', ...
};

struct cc_activity {
  std::string id;
  std::string role;  // primary_email | permalink | resend
  int list = 0;      // the list it was sent to
  std::vector<int> recipients;  // contact numbers
  std::vector<cc_event> events;  // every event, any order; visibility by time
  std::map<int, std::vector<std::size_t>> events_of_contact;  // contact number -> indexes in `events`
};

struct cc_campaign {
  int number = 0;
  std::string id;
  std::string name;
  std::string status;  // Draft | Scheduled | Done
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> sent_at;
  std::optional<std::int64_t> scheduled_at;  // Scheduled: when it is to go out
  std::vector<cc_activity> activities;
};

class cc_data {
 public:
  explicit cc_data(const cc_shape& shape);  // throws std::invalid_argument

  const cc_shape& shape() const { return shape_; }
  const std::vector<cc_contact>& contacts() const { return contacts_; }
  const std::vector<cc_list>& lists() const { return lists_; }
  const std::vector<cc_custom_field>& custom_fields() const { return fields_; }
  const std::vector<cc_campaign>& campaigns() const { return campaigns_; }

  const cc_campaign* campaign(std::string_view id) const;
  // The activity and its campaign, or nullopt.
  std::optional<std::pair<const cc_campaign*, const cc_activity*>> activity(std::string_view id) const;

  // The visible events of one report at `now`, newest first (created_time,
  // then seq, descending). didnotopens: one per recipient still without a
  // visible open or bounce, stamped with the send time.
  std::vector<cc_event> report(const cc_activity& a, cc_report r, std::int64_t now) const;

  // /_sim/mutate: `touch_contacts` distinct live contacts (at most all) changed
  // at `now`; `send_campaigns` new campaigns sent at `now` (their events
  // accrue from then on).
  struct mutation {
    int touched_contacts = 0;
    int sent_campaigns = 0;
  };
  mutation mutate(int touch_contacts, int send_campaigns, std::int64_t now);

  // Deletes contacts at `now` (apis.md 5.4; CC's "Delete a Contact"): the
  // live ones of `ids`, then `count` more live ones picked at random. A
  // deleted contact keeps its data, loses its list memberships and gets
  // deleted_at = now; its updated_at moves to now when `bump_updated_at`
  // [GUESS: the docs do not say]. Returns the ids deleted. Throws
  // std::invalid_argument naming an unknown id.
  std::vector<std::string> delete_contacts(const std::vector<std::string>& ids, int count, std::int64_t now,
                                           bool bump_updated_at);
  // Restores deleted contacts as CC does when one is added to a list: back
  // on its first list, deleted_at cleared, updated_at = now [GUESS]. Returns
  // the ids restored (those of `ids` that were deleted); throws
  // std::invalid_argument naming an unknown id.
  std::vector<std::string> restore_contacts(const std::vector<std::string>& ids, std::int64_t now);

 private:
  void add_campaign(std::int64_t created, std::optional<std::int64_t> sent);
  std::vector<cc_event> events_of(const cc_activity& a, std::int64_t sent_at, std::uint64_t key) const;

  cc_shape shape_;
  std::vector<cc_contact> contacts_;
  std::vector<cc_list> lists_;
  std::vector<cc_custom_field> fields_;
  std::vector<cc_campaign> campaigns_;
  cc_contact& contact_of(const std::string& id);  // throws std::invalid_argument

  std::uint64_t touches_ = 0;
  std::uint64_t deletions_ = 0;
};

// A deterministic UUID (8-4-4-4-12 lower hex) from two numbers.
std::string cc_uuid(std::uint64_t a, std::uint64_t b);

} // namespace quarry::sim
