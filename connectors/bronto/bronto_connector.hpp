#pragma once

// The Bronto connector (source "bronto"): SOAP API v4 through
// connectors/core/soap (the session: bronto_api.hpp). Streams, keys and
// replication as tap-bronto names them, so its state carries over:
//
//   contact            id                   incremental on modified
//   list               id                   full table
//   unsubscribe        contactId, method,   incremental on created
//                      created
//   inbound_activity   id, event_id         incremental on createdDate
//   outbound_activity  id, event_id         incremental on createdDate
//
// Activities have no id of their own. `id` is tap-bronto's md5 of
// "|".join(non-empty createdDate, activityType, contactId, listId,
// segmentId, keywordId, messageId), kept for compatibility; it is the same
// for two clicks of one contact at one instant, so the key adds `event_id`,
// the md5 of every element of the activity ("name=text\n" in answer order).
// Both are taken from the values as emitted (dates in UTC).
//
// Quota: none documented; by default at most 4 calls in flight and 50 a
// second per account.
//
// Credentials: api_token (secret). Endpoint: https://api.bronto.com/v4 (or
// a simulator's /v4). Account settings, all optional:
//   time_zone             the zone of dates Bronto writes without an offset
//                         (IANA name; default UTC)
//   settle_minutes        a run leaves records newer than this alone
//                         (default 10; 0..10080)
//   window_days           contact and unsubscribe windows (default 7)
//   activity_window_hours one FIRST/NEXT read per window (default 24)
//
// Every incremental stream resumes through core `boundary`: the bookmark
// {"<field>": t, "keys_at": [md5 of each record delivered at t]} (tap-
// bronto's {"field", "last_record"} is read as {"<field>": last_record}),
// every read starts one second before the bookmark's second, and what the
// bookmark holds is dropped. A run delivers only records older than the
// server's clock at its login (Date header) less settle_minutes; the
// bookmark therefore never passes a record that was written, or became
// readable, after the run read past its place.
//
//   contact      readContacts by modified windows, the last one without an
//                upper bound, each paged until an empty page; then the
//                contacts modified since the window's read began: a window
//                that met one of them (or a key twice) as another version
//                lost a contact across a page boundary and is read again
//                (at most 3 times)
//   unsubscribe  readUnsubscribes by start/end windows, paged the same way
//   activities   windows from the bookmark (at most 30 days back: Bronto
//                keeps no more, an older start is moved up with a warning),
//                each FIRST then NEXT until empty or fault 116; a 103 reads
//                the window again
//   list         readLists, every run
// Every window is checkpointed as it ends (the engine holds a task's
// records until its next checkpoint).
//
// Every paging loop goes through core `paginator` (a repeated page fails
// instead of looping). Date-time elements are written as RFC 3339 in UTC
// with the fraction digits Bronto wrote; a date that cannot be read fails
// the task naming the record.

#include "connectors/core/connector.hpp"

#include <chrono>
#include <functional>
#include <memory>

namespace quarry::connectors {

struct bronto_options {
  // Our clock: the server's stand-in when its answers carry no Date header.
  std::function<std::chrono::system_clock::time_point()> now;
};

std::unique_ptr<connector> make_bronto_connector(bronto_options options = {});

} // namespace quarry::connectors
