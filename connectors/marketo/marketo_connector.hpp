#pragma once

// The Marketo connector (source "marketo"): REST for the small streams, Bulk
// Extract for leads and activities. See marketo_streams.hpp for the stream
// table, bulk_export.hpp for the export lifecycle, marketo_api.hpp for auth
// and error classification.
//
// Credentials: client_id (not secret), client_secret (secret).
// Endpoint: the account base URL (https://<munchkin>.mktorest.com, or a
// simulator); Identity at <endpoint>/identity.
//
// Account settings (job_context::settings), all optional:
//   export_days      window of one bulk export, 1..31 (default 31)
//   poll_interval_s  seconds between export status polls (default 60)
//   export_timeout_s give up on an export after this long (default 10800)
//   activities_via   "bulk" (default: up to 10 types per export job, a few
//                    calls per 31 days) or "rest" (paging token + pages)
//   leads_filter     "updatedAt" (default; falls back to createdAt on 1035)
//                    or "createdAt"
//
// Tasks (plan): one per stream; leads and each group of up to 10 activity
// types walk their ≤31-day windows in order inside one task (the coordinator
// never queues a (stream, partition) twice, so windows cannot be chained as
// children of one partition); the bookmark moves to the end of each finished
// window. While a window's file downloads, the next window's job is already
// created and queued ("next" in the bookmark), so Marketo's two processing
// slots work while quarry parses; a queued-ahead job whose window no longer
// matches the plan is cancelled. An activity group's task is named after its
// first stream, emits into the others, and its bookmark lists the type ids
// it covers. A job that ends Failed or Cancelled is replaced (3 times per
// window per attempt). Rows go out as JSON text (marketo_streams' row
// writers) unless a column selection on an activity stream needs emit().
//
// Boundaries (connectors/core/boundary.hpp), correct whether Marketo's date
// bounds are inclusive or exclusive [GUESS: the docs say neither]: a bulk
// window [a, b) asks Marketo for startAt a - 1 s .. endAt b and delivers
// exactly the rows stamped in [a, b) that the bookmark does not hold; REST
// activities ask sinceDatetime a second before the bookmark; programs ask
// earliestUpdatedAt a second before it, latestUpdatedAt now; campaigns and
// lists are read whole and filtered here. Rows stamped at or after the end
// of what was asked (a window's end, the run's start for REST) wait for the
// next window or run.
//
// Bookmarks:
//   leads               {"updatedAt", "keys_at", "filter", "export"?: export_progress, "window"?,
//                        "next"?: {"window", "id"}}
//   activity group      {"activityDate", "keys_at", "activity_type_ids", "export"?, "window"?, "next"?}
//                       (REST mode: {"activityDate", "keys_at", "activity_type_ids", "next_page_token"?})
//   campaigns, lists    {"updatedAt", "keys_at"}: the newest record delivered and the ids at it
//   programs            {"updatedAt", "keys_at": []}: the start of the run that delivered up to it
//   activity_types      {"full_table_completed": true}

#include "connectors/core/connector.hpp"
#include "connectors/marketo/bulk_export.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace quarry::connectors {

struct marketo_options {
  // Wall clock for windows and date ranges (tests pin it).
  std::function<std::chrono::system_clock::time_point()> now;
  // Overrides of the account settings' poll interval (tests use 0).
  std::optional<std::chrono::milliseconds> poll_interval;
  std::int64_t checkpoint_rows = 5000;
};

std::unique_ptr<connector> make_marketo_connector(marketo_options options = {});

} // namespace quarry::connectors
