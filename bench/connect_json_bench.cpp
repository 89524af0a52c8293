// connect_json_bench: what kafka.value_format = "connect_json" costs per
// record, without network or Kafka: sinks::connect::envelope_writer::value()
// against the "json" path, whose whole cost is a copy of the record text
// into the producer's buffer (measured here as a std::string append).
//
// Records, generated before timing (--records distinct ones per kind):
//   lead   a Marketo-lead-like record, 40 columns in CSV order: ints, a
//          float, strings, booleans, 6 date-times ("...Z"), a date, nulls
//          (~1.2 kB)
//   small  8 fields, sorted as nlohmann::json::dump writes them: 2 ids,
//          strings, an int, a float, a boolean, a date-time (~190 B)
//   contact  a Constant-Contact-contact-like record, sorted: strings, 2
//          date-times, an email_address object (6 fields), custom_fields
//          (2 objects) and list_memberships (3 strings) (~700 B)
// Cases per kind, interleaved round by round (--runs rounds):
//   json            out.append(record): the baseline
//   connect         value() with timestamps::logical (date-times -> epoch ms)
//   connect-string  value() with timestamps::string (date-times copied)
//   connect-nested  value() with timestamps::logical, nested::json (top-level
//                   objects and arrays as JSON text)
//   key             key() of the record's {"id":...} (logical)
// Prints the median records/s and ns/record, the range, the ratio to json
// (paired within each round) and the bytes of one message. Times are the
// thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so other processes on a
// shared machine slow the figures less than they would wall time.
// --dump PREFIX also writes each kind's messages, one a line, to
// PREFIX-<kind>-<case>.jsonl (json, connect, connect-string,
// connect-nested), e.g. to see
// what lz4 makes of them (bench/README.md).

#include "sinks/connect_json.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

namespace {

using nlohmann::json;
using quarry::sinks::connect::envelope_writer;
using quarry::sinks::connect::nested;
using quarry::sinks::connect::timestamps;

json nullable(const char* type) { return {{"type", {type, "null"}}}; }
json date_time() { return {{"type", {"string", "null"}}, {"format", "date-time"}}; }

// As connectors/marketo leads_stream() builds it from describe.json.
json lead_schema() {
  json p = {{"id", {{"type", "integer"}}},
            {"createdAt", {{"type", "string"}, {"format", "date-time"}}},
            {"updatedAt", {{"type", "string"}, {"format", "date-time"}}}};
  for (const char* n : {"email", "firstName", "lastName", "middleName", "salutation", "title", "company", "phone",
                        "mobilePhone", "fax", "address", "city", "state", "postalCode", "country", "website",
                        "industry", "leadSource", "leadStatus", "rating", "sicCode", "sfdcId", "personTimeZone",
                        "originalReferrer"})
    p[n] = nullable("string");
  for (const char* n : {"leadScore", "numberOfEmployees", "leadPartitionId", "emailBounces"}) p[n] = nullable("integer");
  p["annualRevenue"] = nullable("number");
  for (const char* n : {"unsubscribed", "emailInvalid", "doNotCall"}) p[n] = nullable("boolean");
  for (const char* n : {"acquisitionDate", "lastActivityDate", "emailInvalidDate", "unsubscribedDate"})
    p[n] = date_time();
  p["dateOfBirth"] = {{"type", {"string", "null"}}, {"format", "date"}};
  return {{"type", "object"}, {"properties", p}};
}

json small_schema() {
  return {{"type", "object"},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"account_id", {{"type", "string"}}},
            {"type", nullable("string")},
            {"name", nullable("string")},
            {"value", nullable("integer")},
            {"amount", nullable("number")},
            {"active", nullable("boolean")},
            {"occurred_at", {{"type", "string"}, {"format", "date-time"}}}}}};
}

json contact_schema() {
  const json email = {{"type", "object"},
                      {"properties",
                       {{"address", {{"type", "string"}}},
                        {"permission_to_send", nullable("string")},
                        {"created_at", date_time()},
                        {"updated_at", date_time()},
                        {"opt_in_source", nullable("string")},
                        {"confirm_status", nullable("string")}}}};
  const json field = {{"type", "object"},
                      {"properties", {{"custom_field_id", {{"type", "string"}}}, {"value", nullable("string")}}}};
  json p = {{"contact_id", {{"type", "string"}}},
            {"email_address", email},
            {"created_at", date_time()},
            {"updated_at", date_time()},
            {"custom_fields", {{"type", {"array", "null"}}, {"items", field}}},
            {"list_memberships", {{"type", {"array", "null"}}, {"items", {{"type", "string"}}}}}};
  for (const char* n : {"first_name", "last_name", "job_title", "company_name", "create_source", "update_source"})
    p[n] = nullable("string");
  return {{"type", "object"}, {"properties", p}};
}

