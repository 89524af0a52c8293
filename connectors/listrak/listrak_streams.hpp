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
  std::vector<std::string> key;         // the Kafka key, in order
  std::string replication_key;          // "" for full table
  std::string event_date;               // range: the date a task resumes from
  std::string counter;                  // message children: the WSMessageActivity counter
                                        // that counts their records, "" when none
  std::vector<soap::column> columns;    // the record element's children, typed
  std::vector<std::string> date_columns;  // zone-less UTC dates, written with "Z"
};

// Every stream: lists, messages, subscribed_contacts, then the message
// children in a fixed order (the messages bookmark's arrays follow it).
const std::vector<stream_spec>& streams();
const stream_spec* find_stream(const std::string& name);
// The message children (message_sends ... message_bounces), in order.
std::vector<const stream_spec*> message_children();

stream_descriptor descriptor(const stream_spec& spec);

} // namespace quarry::connectors::listrak
