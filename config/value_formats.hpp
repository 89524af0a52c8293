#pragma once

// The textual formats config values take, checked one value at a time. Each
// check answers with a short message saying what was expected ("expected
// ...", "must ..."); the message never repeats the value, so callers decide
// whether echoing it is safe.
// Pure functions; no state.

#include "proto/error.hpp"
#include "proto/names.hpp"  // closest_name, edit_distance (did-you-mean)

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace quarry::config {

using timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// "host:port" with a port in 1..65535. IPv6 hosts are bracketed
// ("[::1]:9092"); host names hold [A-Za-z0-9._-].
// `allow_any_port`: port 0 (bind any free port) is valid, for listen addresses.
status check_host_port(std::string_view text, bool allow_any_port = false);

// Whether a valid "host:port" binds only to loopback: localhost,
// 127.0.0.0/8, ::1 (or ::ffff:127.x.y.z). False for anything else,
// including "" and malformed text.
bool is_loopback_listen(std::string_view listen);

// RFC 3339 in UTC: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)". Other offsets
// are rejected (quarry keeps all times in UTC); fractions keep milliseconds.
result<timestamp> parse_utc_timestamp(std::string_view text);

// "HH:MM" on a 24-hour clock; answers minutes after midnight.
result<int> parse_clock_time(std::string_view text);

// Whether `text` names a zone of the tz database ("UTC", "America/Chicago";
// not "America/Chicgo"): its shape [A-Za-z_+-]+(/[A-Za-z0-9_+-]+)*, then the
// database (date/tz, the system's zoneinfo), so a typo fails at load.
bool is_time_zone_name(std::string_view text);

// [A-Za-z0-9_-]+ : account and job names.
bool is_plain_name(std::string_view text);

// [A-Za-z0-9._-]+ not starting with "_" : a prefix of Kafka topic names.
status check_topic_prefix(std::string_view text);



} // namespace quarry::config
