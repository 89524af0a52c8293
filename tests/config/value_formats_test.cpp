// The value formats of the config file, one table per format.

#include "config/json_pointer.hpp"
#include "config/value_formats.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace quarry::config {
namespace {

struct host_port_case {
  std::string_view text;
  std::string_view problem;  // "" = valid
};

TEST(config_value_formats, listen_addresses_may_ask_for_any_free_port) {
  EXPECT_TRUE(check_host_port("127.0.0.1:0", true).ok());
  EXPECT_TRUE(check_host_port("0.0.0.0:9464", true).ok());
  const status s = check_host_port("127.0.0.1:65536", true);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("between 0 (any free port) and 65535"), std::string::npos);
  EXPECT_FALSE(check_host_port("127.0.0.1:0").ok()) << "a broker port is never 0";
}

TEST(config_value_formats, host_port) {
  const host_port_case cases[] = {
      {"localhost:9092", ""},
      {"10.0.0.1:1", ""},
      {"kafka-1.internal_x:65535", ""},
      {"[::1]:9092", ""},
      {"[fe80::1]:80", ""},
      {"localhost", "the :port is missing"},
      {"localhost:", "port must be between 1 and 65535"},
      {"localhost:0", "port must be between 1 and 65535"},
      {"localhost:65536", "port must be between 1 and 65535"},
      {"localhost:000009092", "port must be between 1 and 65535"},
      {"localhost:90a", "port must be between 1 and 65535"},
      {"localhost:-1", "port must be between 1 and 65535"},
      {":9092", "the host is empty"},
      {"::1:9092", "IPv6 hosts must be bracketed"},
      {"[::1:9092", "no closing ]"},
      {"[::1]9092", "expected host:port"},
      {"[]:9092", "not an IPv6 address"},
      {"ho st:1", "the host may hold only"},
      {"", "the :port is missing"},
  };
  for (const auto& c : cases) {
    const status s = check_host_port(c.text);
    if (c.problem.empty()) {
      EXPECT_TRUE(s.ok()) << c.text << ": " << s.error().message;
    } else {
      ASSERT_FALSE(s.ok()) << c.text;
      EXPECT_NE(s.error().message.find(c.problem), std::string::npos)
          << c.text << ": " << s.error().message;
    }
  }
}

TEST(config_value_formats, utc_timestamp) {
  using namespace std::chrono;
  struct row {
    std::string_view text;
    std::optional<timestamp> value;
    std::string_view problem;
  };
  const row rows[] = {
      {"2024-01-01T00:00:00Z", sys_days{2024y / 1 / 1}, ""},
      {"2024-01-01t00:00:00z", sys_days{2024y / 1 / 1}, ""},
      {"2024-02-29T23:59:59+00:00", sys_days{2024y / 2 / 29} + 23h + 59min + 59s, ""},
      {"2024-01-01T00:00:00.5Z", sys_days{2024y / 1 / 1} + 500ms, ""},
      {"2024-01-01T00:00:00.123456789Z", sys_days{2024y / 1 / 1} + 123ms, ""},
      {"2024-01-01", std::nullopt, "expected an RFC 3339 UTC timestamp"},
      {"2024-01-01 00:00:00Z", std::nullopt, "expected an RFC 3339 UTC timestamp"},
      {"2024-01-01T00:00:00", std::nullopt, "expected an RFC 3339 UTC timestamp"},
      {"2024-01-01T00:00:00.Z", std::nullopt, "expected an RFC 3339 UTC timestamp"},
      {"2024-1-01T00:00:00Z", std::nullopt, "expected an RFC 3339 UTC timestamp"},
      {"2024-01-01T00:00:00-05:00", std::nullopt, "must be in UTC"},
      {"2024-01-01T00:00:00-00:00", std::nullopt, "must be in UTC"},
      {"2023-02-29T00:00:00Z", std::nullopt, "must be a real calendar date"},
      {"2024-13-01T00:00:00Z", std::nullopt, "must be a real calendar date"},
      {"2024-01-01T24:00:00Z", std::nullopt, "time of day"},
      {"2024-01-01T23:59:60Z", std::nullopt, "time of day"},
  };
  for (const auto& r : rows) {
    const auto parsed = parse_utc_timestamp(r.text);
    if (r.value) {
      ASSERT_TRUE(parsed.ok()) << r.text << ": " << parsed.error().message;
      EXPECT_EQ(*parsed, *r.value) << r.text;
    } else {
      ASSERT_FALSE(parsed.ok()) << r.text;
      EXPECT_NE(parsed.error().message.find(r.problem), std::string::npos)
          << r.text << ": " << parsed.error().message;
    }
  }
}

