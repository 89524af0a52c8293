#include "tests/support/e2e.hpp"

#include "tests/support/json_schema_check.hpp"

#include <httplib.h>

#include <future>
#include <sstream>

namespace quarry::testing {

nlohmann::json sim_control(int port, const std::string& method, const std::string& path,
                           const nlohmann::json& body) {
  httplib::Client c{"127.0.0.1", port};
  c.set_read_timeout(60);  // a dataset of many thousand records, on a loaded machine
  const auto r = method == "GET" ? c.Get(path) : c.Post(path, body.dump(), "application/json");
  EXPECT_TRUE(r && r->status == 200) << method << " " << path << ": "
                                     << (r ? std::to_string(r->status) + " " + r->body : "no answer");
  return r ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
}

nlohmann::json one_job_config(const std::string& prefix, const std::string& name, const nlohmann::json& account,
                              nlohmann::json job, const nlohmann::json& engine) {
  job["name"] = name;
  job["account"] = name;
  return {{"kafka", {{"bootstrap_servers", kafka_bootstrap()}, {"topic_prefix", prefix}, {"replication_factor", 1}}},
          {"engine", engine},
          {"accounts", {{name, account}}},
          {"jobs", nlohmann::json::array({job})}};
}

// A summary row (cli/summary.cpp): "  <stream> <records> <~calls> <status>",
// indented two spaces; a stream's error below it is indented four.
std::map<std::string, std::int64_t> summary_records(const std::string& out) {
  std::map<std::string, std::int64_t> records;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("  ") || line.starts_with("   ")) continue;
    std::istringstream row(line);
    std::string stream, calls, status, rest;
    std::int64_t n = 0;
    if (row >> stream >> n >> calls >> status && !(row >> rest)) records[stream] = n;
  }
  return records;
}

std::map<std::string, records_by_key> committed_streams(const std::string& prefix, const std::string& source,
                                                        const std::vector<std::string>& streams) {
  std::map<std::string, std::future<records_by_key>> reads;
  for (const auto& stream : streams)
    reads[stream] = std::async(std::launch::async, [t = prefix + "." + source + "." + stream] { return committed(t); });
  std::map<std::string, records_by_key> out;
  for (auto& [stream, read] : reads) out[stream] = read.get();
  return out;
}

std::size_t expect_records_fit(const std::string& stream, const nlohmann::json& schema,
                               const records_by_key& records) {
  std::size_t fit = 0;
  for (const auto& [key, values] : records)
    for (const auto& value : values) {
      const auto wrong = schema_violations(schema, value);
      if (!wrong.empty()) {
        ADD_FAILURE() << stream << " " << key << ": " << wrong.front() << "\n" << value.dump();
        return fit;
      }
      ++fit;
    }
  return fit;
}

std::vector<std::pair<nlohmann::json, nlohmann::json>> state_messages(const std::string& prefix) {
  std::vector<std::pair<nlohmann::json, nlohmann::json>> out;
  auto st = kafka::read_to_end(kafka_settings(), prefix + "._state", [&](kafka::consumed_message&& m) {
    out.emplace_back(nlohmann::json::parse(m.key, nullptr, false),
                     m.value ? nlohmann::json::parse(*m.value, nullptr, false) : nlohmann::json());
  });
  EXPECT_TRUE(st.ok()) << prefix << "._state: " << st.error().describe();
  return out;
}

} // namespace quarry::testing
