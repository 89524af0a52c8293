#pragma once

// The Listrak connector (source "listrak"): SOAP API v31, one report per
// stream (listrak_streams.hpp), a child task per list and per message.
//
// Credentials: username (not secret), password (secret), sent in the WSUser
// header of every call. Endpoint: the service URL, default
// https://webservices.listrak.com/v31/IntegrationService.asmx.
// Quota: Listrak documents none; quarry keeps 4 calls in flight per account.
//
// Account settings, all optional:
//   interval_days  window of one ReportListMessageActivity call (default 365)
//   bounce_days    bounces of a message are re-read until this many days
//                  after its SendDate (default 7; Listrak bounces within 72 h)
//
// Tasks and their lifecycle:
//
//   plan --> lists --spawn per ListID--> messages(ListID) --spawn per MsgID--> message_*(MsgID)
//                  \--spawn per ListID--> subscribed_contacts(ListID)
//
//   lists (full table) emits every list. lists and messages are automatic,
//   as in tap-listrak: they are emitted whenever any Listrak stream is.
//   messages(ListID) reads [start_date, now] in interval_days windows, emits
//   every message (its counters change), and spawns a child per message and
//   selected child stream only if that message can have gained records:
//   its counter for the stream (DeliverCount, OpenCount, ClickCount,
//   ReadCount, RemoveCount) differs from the one children were last spawned
//   for, or, for bounces (no counter), the last bounce read began before
//   SendDate + bounce_days. An unchanged account costs one call per list
//   and window.
//   message_*(MsgID) and subscribed_contacts(ListID) page a Range report
//   from their bookmark to now, checkpointing after every page;
//   message_sends pages ReportMessageContactSent and skips the recipients
//   it emitted before (Listrak lists recipients in send order).
//
// Bookmarks:
//   lists                       {"full_table_completed": true}
//   messages [ListID]           {"spawned": {"<MsgID>": [sends, opens, clicks, reads,
//                                unsubs, bounces]}}: the counter children were
//                                spawned for (-1: never), for bounces the Unix
//                                time of the last spawn. Pending children are
//                                committed with it, so a crash re-runs them.
//   range streams [id]          {"since": "<date>Z", "seen": [identity, ...]}: the
//                                newest date emitted and the records at exactly
//                                that date already emitted (EmailAddress, for clicks
//                                plus LinkUrl, for contacts ContactID); the next read
//                                starts at "since" and skips those.
//   message_sends [MsgID]       {"emitted": n}
//
// Errors: a SOAP fault whose text carries [InvalidLogonAttempt],
// [LoginAttemptsExceeded] or [ProhibitedIPAddress] is fatal with a message
// saying what to fix; other soap:Server faults are retried, soap:Client
// faults and in-band WSExceptions fail their task (naming the method, the
// id and the Description); malformed answers fail their task (soap::parse).
// No message ever carries the password.

#include "connectors/core/connector.hpp"

#include <chrono>
#include <functional>
#include <memory>

namespace quarry::connectors {

struct listrak_options {
  // Wall clock for EndDate and windows (tests pin it).
  std::function<std::chrono::system_clock::time_point()> now;
};

std::unique_ptr<connector> make_listrak_connector(listrak_options options = {});

} // namespace quarry::connectors