TEST(config_value_formats, clock_time) {
  const std::pair<std::string_view, int> valid[] = {{"00:00", 0}, {"07:30", 450}, {"23:59", 1439}};
  for (const auto& [text, minutes] : valid) {
    const auto parsed = parse_clock_time(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(*parsed, minutes) << text;
  }
  for (std::string_view text : {"24:00", "12:60", "7:30", "07-30", "07:30:00", ""})
    EXPECT_FALSE(parse_clock_time(text).ok()) << text;
}

TEST(config_value_formats, time_zone_shape) {
  for (std::string_view ok : {"UTC", "America/Chicago", "America/Argentina/Buenos_Aires",
                              "Etc/GMT+5", "Etc/GMT-14", "Europe/Kyiv"})
    EXPECT_TRUE(is_time_zone_name(ok)) << ok;
  for (std::string_view bad : {"", "America Chicago", "/Chicago", "America/", "America//Chicago",
                               "1America/Chicago", "UTC+01:00", "EST5EDT"})
    EXPECT_FALSE(is_time_zone_name(bad)) << bad;
}

TEST(config_value_formats, names_and_prefixes) {
  EXPECT_TRUE(is_plain_name("marketo-daily_2"));
  EXPECT_FALSE(is_plain_name(""));
  EXPECT_FALSE(is_plain_name("a.b"));
  EXPECT_TRUE(check_topic_prefix("acme.quarry-1_x").ok());
  EXPECT_FALSE(check_topic_prefix("").ok());
  EXPECT_FALSE(check_topic_prefix("_x").ok());
  EXPECT_FALSE(check_topic_prefix("a/b").ok());
}

TEST(config_value_formats, edit_distance_and_suggestions) {
  const std::tuple<std::string_view, std::string_view, std::size_t> distances[] = {
      {"", "", 0}, {"kafka", "kafka", 0}, {"kafak", "kafka", 1}, {"kafk", "kafka", 1},
      {"kafkaa", "kafka", 1}, {"jbos", "jobs", 1}, {"engin", "engine", 1},
      {"telemtry", "telemetry", 1}, {"abc", "", 3}, {"workers", "wrkres", 2}};
  for (const auto& [a, b, d] : distances) EXPECT_EQ(edit_distance(a, b), d) << a << " " << b;

  const std::vector<std::string_view> names = {"kafka", "telemetry", "engine", "accounts", "jobs"};
  EXPECT_EQ(closest_name("kafak", names), "kafka");
  EXPECT_EQ(closest_name("acount", names), "accounts");
  EXPECT_EQ(closest_name("zzzzzz", names), std::nullopt);
  EXPECT_EQ(closest_name("job", names), "jobs");
  // Not when nearly every character differs.
  EXPECT_EQ(closest_name("zz", {"c", "mkto"}), std::nullopt);
  EXPECT_EQ(closest_name("ab", {"cd"}), std::nullopt);
}

TEST(config_value_formats, json_pointer_escaping) {
  EXPECT_EQ(pointer_append("", "kafka"), "/kafka");
  EXPECT_EQ(pointer_append("/jobs", std::size_t{3}), "/jobs/3");
  EXPECT_EQ(pointer_append("/a", "b/c~d"), "/a/b~1c~0d");
  EXPECT_EQ(pointer_append("", ""), "/");
}

} // namespace
} // namespace quarry::config
