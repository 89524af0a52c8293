#pragma once

// Credentials named by the config file and resolved once, at load time.
//
// A secret's value leaves this class only through `reveal()`, so every place
// that handles the plain value can be found with `grep reveal`. There is no
// operator<<, no fmt formatter and no conversion to std::string: passing a
// secret to a log call or an error message does not compile.
//
// Resolution reads the process environment (std::getenv) and the file
// system; do it at startup, before other threads run (getenv is not safe
// against a concurrent setenv). After that a secret is an immutable value and
// may be shared between threads.

#include "proto/error.hpp"

#include <string>
#include <utility>
#include <variant>

namespace quarry::config {

class secret {
 public:
  // The value of environment variable `name`. Fails if the variable is unset
  // or empty; the message names the variable.
  static result<secret> from_env(const std::string& name);

  // The contents of the file at `path` (relative paths resolve against the
  // working directory) with one trailing newline ("\n" or "\r\n") removed.
  // Fails if the file cannot be read, is empty, or is larger than 1 MiB; the
  // message names the path and the reason, never the contents.
  static result<secret> from_file(const std::string& path);

  // A reference left unread (`quarry config check --no-resolve-secrets`
  // checks a config meant for another machine): origin() names it, reveal()
  // is empty. Never handed to a connector or to Kafka.
  static secret unresolved_env(std::string name);
  static secret unresolved_file(std::string path);

  // The plain value. The only way to get it.
  const std::string& reveal() const noexcept { return value_; }

  // Where the value came from, safe to log: "env:NAME" or "file:PATH".
  std::string origin() const;

 private:
  enum class origin_kind { env, file };
  secret(origin_kind kind, std::string where, std::string value);

  origin_kind kind_;
  std::string where_;  // the variable name or the file path
  std::string value_;
};

// A configured string that is either plain text or a secret: kafka
// properties and account credentials take both forms.
class property_value {
 public:
  property_value(std::string text) : v_(std::move(text)) {}
  property_value(secret value) : v_(std::move(value)) {}

  bool is_secret() const noexcept { return v_.index() == 1; }
  // The secret, or nullptr for plain text (e.g. to log its origin()).
  const secret* as_secret() const noexcept { return std::get_if<secret>(&v_); }

  // The value to hand to its consumer (librdkafka, an auth request): the text
  // itself, or the revealed secret. Named like secret::reveal so that every
  // call site that may handle a secret is greppable.
  const std::string& reveal() const noexcept;

 private:
  std::variant<std::string, secret> v_;
};

} // namespace quarry::config
