#pragma once

// Bronto's streams as data: name, key, replication key, and how each is
// read: its SOAP operation and the columns of a record (their JSON kinds,
// which are arrays, which element is flattened), from which both the schema
// and the soap::record_writer come.
// The elements of each object are those of the v4 WSDL (apis.md 2.3).

#include "connectors/core/soap.hpp"
#include "connectors/core/stream_spec.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace quarry::connectors::bronto {

struct read_spec {
  std::string operation{};
  std::vector<soap::column> columns{};
  // Fields the connector adds to each record (activities: id, event_id).
  std::vector<std::string> derived{};
};
using stream_spec = connectors::stream_spec<read_spec>;

// Every stream (find one with connectors::find_stream).
const std::vector<stream_spec>& streams();

// The top-level fields of `spec` to write for a job's selection (nullptr:
// all): the selected ones plus the key and the replication key.
std::vector<std::string> fields_for(const stream_spec& spec, const std::vector<std::string>* selected);

// True for the elements that hold a dateTime (schema format date-time):
// created, modified, deliveryStart and every *Date, readOnlyContactData's
// included. The connector writes them as RFC 3339 in UTC.
bool is_date_column(std::string_view name);

} // namespace quarry::connectors::bronto
