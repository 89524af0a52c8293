#pragma once

// Listrak's streams as data (tap-listrak's names, Stitch's list): which SOAP
// report reads each, the record element, the typed columns, the Kafka key
// and the date a child task resumes from. listrak_connector.cpp walks them.

#include "connectors/core/soap.hpp"
#include "connectors/core/stream.hpp"

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

struct stream_spec {
  std::string name;
  reading how = reading::range;
  std::string operation;                // the SOAP method
  std::string item;                     // the record element inside <MethodResult>
  std::string parent;                   // "ListID" | "MsgID" | "" (added to records)
  std::vector<std::string> key;         // the Kafka key, in order (Ordinal after it when `ordinal`)
  std::string replication_key;          // "" for full table; range: the date a task resumes from
  std::string counter;                  // message children: the WSMessageActivity counter
                                        // that counts their records, "" when none
  std::vector<soap::column> columns;    // the record element's children, typed
  std::vector<std::string> date_columns;  // zone-less server-time dates, written RFC 3339 "Z"
  bool ordinal = false;                 // records carry Ordinal, in the record and the key
  // ArrayOfString elements ({"string": "a"} for one, {"string": [...]} for
  // more when read naively): written as arrays of strings.
  std::vector<std::string> string_arrays;
};

// Every stream: lists, messages, subscribed_contacts, then the message
// children in a fixed order (the messages bookmark's arrays follow it).
const std::vector<stream_spec>& streams();
const stream_spec* find_stream(const std::string& name);
// The message children (message_sends ... message_bounces), in order.
std::vector<const stream_spec*> message_children();

stream_descriptor descriptor(const stream_spec& spec);

} // namespace quarry::connectors::listrak
