#pragma once

// One setting a source reads from /accounts/<n>/settings/<name>, as data: the
// contract between a connector, which declares the settings it reads
// (connector::settings()), and the config validator, which checks every
// account's settings against its source's list at load (an unknown name, a
// wrong type, a value out of range or not among the choices is an issue at
// its pointer). `quarry discover --settings` prints the lists, and README's
// settings tables are generated from them (scripts/readme-settings).

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace quarry {

// One field a source takes under /accounts/<n>/credentials, the same
// contract: the connector declares it (connector::credentials()), the
// validator checks it.
struct credential_rule {
  std::string name;
  bool required = true;
  // A secret must be given as {"env": NAME} or {"file": PATH}; a plain
  // string there is rejected so that credentials never sit in the file.
  bool secret = true;
  // The API replaces the value as it is used (a rotating refresh token): it
  // must be given as {"file": PATH}, which quarry rewrites
  // (session::store_credential).
  bool rotates = false;
};

struct setting_rule {
  enum class kind {
    integer,    // from `min` to `max`, inclusive
    text,       // one of `choices`, or any string when there are none
    time_zone,  // a zone of the tz database
  };
  std::string name;
  kind type = kind::integer;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::vector<std::string> choices;
  std::variant<std::int64_t, std::string> fallback;  // the value when absent
  std::string description;                           // one line
};

inline setting_rule integer_setting(std::string name, std::int64_t min, std::int64_t max,
                                    std::int64_t fallback, std::string description) {
  return {std::move(name), setting_rule::kind::integer, min, max, {}, fallback, std::move(description)};
}

inline setting_rule choice_setting(std::string name, std::vector<std::string> choices,
                                   std::string fallback, std::string description) {
  return {std::move(name), setting_rule::kind::text, 0, 0, std::move(choices), std::move(fallback),
          std::move(description)};
}

inline setting_rule text_setting(std::string name, std::string fallback, std::string description) {
  return {std::move(name), setting_rule::kind::text, 0, 0, {}, std::move(fallback),
          std::move(description)};
}

inline setting_rule time_zone_setting(std::string name, std::string fallback,
                                      std::string description) {
  return {std::move(name), setting_rule::kind::time_zone, 0, 0, {}, std::move(fallback),
          std::move(description)};
}

} // namespace quarry
