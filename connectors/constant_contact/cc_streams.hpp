#pragma once

// The Constant Contact streams as data: name, key, replication and schema of
// each, and how it is read (by its own task, with its campaign, as a
// tracking report per campaign activity, or as an account-wide table).
//
//   stream                 key                                              replication
//   contacts               contact_id                                       updated_at
//   contact_lists          list_id                                          full table
//   contact_custom_fields  custom_field_id                                  full table
//   campaigns              campaign_id                                      updated_at
//   campaign_activities    campaign_activity_id                             with its campaign
//   sends                  campaign_activity_id, contact_id                 created_time
//   opens                  campaign_activity_id, contact_id, created_time   created_time
//   unique_opens           campaign_activity_id, contact_id                 created_time
//   clicks                 campaign_activity_id, contact_id, created_time, url_id
//   bounces                campaign_activity_id, contact_id                 created_time
//   optouts                campaign_activity_id, contact_id                 created_time
//   forwards               campaign_activity_id, contact_id, created_time   created_time
//   didnotopens            campaign_activity_id, contact_id                 full table (it shrinks)
//   email_links            campaign_activity_id, url_id                     with its activity (issue 17)
//   email_previews         campaign_activity_id                             with its campaign
//   campaign_activity_schedules     campaign_activity_id, scheduled_date    with its campaign
//   campaign_activity_send_history  campaign_activity_id, send_id           with its activity
//   account_summary        encoded_account_id                               full table
//   account_emails         email_id                                         full table
//   contact_tags           tag_id                                           full table
//   segments               segment_id                                       full table
//   email_campaign_summaries  campaign_id                                   full table
//   contact_activity_summaries  contact_id, campaign_activity_id            per contact with new activity
//
// Reports are per campaign activity (the task's partition) and list newest
// first, so an incremental read stops at the newest event of the last one.

#include "connectors/core/stream_spec.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace quarry::connectors::constant_contact {

// How a stream is read (constant_contact_connector.hpp tells the whole story).
enum class reading {
  own_task,       // a task of its own (contacts, campaigns, ...)
  with_campaign,  // by the campaigns task, per activity: details, preview and
                  // schedule only when the campaign changed; links and send
                  // history as the reports, while it can still gain activity
  report,         // a child task per campaign activity:
                  // GET /v3/reports/email_reports/{id}/tracking/<stream name>
  account_table,  // a task of its own: one account-wide full table
};

struct read_spec {
  reading how = reading::own_task;
  // account_table: the path and query of the first page, and the answer's
  // list key ("" for an answer that is the list itself, "." for one record).
  std::string first{};
  std::string list_key{};
};
using stream_spec = connectors::stream_spec<read_spec>;

// Every date-time `schema` declares in `value` (nested objects and arrays
// too) rewritten as RFC 3339 in UTC with the precision the API wrote
// ("2016-03-03T10:56:29-05:00" -> "2016-03-03T15:56:29Z", ".108" kept).
// Text that is no time becomes null and `warn` is told, naming `where` (the
// stream and record) and the field: a record is never dropped for it.
void normalise_times(const nlohmann::json& schema, nlohmann::json& value, const std::string& where,
                     const std::function<void(const std::string&)>& warn);

// Every stream, in plan order (find one with connectors::find_stream).
const std::vector<stream_spec>& streams();

} // namespace quarry::connectors::constant_contact
