#pragma once

// The Bronto connector (source "bronto"): SOAP API v4 through
// connectors/core/soap. Streams, keys and replication as tap-bronto names
// them, so its state carries over:
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
// for two clicks of one contact in one second, so the key adds `event_id`,
// the md5 of every element of the activity ("name=text\n" in answer order).
//
// Quota: none documented; by default at most 4 calls in flight and 50 a
// second per account.
//
// Credentials: api_token (secret). Endpoint: https://api.bronto.com/v4 (or
// a simulator's /v4). Account settings, all optional:
//   window_days           contact and unsubscribe windows (default 7)
//   activity_window_hours one FIRST/NEXT read per window (default 24)
//
// Per task: one login, plus readFields for the custom field ids (contact). A
// 103 (session expired) logs in again and repeats the same request; an
// activity read first replays its FIRST and NEXT pages on the new session,
// discarding them, since NEXT continues a session's own read.
// Faults 101, 108, 113 are retriable; 116 ends an activity read; any other
// fault fails the task naming the operation.
//
// Windows are half-open [a, b) on instants (contacts: modified
// GreaterThanEqualTo a AND LessThan b; unsubscribes and activities:
// start a, end b), b at most the task's start time, and the bookmark moves
// to b after each window: nothing is read twice or skipped across runs.
// Activities start at most 30 days back (Bronto keeps no more; an older
// bookmark or start_date is moved up with a warning).
//
// Bookmarks: contact {"modified"}, unsubscribe {"created"}, activities
// {"createdDate"}, list {"full_table_completed"}. tap-bronto's
// {"field", "last_record"} is read as the same instant.

#include "connectors/core/connector.hpp"

#include <chrono>
#include <functional>
#include <memory>

namespace quarry::connectors {

struct bronto_options {
  // Wall clock for windows and the activity horizon (tests pin it).
  std::function<std::chrono::system_clock::time_point()> now;
};

std::unique_ptr<connector> make_bronto_connector(bronto_options options = {});

} // namespace quarry::connectors
