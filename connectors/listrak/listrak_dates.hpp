#pragma once

// Listrak's dates. The API is .NET: an xsd:dateTime it writes carries no
// zone ("2026-11-14T15:05:37.042") and is wall time in the account's server
// time zone (the `time_zone` account setting, default "UTC"); it reads the
// dates of a request the same way. Pure functions, thread-safe.

#include "connectors/core/timestamp.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace quarry::connectors::listrak {

// A date element's text as an instant: without a zone read as wall time in
// `time_zone` (core parse_local_instant), with one as it says, fractions of a
// second kept as written. Also reads .NET's DateTime.ToString() form
// ("3/5/2024 7:08:09 AM", en-US), which the xsd:string BounceDate may carry
// [GUESS: the WSDL types BounceDate as a string; its format is undocumented].
// nullopt for "", for .NET's DateTime.MinValue ("0001-01-01T00:00:00", an
// unset date) and for anything unreadable.
std::optional<instant> read_date(std::string_view text, std::string_view time_zone);

// True when `text` is .NET's DateTime.MinValue: an unset date, not an error.
bool unset_date(std::string_view text);

// The wall time of `t` in `time_zone`, whole seconds, no zone
// ("2026-11-14T10:05:37"): a request date as Listrak reads it. Fractions are
// dropped (towards the past). A time that has no wall time of its own (the
// second pass of a fall-back hour, which parse_local_instant reads as the
// first) gets the latest wall time that reads as an earlier instant, so a
// range's bounds only ever move towards the past.
std::string wall_time(const instant& t, std::string_view time_zone);

} // namespace quarry::connectors::listrak
