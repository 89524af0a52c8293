#pragma once

// The Listrak connector (source "listrak"): SOAP API v31, one report per
// stream (listrak_streams.hpp), a child task per list and per message.
//
// Credentials: username (not secret), password (secret), sent in the WSUser
// header of every call. Endpoint: the service URL, default
// https://webservices.listrak.com/v31/IntegrationService.asmx.
// Quota: Listrak documents none; quarry keeps 4 calls in flight per account.
//
// Account settings, all optional, validated when a run starts (a bad value
// fails the run with an error naming the setting):
//   interval_days    window of one ReportListMessageActivity call, 1..3650 (365)
//   bounce_days      bounces of a message are re-read until this many days
//                    after its SendDate, 0..3650 (7; Listrak bounces within 72 h)
//   engagement_days  opens, clicks, reads, unsubscribes and sends of a message
//                    are re-read on every run until this many days after its
//                    SendDate, 1..3650 (30)
//   time_zone        the account's server time zone (IANA name, "UTC"): the
//                    zone of every date Listrak writes or reads without one
//
// Tasks and their lifecycle:
//
//   plan --> lists --spawn per ListID--> messages(ListID) --spawn per MsgID--> message_*(MsgID)
//                  \--spawn per ListID--> subscribed_contacts(ListID)
//
//   lists (full table) emits every list. lists and messages are automatic,
//   as in tap-listrak: they are emitted whenever any Listrak stream is.
//   messages(ListID) reads [start_date, now] in interval_days windows that
//   overlap by a second (bounds inclusive or exclusive), emits every message
//   once (its counters change) and spawns a child per message and selected
//   child stream while the message can gain records: on every run until
//   engagement_days after its SendDate (bounce_days for bounces), after that
//   only when the stream's counter (DeliverCount, OpenCount, ClickCount,
//   ReadCount, RemoveCount) moved. Counters are a shortcut, never a reason to
//   skip: OpenCount and ReadCount count people, so a repeat open leaves them
//   alone.
//   message_*(MsgID) and subscribed_contacts(ListID) page a Range report
//   from a second before their bookmark to now (core boundary: right
//   whether StartDate and EndDate are inclusive or exclusive), checkpointing
//   after every page; message_sends pages ReportMessageContactSent and skips
//   the recipients it emitted before (Listrak lists recipients in send
//   order). Every paging loop is a core paginator: a server that repeats a
//   page fails the task before anything on that page is emitted.
//
// Dates (listrak_dates.hpp): zone-less server time, read in time_zone with
// their fraction and written RFC 3339 in UTC ("2026-11-14T20:05:37.042Z");
// request dates are wall time in time_zone. Rows identical in every field
// are each delivered: event records and keys carry Ordinal (0, then 1, 2
// for copies).
//
// Bookmarks:
//   lists                       {"full_table_completed": true}
//   messages [ListID]           {"settled": {"<MsgID>": [sends, opens, clicks, reads,
//                                unsubs, bounces]}}: per child stream, the counter
//                                seen by its first read that began after the
//                                message's horizon (bounces: 0), -1 before that.
//                                Pending children are committed with it, so a
//                                crash re-runs them. (A "spawned" bookmark of the
//                                shape before is not read: every message's
//                                children run once more.)
//   range streams [id]          {"<date field>": "<RFC 3339>", "keys_at": [...]}
//                                (core boundary): the newest date emitted and the
//                                rows already emitted at exactly it, each as
//                                md5(every field) "#" its ordinal among identical
//                                rows. A bookmark of the shape before
//                                ({"since", "seen"}) resumes at since.
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
