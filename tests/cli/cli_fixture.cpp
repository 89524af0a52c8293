#include "tests/cli/cli_fixture.hpp"

#include "proto/record.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace quarry::cli_testing {

int unused_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string unused_address() { return "127.0.0.1:" + std::to_string(unused_port()); }

nlohmann::json synthetic_config(const std::string& endpoint, const std::string& prefix,
                                const std::string& bootstrap) {
  return {
      {"kafka", {{"bootstrap_servers", bootstrap}, {"topic_prefix", prefix}}},
      {"engine", {{"workers", 3}}},
      {"accounts",
       {{"syn",
         {{"source", "synthetic"},
          {"endpoint", endpoint},
          {"credentials", {{"api_key", {{"env", "SYN_KEY"}}}}}}}}},
      {"jobs", nlohmann::json::array({{{"name", job_name},
                                       {"account", "syn"},
                                       {"start_date", "2024-01-01T00:00:00Z"}}})},
  };
}

std::string unique_prefix(const std::string& stem) { return testing::unique_topic("cli-" + stem); }

process_result run_quarry(const std::vector<std::string>& args, const std::string& api_key,
                          const env_list& env) {
  env_list all = env;
  all.emplace_back("SYN_KEY", api_key);
  return testing::run_quarry(args, all, std::chrono::seconds(120));
}

records_by_id index_by_id(const std::vector<nlohmann::json>& records, const std::string& what) {
  records_by_id out;
  for (const auto& r : records) {
    if (!r.is_object() || !r.contains("id") || !r["id"].is_string()) {
      ADD_FAILURE() << what << ": record without a string id: " << r.dump();
      continue;
    }
    if (!out.emplace(r["id"].get<std::string>(), r).second)
      ADD_FAILURE() << what << ": record " << r["id"] << " appears twice";
  }
  return out;
}

records_by_id dataset(const sim::synthetic_simulator& sim, sim::synthetic_dataset which) {
  const auto array = nlohmann::json::parse(sim.dataset_json(which));
  return index_by_id({array.begin(), array.end()}, "dataset");
}

std::vector<nlohmann::json> json_lines(const std::string& text, const std::string& what) {
  std::vector<nlohmann::json> out;
  std::istringstream in{text};
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      ADD_FAILURE() << what << " line " << n << " is not JSON: " << line;
      continue;
    }
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<std::string> ids_of(const records_by_id& records) {
  std::vector<std::string> out;
  for (const auto& [id, r] : records) out.push_back(id);
  return out;
}

// Rows look like "  accounts                                    8        1  ok"
// (calls "~1" when split among the streams one task fed), optionally
// followed by an error line indented by four spaces.
std::map<std::string, summary_row> summary_rows(const std::string& text) {
  std::map<std::string, summary_row> out;
  std::istringstream in{text};
  std::string line;
  summary_row* last = nullptr;
  while (std::getline(in, line)) {
    if (line.rfind("    ", 0) == 0 && last != nullptr) {
      last->error = line.substr(4);
      continue;
    }
    last = nullptr;
    if (line.rfind("  ", 0) != 0) continue;
    std::istringstream words{line};
    std::string stream, records, calls, status;
    if (!(words >> stream >> records >> calls >> status)) continue;
    if (calls.rfind('~', 0) == 0) calls.erase(0, 1);
    if (records.find_first_not_of("0123456789") != std::string::npos ||
        calls.find_first_not_of("0123456789") != std::string::npos)
      continue;  // the header row
    auto& row = out[stream];
    row.records = std::stoull(records);
    row.calls = std::stoull(calls);
    row.status = status;
    last = &row;
  }
  return out;
}

std::vector<kafka::consumed_message> read_topic(const std::string& topic, kafka::isolation level) {
  std::vector<kafka::consumed_message> out;
  auto st = kafka::read_to_end(
      testing::kafka_settings(), topic,
      [&](kafka::consumed_message&& m) { out.push_back(std::move(m)); }, level,
      std::chrono::seconds(60));
  if (!st) ADD_FAILURE() << "cannot read " << topic << ": " << st.error().describe();
  return out;
}

std::map<std::string, std::string> headers_of(const kafka::consumed_message& m) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : m.headers)
    if (!out.emplace(k, v).second) ADD_FAILURE() << "header " << k << " appears twice";
  return out;
}

std::vector<std::string> topics_of_prefix(const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& s : synthetic_streams)
    out.push_back(contract::records_topic(prefix, "synthetic", s.stream));
  out.push_back(contract::state_topic(prefix));
  out.push_back(contract::schemas_topic(prefix));
  out.push_back(contract::runs_topic(prefix));
  out.push_back(contract::quota_topic(prefix));
  return out;
}

} // namespace quarry::cli_testing
