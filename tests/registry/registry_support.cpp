#include "tests/registry/registry_support.hpp"

#include "connectors/core/http_client.hpp"
#include "tests/support/quarry_process.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>

namespace quarry::registry_testing {
namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

} // namespace

const std::string& registry_url() {
  static const std::string url = [] {
    const char* env = std::getenv("QUARRY_TEST_REGISTRY");
    return std::string{env != nullptr && *env != '\0' ? env : QUARRY_FIXTURE_REGISTRY};
  }();
  return url;
}

nlohmann::json registry_get(const std::string& path) {
  http::client c;
  http::request r;
  r.url = registry_url() + path;
  auto resp = c.send(r);
  if (!resp) {
    ADD_FAILURE() << "GET " << r.url << ": " << resp.error().describe();
    return nullptr;
  }
  return nlohmann::json::parse(resp->body, nullptr, false);
}

decoded confluent_decode(const std::vector<std::string>& args, const std::string& input) {
  testing::temp_dir dir;
  std::string command = shell_quote(QUARRY_TEST_PYTHON) + " " + shell_quote(QUARRY_CONFLUENT_DECODE);
  for (const auto& a : args) command += " " + shell_quote(a);
  command += " <" + shell_quote(dir.write("in", input)) + " 2>" + shell_quote(dir.file("err"));

  decoded out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return out;
  }
  std::string text;
  std::array<char, 4096> buf{};
  for (std::size_t n; (n = fread(buf.data(), 1, buf.size(), pipe)) > 0;) text.append(buf.data(), n);
  const int status = pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  out.err = testing::read_file(dir.file("err"));
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = text.substr(start, end - start);
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded())
      ADD_FAILURE() << "confluent_decode.py printed a line that is not JSON: " << line;
    else
      out.lines.push_back(std::move(j));
  }
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xF];
  }
  return out;
}

} // namespace quarry::registry_testing