std::string stamp(int i, int day_offset) {
  char b[32];
  std::snprintf(b, sizeof b, "2024-%02d-%02dT%02d:%02d:%02dZ", 1 + (i + day_offset) % 12, 1 + (i + day_offset) % 28,
                i % 24, i % 60, (i * 7) % 60);
  return b;
}

// In the columns' order, not sorted: as the bulk export path (CSV rows,
// session::emit_serialized) writes it, so most fields miss the writer's
// next-field guess.
std::string lead_record(int i) {
  nlohmann::ordered_json r = {{"id", 1000000 + i},
            {"createdAt", stamp(i, 0)},
            {"updatedAt", stamp(i, 3)},
            {"email", "person" + std::to_string(i) + "@example.com"},
            {"firstName", "Jane"},
            {"lastName", "Doe-" + std::to_string(i)},
            {"middleName", nullptr},
            {"salutation", "Dr."},
            {"title", "Director of Marketing Operations"},
            {"company", "Example Industries \"EI\" Ltd"},
            {"phone", "+1 555 0100 " + std::to_string(i % 100)},
            {"mobilePhone", nullptr},
            {"fax", nullptr},
            {"address", "1 Main Street, Suite " + std::to_string(i % 500)},
            {"city", "Durham"},
            {"state", "NC"},
            {"postalCode", "27701"},
            {"country", "United States"},
            {"website", "https://www.example.com/"},
            {"industry", "Manufacturing"},
            {"leadSource", "Web Form"},
            {"leadStatus", "Marketing Qualified"},
            {"rating", nullptr},
            {"sicCode", "3571"},
            {"sfdcId", "00Q5e00000" + std::to_string(100000 + i)},
            {"personTimeZone", "America/New_York"},
            {"originalReferrer", "https://www.google.com/search?q=example+industries"},
            {"leadScore", i % 200},
            {"numberOfEmployees", 250 + i % 1000},
            {"leadPartitionId", 1},
            {"emailBounces", 0},
            {"annualRevenue", 12500000.5 + i},
            {"unsubscribed", false},
            {"emailInvalid", i % 17 == 0},
            {"doNotCall", nullptr},
            {"acquisitionDate", stamp(i, 1)},
            {"lastActivityDate", stamp(i, 5)},
            {"emailInvalidDate", nullptr},
            {"unsubscribedDate", nullptr},
            {"dateOfBirth", "1980-05-17"}};
  return r.dump();
}

std::string small_record(int i) {
  return json{{"id", "evt-" + std::to_string(i)},
              {"account_id", "acct-" + std::to_string(i % 1000)},
              {"type", "page_view"},
              {"name", "Pricing page"},
              {"value", i % 1000},
              {"amount", 19.99},
              {"active", true},
              {"occurred_at", stamp(i, 2)}}
      .dump();
}

std::string contact_id(int i) { return "c0ffee00-0000-4000-8000-" + std::to_string(100000000000 + i); }

std::string contact_record(int i) {
  return json{{"contact_id", contact_id(i)},
              {"email_address",
               {{"address", "person" + std::to_string(i) + "@example.com"},
                {"permission_to_send", i % 7 == 0 ? "unsubscribed" : "implicit"},
                {"created_at", stamp(i, 0)},
                {"updated_at", stamp(i, 3)},
                {"opt_in_source", "Contact"},
                {"confirm_status", "confirmed"}}},
              {"first_name", "Jane"},
              {"last_name", "Doe-" + std::to_string(i)},
              {"job_title", "Director of \"Marketing\" Operations"},
              {"company_name", "Example Industries"},
              {"create_source", "Account"},
              {"update_source", "Contact"},
              {"created_at", stamp(i, 0)},
              {"updated_at", stamp(i, 3)},
              {"custom_fields",
               {{{"custom_field_id", "f1a2b3c4-0000-4000-8000-000000000001"}, {"value", "v" + std::to_string(i)}},
                {{"custom_field_id", "f1a2b3c4-0000-4000-8000-000000000002"}, {"value", "Durham, NC"}}}},
              {"list_memberships",
               {"07936f78-662a-11eb-af0a-fa163e56c9b0", "1f2e3d4c-662a-11eb-af0a-fa163e56c9b0",
                "2a3b4c5d-662a-11eb-af0a-fa163e56c9b0"}}}
      .dump();
}

struct kind_data {
  const char* name;
  std::vector<std::string> records, keys;
  envelope_writer logical, string, nested_json;
};

