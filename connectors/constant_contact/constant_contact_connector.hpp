#pragma once

// Constant Contact v3 (apis.md section 5): contacts, lists, custom fields,
// email campaigns, their activities and the eight tracking reports of each
// activity. The streams: cc_streams.hpp; OAuth, 429s and paging: cc_api.hpp.
//
// Tasks of a run:
//
//   plan (no calls) --> contacts, contact_lists, contact_custom_fields, the
//                   |   account tables (account_summary, account_emails,
//                   |   contact_tags, segments, email_campaign_summaries) and
//                   |   contact_activity_summaries
//                   \-> campaigns --spawn--> campaign_activities (partition: campaign id;
//                                               also reads each activity's preview,
//                                               schedules, send history and links)
//                                               --spawn--> one per report (partition: activity id)
//
// Only campaigns that can still gain activity are re-read: those changed
// since the bookmark (details and reports) and those sent within the
// tracking horizon (settings.tracking_horizon_days, default 30 [GUESS]) of
// the last read (reports only). A campaign never sent (Draft, Scheduled)
// has no reports to read. A report reads newest first and stops at the
// newest event the last run saw.
//
// Every incremental stream resumes through core's boundary
// (connectors/core/boundary.hpp): contacts and campaigns ask updated_after /
// after_date one second before the bookmark's instant, whether the server
// reads "after" inclusively or exclusively [GUESS: the docs do not say], and
// skip the keys the bookmark holds at it; reports skip them at the instant
// they stop at. Date-time columns are written RFC 3339 in UTC with the
// precision the API gave (cc_streams.hpp: normalise_times).
//
// Deletes. A deleted contact stays in the account with a deleted_at (a date
// in the docs' examples, "2022-08-15"; maybe a date-time [GUESS]) and
// without list memberships; GET /v3/contacts leaves it out unless asked for
// with status=deleted or status=all. The docs do not say whether deleting a
// contact moves its updated_at, so the contacts task reads in two passes:
//
//   incremental  GET /v3/contacts?status=all&updated_after=B  live contacts
//                emitted; deleted ones skipped (they may show up here, if a
//                deletion moves updated_at, or never, if it does not)
//   deleted      GET /v3/contacts?status=deleted (no date filter exists):
//                each deletion the bookmark's "deleted" boundary on
//                deleted_at has not delivered yet is delivered once
//
// Only the deleted pass delivers deletions, so one seen by both passes, or
// by two runs, is delivered once under either reading; it runs after the
// incremental pass, so a contact's tombstone follows its last live record.
// A contact delivered live by the incremental pass (restored, by adding it
// to a list) leaves the deleted boundary's keys, so its next deletion is
// delivered even at the same deleted_at. The deleted pass checkpoints only
// at its end (its list has no known order): a run that fails in it commits
// none of its deliveries, and the next run makes them. Cost: every run
// pages all deleted contacts of the account, ceil(deleted / 500) calls (at
// least 1), besides the incremental pass. The first deleted pass delivers
// every deletion since two days before start_date.
//
// Contact activity summaries: one GET .../contact_reports/{id}/activity_summary
// per contact, so only for contacts that can have a changed row. The first
// read asks every contact (status=all); later reads find the contacts with
// an event since the last read in the six reports a summary counts (sends,
// opens, clicks, bounces, optouts, forwards) of every reportable activity
// of the campaigns that can still gain activity (as run_campaigns picks
// them), and deliver only those contacts' rows of those activities. A
// contact with no new event costs nothing. start = the job's start_date,
// end = a day past the server's clock, rows sent before start_date dropped:
// the same rows whether `end` is inclusive and whether the range picks
// activities by their send or counts only its own events [GUESS: the docs
// say neither; the simulator serves each]. The next read starts 60 s before
// this one began (the settle time the reports assume [GUESS]) and skips the
// events of that minute this one counted (hashes in the bookmark's "seen").
//
// Account settings: tracking_horizon_days, auth_endpoint (default
// https://authz.constantcontact.com), deletes: "tombstone" (default; a
// tombstone for the contact's key), "flag" (the contact's record with
// "deleted": true instead; live records carry "deleted": false) or "both"
// (the flagged record, then the tombstone).

#include "connectors/core/connector.hpp"

#include <memory>

namespace quarry::connectors {

std::unique_ptr<connector> make_constant_contact_connector();

} // namespace quarry::connectors
