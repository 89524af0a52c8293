#pragma once

// Listrak's streams as data (tap-listrak's names, Stitch's list): the Kafka
// key, the date a child task resumes from, and how each is read: which SOAP
// report, the record element, the typed columns. listrak_connector.cpp walks
// them.

#include "connectors/core/soap.hpp"
#include "connectors/core/stream_spec.hpp"

#include <string>
#include <vector>

namespace quarry::connectors::listrak {

inline constexpr const char* v31_ns = "http://webservices.listrak.com/v31/";

// The field quarry adds to event records and their keys: 0 for a row, 1 for
// the second row identical to it in every field, and so on.
inline constexpr const char* ordinal_field = "Ordinal";

// How a stream is read.
enum class reading {
  lists,     // GetContactListCollection, full table
  messages,  // ReportListMessageActivity per list in date windows
  range,     // Report*Range*(id, StartDate, EndDate, Page) per parent, by date
  sends,     // ReportMessageContactSent(MsgID, Page) per message
};

struct read_spec {
  reading how = reading::range;
  std::string operation{};              // the SOAP method
  std::string item{};                   // the record element inside <MethodResult>
  std::string parent{};                 // "ListID" | "MsgID" | "" (added to records)
  std::string counter{};                // message children: the WSMessageActivity counter
                                        // that counts their records, "" when none
  std::vector<soap::column> columns{};  // the record element's children, typed
  std::vector<std::string> date_columns{};  // zone-less server-time dates, written RFC 3339 "Z"
  // ArrayOfString elements ({"string": "a"} for one, {"string": [...]} for
  // more when read naively): written as arrays of strings.
  std::vector<std::string> string_arrays{};
};
// The stream's primary key is the Kafka key, in order; a stream whose key
// ends in Ordinal carries it in its records too (has_ordinal).
using stream_spec = connectors::stream_spec<read_spec>;

// Every stream: lists, messages, subscribed_contacts, then the message
// children in a fixed order (the messages bookmark's arrays follow it).
// Find one with connectors::find_stream.
const std::vector<stream_spec>& streams();
// The message children (message_sends ... message_bounces), in order.
std::vector<const stream_spec*> message_children();
// True when the stream's records and keys carry Ordinal.
bool has_ordinal(const stream_spec& spec);

} // namespace quarry::connectors::listrak
