#pragma once

// Constant Contact v3 (apis.md section 5): contacts, lists, custom fields,
// email campaigns, their activities and the eight tracking reports of each
// activity. The streams: cc_streams.hpp; OAuth, 429s and paging: cc_api.hpp.
//
// Tasks of a run:
//
//   plan (no calls) --> contacts, contact_lists, contact_custom_fields
//                   \-> campaigns --spawn--> campaign_activities (partition: campaign id)
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
// Account settings: tracking_horizon_days, auth_endpoint (default
// https://authz.constantcontact.com).

#include "connectors/core/connector.hpp"

#include <memory>

namespace quarry::connectors {

std::unique_ptr<connector> make_constant_contact_connector();

} // namespace quarry::connectors
