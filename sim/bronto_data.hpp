#pragma once

// The records behind the Bronto simulator, generated on demand from
// (seed, index): nothing is stored per record except mutations (touched
// contacts' modified time, the times of added unsubscribes and activities).
//
// Every record is a list of `bronto_field`s in the order the API writes its
// elements; the simulator turns it into XML (answers) and into JSON (the
// /_sim/dataset view, as the connector must emit it), so the two cannot
// disagree about a value. Times are unix milliseconds (date-time fields
// hold them as text, kind 'd'); the simulator writes them as its readings
// say (zone, fractions).
//
//   contact i     id bronto_id('c', i); created = start + floor(i * span / n),
//                 modified = created + up to 2 days (or the last touch)
//   list i        id bronto_id('l', i)
//   unsubscribe j created = start + floor(j * span / n); added ones at their
//                 mutation time, after the generated ones
//   activity j    (inbound and outbound apart) createdDate = start +
//                 floor((j/2) * span / ceil(n/2)): pairs share an instant, and
//                 every fourth inbound pair is two clicks of one contact on
//                 one delivery with different links (tap-bronto's md5 id
//                 collides on them); added ones at their mutation time
//
// Inbound types (what a contact did): open, click, conversion, reply,
// unsubscribe, friendforward, social, webform, sms_reply. Outbound (what
// Bronto did to a contact): send, bounce, contactskip, sms_send, sms_bounce.
// [GUESS: apis.md lists the RecentActivityType values without the split.]
//
// Thread-safe: queries share a lock, mutations take it alone.

#include <cstdint>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sim {

struct bronto_shape {
  std::uint64_t seed = 1;
  std::int64_t contacts = 1000;
  int lists = 12;
  std::int64_t unsubscribes = 200;
  std::int64_t inbound = 1500;
  std::int64_t outbound = 1500;
  // Records are created over [start, start + days) (unix seconds); the
  // simulator reads 0 as `days` before it starts.
  std::int64_t start = 0;
  std::int64_t days = 40;
};

// One element of a record. kind: 's' string, 'i' integer, 'n' number,
// 'b' boolean, 'd' date-time (text: unix milliseconds), 'o' an element with
// children (`children`).
struct bronto_field {
  std::string name;
  std::string text;
  char kind = 's';
  std::vector<bronto_field> children;
};
using bronto_record = std::vector<bronto_field>;

// Which optional parts readContacts adds (its include* flags and fields).
struct contact_parts {
  bool lists = false;
  bool segments = false;
  bool sms_keywords = false;
  bool geoip = false;
  bool technology = false;
  bool rfm = false;
  bool engagement = false;
  std::vector<std::string> field_ids;  // custom fields asked for
  static contact_parts all();
};

struct bronto_custom_field {
  std::string id, name, label, type;
};

enum class activity_direction { inbound, outbound };

struct bronto_mutation {
  std::int64_t touched_contacts = 0;
  std::int64_t added_unsubscribes = 0;
  std::int64_t added_inbound = 0;
  std::int64_t added_outbound = 0;
  // The first contact touched (then the next ones); -1: where the last
  // mutation left off.
  std::int64_t first_contact = -1;
};

// A record's date-time field (kind 'd') in unix milliseconds.
std::int64_t bronto_ms(const bronto_field& f);

class bronto_data {
 public:
  // Throws std::invalid_argument for negative counts.
  explicit bronto_data(bronto_shape shape);

  const bronto_shape& shape() const { return shape_; }
  static const std::vector<bronto_custom_field>& custom_fields();

  // Times in unix milliseconds.
  std::int64_t contact_count() const { return shape_.contacts; }
  std::int64_t contact_created(std::int64_t index) const;
  std::int64_t contact_modified(std::int64_t index) const;
  bronto_record contact(std::int64_t index, const contact_parts& parts) const;

  bronto_record list(int index) const;

  std::int64_t unsubscribe_count() const;
  std::int64_t unsubscribe_created(std::int64_t index) const;
  bronto_record unsubscribe(std::int64_t index) const;

  // Activities of one direction, sorted by createdDate (index order).
  std::int64_t activity_count(activity_direction d) const;
  std::int64_t activity_created(activity_direction d, std::int64_t index) const;
  // What the record at `index` is, for as long as it exists: its index
  // among the generated ones, or past them its order of addition (an
  // activity added at an earlier instant than others moves those, not
  // their content).
  std::int64_t activity_identity(activity_direction d, std::int64_t index) const;
  // The first index whose createdDate is >= t_ms.
  std::int64_t first_activity_at(activity_direction d, std::int64_t t_ms) const;
  bronto_record activity(activity_direction d, std::int64_t index) const;

  // At `now_ms`: touch that many contacts (modified = now), add unsubscribes
  // and activities dated now (which may be before others: a late arrival).
  bronto_mutation mutate(const bronto_mutation& wanted, std::int64_t now_ms);

 private:
  std::uint64_t mix(std::uint64_t salt, std::uint64_t index) const;
  std::int64_t spread(std::int64_t index, std::int64_t count) const;  // ms
  std::int64_t generated_activities(activity_direction d) const;

  const bronto_shape shape_;
  const std::int64_t span_;
  mutable std::shared_mutex mu_;
  std::map<std::int64_t, std::int64_t> touched_;     // contact -> modified ms, guarded by mu_
  std::vector<std::int64_t> added_unsubscribes_;     // created ms, guarded by mu_
  // (createdDate ms, order of addition), in createdDate order; guarded by mu_
  std::vector<std::pair<std::int64_t, std::int64_t>> added_inbound_, added_outbound_;
  std::int64_t touch_counter_ = 0;                   // guarded by mu_
};

// A Bronto-style 36-hex-digit object id: kind letter hashed in, then index.
std::string bronto_id(char kind, std::int64_t index);

// Lower-case hex MD5 of `text`.
std::string md5_hex(std::string_view text);

} // namespace quarry::sim
