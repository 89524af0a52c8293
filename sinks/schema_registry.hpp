#pragma once

// A client of a Confluent-compatible Schema Registry, for the Kafka output's
// `confluent_json_schema` format: each stream's JSON Schema is registered
// under a subject (`<topic>-value`, `<topic>-key`), and every record is
// written in Confluent's wire format (confluent_frame) with the id it got.
//
// Protocol (Confluent's REST API, which Apicurio serves under
// /apis/ccompat/v6):
//   POST {url}/subjects/{subject}/versions
//   Content-Type: application/vnd.schemaregistry.v1+json
//   {"schemaType":"JSON","schema":"<schema text>"}
//   -> 200 {"id": 7}
// Registering a schema the subject already has answers its existing id, so
// registering on every run is idempotent. A registry that enforces
// compatibility answers 409 when a stream's schema changed incompatibly:
// under BACKWARD (Confluent's default) even a new optional column of an open
// JSON Schema is refused, so quarry's subjects need compatibility NONE.
//
// Errors (quarry::error, proto/error.hpp) name the registry URL without
// credentials or query, the subject, the HTTP status and Confluent's
// `error_code` and message:
//
//   refused, reset, timeout; HTTP 408, 5xx      retriable, retried here (4 attempts
//                                               in all, backoff below 2 s), then returned
//   HTTP 429                                    rate_limited, waited out (Retry-After)
//   HTTP 4xx (422 invalid schema, 409
//   incompatible, 401/403 credentials, ...)     fatal
//   2xx without an integer "id"                 bad_payload
//
// Credentials: `user_info` "user:password" is sent as HTTP basic auth and is
// never part of an error message or log line.
//
// Threading: register_schema blocks (HTTP) and must run on a worker thread,
// never a cooperative scheduler thread. It is safe to call from several
// threads: calls are serialised (registration happens once per subject and
// schema per run; the cache answers the rest without a request).

#include "connectors/core/http_client.hpp"
#include "proto/error.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace quarry::sinks {

class schema_registry {
 public:
  // `url`: the registry's base URL, e.g. "http://127.0.0.1:8081" or Apicurio's
  // "http://host:8080/apis/ccompat/v6" (a trailing '/' is ignored).
  // `user_info`: "user:password" for basic auth, or empty for none.
  explicit schema_registry(std::string url, std::string user_info = {});

  // The id of `json_schema` under `subject`, registering it when this client
  // has not seen that (subject, schema text) pair yet. Blocking.
  quarry::result<std::int32_t> register_schema(const std::string& subject, const std::string& json_schema);

  // The base URL as errors name it: no credentials, no query.
  const std::string& display_url() const noexcept { return display_url_; }

 private:
  std::string url_;          // base URL, no trailing '/'
  std::string display_url_;  // url_ without user info, query or fragment
  std::string authorization_;  // "Basic ..." or empty; a secret
  std::mutex mutex_;         // guards client_ and ids_
  http::client client_;
  std::map<std::string, std::int32_t> ids_;  // subject + '\n' + sha256(schema) -> id
};

// Confluent's wire format: appends magic byte 0x00, `id` as 4 bytes
// big-endian, then `json`, to `out`.
void confluent_frame(std::int32_t id, std::string_view json, std::string& out);

// `url` without "user:password@", query string or fragment.
std::string url_without_credentials(std::string_view url);

} // namespace quarry::sinks
