#include "tests/support/kafka_broker.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace quarry::testing {
namespace {

std::string script_path() {
  if (const char* s = std::getenv("QUARRY_KAFKA_SCRIPT"); s && *s) return s;
  return std::string{QUARRY_SOURCE_DIR} + "/scripts/kafka";
}

std::string run_capture(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

} // namespace

int kafka_script(const std::string& verb) {
  const std::string command = script_path() + " " + verb + " >&2";
  const int rc = std::system(command.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

const std::string& kafka_bootstrap() {
  static const std::string bootstrap = [] {
    if (const char* env = std::getenv("QUARRY_TEST_KAFKA"); env && *env) return std::string{env};
    if (kafka_script("start") != 0) {
      std::cerr << "no Kafka broker: set QUARRY_TEST_KAFKA or make scripts/kafka start work\n";
      std::abort();
    }
    return run_capture(script_path() + " bootstrap");
  }();
  return bootstrap;
}

kafka::client_settings kafka_settings() {
  kafka::client_settings s;
  s.bootstrap_servers = kafka_bootstrap();
  s.replication_factor = 1;
  return s;
}

std::string unique_topic(const std::string& stem) {
  static std::atomic<int> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return "test." + stem + "." + std::to_string(getpid()) + "." +
         std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) + "." +
         std::to_string(counter++);
}

} // namespace quarry::testing
