#pragma once

// The real Apache Kafka broker the tests run against (scripts/kafka). Tests
// use the broker named by QUARRY_TEST_KAFKA; when that is unset they start the
// script's broker themselves, so `ctest` works without scripts/test.

#include "kafka/settings.hpp"

#include <string>

namespace quarry::testing {

// Bootstrap servers of the test broker; starts it if needed. Aborts the test
// binary with a clear message when no broker can be had.
const std::string& kafka_bootstrap();

kafka::client_settings kafka_settings();

// Runs `scripts/kafka <verb>` and returns its exit status.
int kafka_script(const std::string& verb);

// A topic name no other test run has used.
std::string unique_topic(const std::string& stem);

} // namespace quarry::testing
