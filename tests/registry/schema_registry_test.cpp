// sinks::schema_registry against a real Confluent-compatible Schema Registry
// (Apicurio, scripts/registry) and, for what that one cannot do (basic auth,
// transient failures), a loopback stand-in; and quarry's wire format
// (confluent_frame) read back by Confluent's own Python JSONDeserializer.

#include "sinks/schema_registry.hpp"

#include "connectors/core/http_client.hpp"
#include "tests/cli/cli_fixture.hpp"
#include "tests/registry/registry_support.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace quarry::registry_testing {
namespace {

using nlohmann::json;
using sinks::schema_registry;

// A stream's JSON Schema as connectors declare them: nullable columns,
// date-times, a nested object, an array.
const json users_schema = {
    {"type", "object"},
    {"properties",
     {{"id", {{"type", "string"}}},
      {"email", {{"type", {"string", "null"}}}},
      {"age", {{"type", {"integer", "null"}}}},
      {"score", {{"type", {"number", "null"}}}},
      {"active", {{"type", "boolean"}}},
      {"updated_at", {{"type", "string"}, {"format", "date-time"}}},
      {"address", {{"type", {"object", "null"}}, {"properties", {{"city", {{"type", "string"}}}}}}},
      {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
    {"required", {"id", "active"}}};

const json key_schema = {{"type", "object"},
                         {"properties", {{"id", {{"type", "string"}}}}},
                         {"required", {"id"}}};

// ---------------------------------------------------------------------------
// The client against the registry
// ---------------------------------------------------------------------------

TEST(schema_registry, registers_a_schema_the_registry_then_serves_by_id) {
  const std::string subject = testing::unique_topic("users") + "-value";
  schema_registry sr{registry_url()};
  const auto id = sr.register_schema(subject, users_schema.dump());
  ASSERT_TRUE(id.ok()) << id.error().describe();

  const json by_id = registry_get("/schemas/ids/" + std::to_string(*id));
  EXPECT_EQ(by_id.value("schemaType", ""), "JSON");
  EXPECT_EQ(json::parse(by_id.value("schema", "null")), users_schema);
  EXPECT_EQ(registry_get("/subjects/" + subject + "/versions"), json::array({1}));
}

TEST(schema_registry, the_same_schema_twice_has_one_id_and_one_version) {
  const std::string subject = testing::unique_topic("users") + "-value";
  const std::string text = users_schema.dump();
  schema_registry first{registry_url()}, second{registry_url() + "/"};
  const auto a = first.register_schema(subject, text);
  const auto cached = first.register_schema(subject, text);
  const auto b = second.register_schema(subject, text);  // a new client asks the registry again
  ASSERT_TRUE(a.ok() && cached.ok() && b.ok());
  EXPECT_EQ(*cached, *a);
  EXPECT_EQ(*b, *a);
  EXPECT_EQ(registry_get("/subjects/" + subject + "/versions"), json::array({1}));

  // A changed schema is a new version with a new id.
  json changed = users_schema;
  changed["properties"]["nickname"] = {{"type", {"string", "null"}}};
  const auto c = first.register_schema(subject, changed.dump());
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_NE(*c, *a);
  EXPECT_EQ(registry_get("/subjects/" + subject + "/versions"), json::array({1, 2}));
}

TEST(schema_registry, registers_key_and_value_subjects_of_a_topic) {
  const std::string topic = testing::unique_topic("users");
  schema_registry sr{registry_url()};
  const auto value_id = sr.register_schema(topic + "-value", users_schema.dump());
  const auto key_id = sr.register_schema(topic + "-key", key_schema.dump());
  ASSERT_TRUE(value_id.ok() && key_id.ok());
  EXPECT_NE(*key_id, *value_id);

  const json subjects = registry_get("/subjects");
  ASSERT_TRUE(subjects.is_array());
  EXPECT_NE(std::find(subjects.begin(), subjects.end(), topic + "-key"), subjects.end()) << subjects;
  EXPECT_NE(std::find(subjects.begin(), subjects.end(), topic + "-value"), subjects.end()) << subjects;
  EXPECT_EQ(json::parse(registry_get("/schemas/ids/" + std::to_string(*key_id)).value("schema", "null")),
            key_schema);
}

TEST(schema_registry, an_invalid_schema_is_a_fatal_error_naming_registry_subject_and_code) {
  const std::string subject = testing::unique_topic("bad") + "-value";
  schema_registry sr{registry_url()};
  const auto id = sr.register_schema(subject, "{not json");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, error_kind::fatal);
  const std::string& m = id.error().message;
  EXPECT_NE(m.find("schema registry " + registry_url()), std::string::npos) << m;
  EXPECT_NE(m.find("subject '" + subject + "'"), std::string::npos) << m;
  EXPECT_NE(m.find("HTTP 422, error_code 42201"), std::string::npos) << m;
}

TEST(schema_registry, a_schema_change_the_subjects_compatibility_refuses_is_a_fatal_error_saying_so) {
  const std::string subject = testing::unique_topic("users") + "-value";
  schema_registry sr{registry_url()};
  ASSERT_TRUE(sr.register_schema(subject, users_schema.dump()).ok());
  http::client c;
  http::request put;
  put.method = "PUT";
  put.url = registry_url() + "/config/" + subject;
  put.headers = {{"Content-Type", "application/vnd.schemaregistry.v1+json"}};
  put.body = R"({"compatibility":"BACKWARD"})";
  const auto set = c.send(put);
  ASSERT_TRUE(set.ok()) << set.error().describe();

  // A new optional column: refused under BACKWARD for an open content model.
  json changed = users_schema;
  changed["properties"]["nickname"] = {{"type", {"string", "null"}}};
  const auto id = sr.register_schema(subject, changed.dump());
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, error_kind::fatal);
  const std::string& m = id.error().message;
  EXPECT_NE(m.find("subject '" + subject + "': registering the schema: HTTP 409"), std::string::npos) << m;
  EXPECT_NE(m.find("compatibility NONE"), std::string::npos) << m;
}

TEST(schema_registry, a_registry_that_is_down_is_a_retriable_error_after_a_few_quick_attempts) {
  const std::string url = "http://127.0.0.1:" + std::to_string(cli_testing::unused_port()) + "/apis/ccompat/v6";
  schema_registry sr{url};
  const auto t0 = std::chrono::steady_clock::now();
  const auto id = sr.register_schema("users-value", users_schema.dump());
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, error_kind::retriable);
  const std::string& m = id.error().message;
  EXPECT_NE(m.find("schema registry " + url + ", subject 'users-value': registering the schema: "),
            std::string::npos) << m;
  EXPECT_NE(m.find("gave up after 4 attempts"), std::string::npos) << m;
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(schema_registry, credentials_reach_no_error_message) {
  // Apicurio runs without auth here and ignores the header: registration works.
  schema_registry with_auth{registry_url(), "svc:hunter2-secret"};
  const auto ok = with_auth.register_schema(testing::unique_topic("auth") + "-value", key_schema.dump());
  EXPECT_TRUE(ok.ok()) << ok.error().describe();

  const std::string port = std::to_string(cli_testing::unused_port());
  schema_registry down{"http://user:url-secret@127.0.0.1:" + port + "/registry?token=query-secret",
                       "svc:hunter2-secret"};
  const auto id = down.register_schema("users-value", key_schema.dump());
  ASSERT_FALSE(id.ok());
  const std::string& m = id.error().message;
  EXPECT_NE(m.find("schema registry http://127.0.0.1:" + port + "/registry, "), std::string::npos) << m;
  for (const char* secret : {"hunter2", "url-secret", "query-secret", "svc:", "user:"})
    EXPECT_EQ(m.find(secret), std::string::npos) << secret << " in: " << m;
  EXPECT_EQ(down.display_url(), "http://127.0.0.1:" + port + "/registry");
}

TEST(schema_registry, url_without_credentials) {
  const struct {
    const char* url;
    const char* shown;
  } cases[] = {
      {"http://127.0.0.1:8081", "http://127.0.0.1:8081"},
      {"https://u:p@sr.example.com/apis/ccompat/v6", "https://sr.example.com/apis/ccompat/v6"},
      {"https://u:p@sr.example.com", "https://sr.example.com"},
      {"https://sr.example.com/x?key=secret#frag", "https://sr.example.com/x"},
      {"https://sr.example.com/path/with@sign", "https://sr.example.com/path/with@sign"},
      {"https://a:b@c@sr.example.com/", "https://sr.example.com/"},
  };
  for (const auto& c : cases) EXPECT_EQ(sinks::url_without_credentials(c.url), c.shown) << c.url;
}

// ---------------------------------------------------------------------------
// What the registry run here does not do: enforce basic auth (Apicurio's needs
// an OIDC server) and fail transiently. A loopback stand-in answers as
// Confluent's registry documents it.
// ---------------------------------------------------------------------------

class registry_stand_in : public ::testing::Test {
 protected:
  void SetUp() override {
    svr_.Post(R"(/subjects/([^/]+)/versions)", [this](const httplib::Request& req, httplib::Response& res) {
      const int n = ++requests_;
      if (req.get_header_value("Authorization") != "Basic " + std::string{expected_auth_}) {
        res.status = 401;
        res.set_content(R"({"error_code":40101,"message":"Unauthorized"})", "application/vnd.schemaregistry.v1+json");
      } else if (n <= unavailable_) {
        res.status = 503;
        res.set_content(R"({"error_code":50003,"message":"Error while forwarding the request to the leader"})",
                        "application/vnd.schemaregistry.v1+json");
      } else {
        res.set_content(R"({"id":42})", "application/vnd.schemaregistry.v1+json");
      }
    });
    port_ = svr_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!svr_.is_running() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    ASSERT_TRUE(svr_.is_running());
  }
  void TearDown() override {
    svr_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // base64("svc:hunter2")
  static constexpr const char* expected_auth_ = "c3ZjOmh1bnRlcjI=";
  int unavailable_ = 0;  // the first n requests answer 503; set before any request
  std::atomic<int> requests_{0};
  httplib::Server svr_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(registry_stand_in, sends_user_info_as_basic_auth) {
  schema_registry sr{url(), "svc:hunter2"};
  const auto id = sr.register_schema("users-value", key_schema.dump());
  ASSERT_TRUE(id.ok()) << id.error().describe();
  EXPECT_EQ(*id, 42);
}

TEST_F(registry_stand_in, refused_credentials_are_fatal_and_not_repeated_in_the_error) {
  schema_registry sr{url(), "svc:wrong-password"};
  const auto id = sr.register_schema("users-value", key_schema.dump());
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, error_kind::fatal);
  EXPECT_EQ(requests_, 1);  // not retried
  const std::string& m = id.error().message;
  EXPECT_NE(m.find("HTTP 401, error_code 40101: Unauthorized"), std::string::npos) << m;
  EXPECT_EQ(m.find("wrong-password"), std::string::npos) << m;
}

TEST_F(registry_stand_in, retries_a_transient_failure_then_answers_the_id) {
  unavailable_ = 2;
  schema_registry sr{url(), "svc:hunter2"};
  const auto id = sr.register_schema("users-value", key_schema.dump());
  ASSERT_TRUE(id.ok()) << id.error().describe();
  EXPECT_EQ(*id, 42);
  EXPECT_EQ(requests_, 3);
  // The id is cached: the same schema again asks nothing.
  ASSERT_TRUE(sr.register_schema("users-value", key_schema.dump()).ok());
  EXPECT_EQ(requests_, 3);
}

TEST_F(registry_stand_in, gives_up_on_a_lasting_failure_naming_the_last_answer) {
  unavailable_ = 100;
  schema_registry sr{url(), "svc:hunter2"};
  const auto id = sr.register_schema("users-value", key_schema.dump());
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, error_kind::retriable);
  EXPECT_EQ(requests_, 4);
  const std::string& m = id.error().message;
  EXPECT_NE(m.find("subject 'users-value': registering the schema: HTTP 503, error_code 50003: "
                   "Error while forwarding the request to the leader (gave up after 4 attempts)"),
            std::string::npos) << m;
}

// ---------------------------------------------------------------------------
// The wire format
// ---------------------------------------------------------------------------

TEST(confluent_frame, magic_byte_big_endian_id_then_the_json) {
  std::string out = "x";
  sinks::confluent_frame(0x01020304, R"({"a":1})", out);
  EXPECT_EQ(out, std::string("x\0\x01\x02\x03\x04{\"a\":1}", 13));
  std::string small;
  sinks::confluent_frame(7, "{}", small);
  EXPECT_EQ(small, std::string("\0\0\0\0\x07{}", 7));
}

TEST(confluent_frame, confluents_python_deserializer_reads_framed_records) {
  const std::string topic = testing::unique_topic("users");
  schema_registry sr{registry_url()};
  const auto value_id = sr.register_schema(topic + "-value", users_schema.dump());
  const auto key_id = sr.register_schema(topic + "-key", key_schema.dump());
  ASSERT_TRUE(value_id.ok() && key_id.ok());

  const std::vector<json> values = {
      {{"id", "u1"}, {"email", "a@example.com"}, {"age", 41}, {"score", 2.5}, {"active", true},
       {"updated_at", "2024-03-01T10:00:00Z"}, {"address", {{"city", "Zürich"}}}, {"tags", {"x", "y"}}},
      {{"id", "u2"}, {"email", nullptr}, {"age", nullptr}, {"score", nullptr}, {"active", false},
       {"updated_at", "2024-03-02T00:00:00.123Z"}, {"address", nullptr}, {"tags", json::array()}},
      {{"id", "u3"}, {"active", true}},
  };
  // Does not match the schema: "id" missing. Must be refused, proving the
  // deserializer validates against the schema the frame's id names.
  const json not_a_user = {{"email", "x@example.com"}, {"active", true}};

  std::string value_frames, key_frames;
  for (const json& v : values) {
    std::string frame;
    sinks::confluent_frame(*value_id, v.dump(), frame);
    value_frames += hex(frame) + "\n";
    frame.clear();
    sinks::confluent_frame(*key_id, json{{"id", v["id"]}}.dump(), frame);
    key_frames += hex(frame) + "\n";
  }
  std::string bad;
  sinks::confluent_frame(*value_id, not_a_user.dump(), bad);
  value_frames += hex(bad) + "\n";

  const decoded v = confluent_decode({"frames", registry_url(), topic, "value"}, value_frames);
  ASSERT_EQ(v.exit_code, 0) << v.err;
  ASSERT_EQ(v.lines.size(), values.size() + 1) << v.err;
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(v.lines[i], json({{"ok", values[i]}}));
  EXPECT_FALSE(v.lines.back().contains("ok")) << v.lines.back();
  EXPECT_NE(v.lines.back().value("error", "").find("'id' is a required property"), std::string::npos)
      << v.lines.back();

  const decoded k = confluent_decode({"frames", registry_url(), topic, "key"}, key_frames);
  ASSERT_EQ(k.exit_code, 0) << k.err;
  ASSERT_EQ(k.lines.size(), values.size()) << k.err;
  for (std::size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(k.lines[i], json({{"ok", {{"id", values[i]["id"]}}}}));
}

} // namespace
} // namespace quarry::registry_testing