envelope_writer writer(const json& schema, const char* name, timestamps ts, nested n = nested::structs,
                       const char* key = "id") {
  auto w = envelope_writer::make(schema, {key}, name, ts, n);
  if (!w) {
    std::fprintf(stderr, "%s\n", w.error().message.c_str());
    std::exit(1);
  }
  return std::move(w).value();
}

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// CPU seconds for one pass of `mode` over all records; `bytes` is the size of
// the last message.
double run_case(const kind_data& k, const std::string& mode, std::size_t& bytes) {
  std::string out;
  out.reserve(16384);
  const double t0 = cpu_seconds();
  for (std::size_t i = 0; i < k.records.size(); ++i) {
    out.clear();
    quarry::status st;
    if (mode == "json") out.append(k.records[i]);
    else if (mode == "connect") st = k.logical.value(k.records[i], out);
    else if (mode == "connect-string") st = k.string.value(k.records[i], out);
    else if (mode == "connect-nested") st = k.nested_json.value(k.records[i], out);
    else st = k.logical.key(k.keys[i], out);
    if (!st) {
      std::fprintf(stderr, "%s\n", st.error().message.c_str());
      std::exit(1);
    }
  }
  const double s = cpu_seconds() - t0;
  bytes = out.size();
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  int records = 20000, runs = 5, passes = 10;
  std::string dump;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--records")) records = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dump")) dump = argv[i + 1];
    else if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--passes")) passes = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: connect_json_bench [--records N] [--runs N] [--passes N] [--dump PREFIX]\n");
      return 2;
    }
  }
  std::vector<kind_data> kinds;
  kinds.push_back({"lead", {}, {}, writer(lead_schema(), "quarry.marketo.leads", timestamps::logical),
                   writer(lead_schema(), "quarry.marketo.leads", timestamps::string),
                   writer(lead_schema(), "quarry.marketo.leads", timestamps::logical, nested::json)});
  kinds.push_back({"small", {}, {}, writer(small_schema(), "quarry.synthetic.events", timestamps::logical),
                   writer(small_schema(), "quarry.synthetic.events", timestamps::string),
                   writer(small_schema(), "quarry.synthetic.events", timestamps::logical, nested::json)});
  const char* contacts = "quarry.constant_contact.contacts";
  kinds.push_back({"contact", {}, {},
                   writer(contact_schema(), contacts, timestamps::logical, nested::structs, "contact_id"),
                   writer(contact_schema(), contacts, timestamps::string, nested::structs, "contact_id"),
                   writer(contact_schema(), contacts, timestamps::logical, nested::json, "contact_id")});
  for (int i = 0; i < records; ++i) {
    kinds[0].records.push_back(lead_record(i));
    kinds[0].keys.push_back("{\"id\":" + std::to_string(1000000 + i) + "}");
    kinds[1].records.push_back(small_record(i));
    kinds[1].keys.push_back("{\"id\":\"evt-" + std::to_string(i) + "\"}");
    kinds[2].records.push_back(contact_record(i));
    kinds[2].keys.push_back("{\"contact_id\":\"" + contact_id(i) + "\"}");
  }
  const std::vector<std::string> modes = {"json", "connect", "connect-string", "connect-nested", "key"};
  if (!dump.empty())
    for (const auto& k : kinds)
      for (const std::string mode : {"json", "connect", "connect-string", "connect-nested"}) {
        std::ofstream f(dump + "-" + k.name + "-" + mode + ".jsonl");
        for (const auto& r : k.records) {
          std::string out = mode == "json" ? r : "";
          if (mode != "json")
            (void)(mode == "connect" ? k.logical : mode == "connect-string" ? k.string : k.nested_json).value(r, out);
          f << out << '\n';
        }
      }
  std::printf("connect_json_bench: %d records per kind, %d passes per case and round, %d rounds\n", records, passes,
              runs);
  for (auto& k : kinds) {
    std::printf("\n%s: record %zu bytes, value schema %zu bytes, key schema %zu bytes\n", k.name,
                k.records[0].size(), k.logical.value_schema().size(), k.logical.key_schema().size());
    std::vector<std::vector<double>> ns(modes.size()), ratio(modes.size());
    std::vector<std::size_t> bytes(modes.size());
    for (int r = 0; r < runs; ++r) {
      std::vector<double> round(modes.size());
      for (std::size_t m = 0; m < modes.size(); ++m) {
        double s = 0;
        for (int p = 0; p < passes; ++p) s += run_case(k, modes[m], bytes[m]);
        round[m] = s * 1e9 / (1.0 * passes * records);
        ns[m].push_back(round[m]);
      }
      for (std::size_t m = 0; m < modes.size(); ++m) ratio[m].push_back(round[m] / round[0]);
    }
    std::printf("%-15s %12s %10s %17s %9s %14s\n", "case", "records/s", "ns/record", "range ns", "x json",
                "message bytes");
    for (std::size_t m = 0; m < modes.size(); ++m) {
      const double med = median(ns[m]);
      std::printf("%-15s %12.0f %10.0f %8.0f-%-8.0f %9.1f %14zu\n", modes[m].c_str(), 1e9 / med, med,
                  *std::min_element(ns[m].begin(), ns[m].end()), *std::max_element(ns[m].begin(), ns[m].end()),
                  median(ratio[m]), bytes[m]);
    }
  }
  return 0;
}
