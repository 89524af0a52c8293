#pragma once

// What the registry tests share: the real registry (scripts/registry, started
// by the ctest fixture "registry") and Confluent's Python deserializer
// (confluent_decode.py in the venv of the fixture "registry_python").

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace quarry::registry_testing {

// The Confluent API base URL of the test registry: QUARRY_TEST_REGISTRY when
// set, else the one the ctest fixture starts.
const std::string& registry_url();

// GET {registry}/path, parsed; ADD_FAILUREs (and answers null) on an error.
nlohmann::json registry_get(const std::string& path);

struct decoded {
  int exit_code = -1;
  std::vector<nlohmann::json> lines;  // stdout, one JSON document a line
  std::string err;                    // stderr
};

// Runs `confluent_decode.py args...` with the venv's python and `input` on
// stdin.
decoded confluent_decode(const std::vector<std::string>& args, const std::string& input = {});

// Lower-case hex of `bytes`, as confluent_decode.py frames reads them.
std::string hex(std::string_view bytes);

} // namespace quarry::registry_testing
