#include "config/secret.hpp"

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace quarry::config {
namespace {

constexpr std::size_t max_secret_file_bytes = 1 << 20;

std::string errno_text(int err) {
  return std::error_code(err, std::generic_category()).message();
}

// Reads all of `path`, or fails naming the path and errno's text. Never puts
// any of the contents into the error.
result<std::string> read_whole_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error(error_kind::fatal, "cannot read secret file " + path +
                                             ": " + errno_text(errno));
  std::string contents;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return make_error(error_kind::fatal, "cannot read secret file " + path +
                                               ": " + errno_text(err));
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<std::size_t>(n));
    if (contents.size() > max_secret_file_bytes) {
      ::close(fd);
      return make_error(error_kind::fatal,
                        "secret file " + path + " is larger than 1 MiB");
    }
  }
  ::close(fd);
  return contents;
}

} // namespace

secret::secret(origin_kind kind, std::string where, std::string value)
    : kind_(kind), where_(std::move(where)), value_(std::move(value)) {}

result<secret> secret::from_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr)
    return make_error(error_kind::fatal,
                      "environment variable " + name + " is not set");
  if (*value == '\0')
    return make_error(error_kind::fatal,
                      "environment variable " + name + " is empty");
  return secret(origin_kind::env, name, value);
}

result<secret> secret::from_file(const std::string& path) {
  auto contents = read_whole_file(path);
  if (!contents) return std::move(contents).error();
  std::string value = std::move(*contents);
  if (!value.empty() && value.back() == '\n') {
    value.pop_back();
    if (!value.empty() && value.back() == '\r') value.pop_back();
  }
  if (value.empty())
    return make_error(error_kind::fatal, "secret file " + path + " is empty");
  return secret(origin_kind::file, path, std::move(value));
}

secret secret::unresolved_env(std::string name) {
  return secret(origin_kind::env, std::move(name), {});
}

secret secret::unresolved_file(std::string path) {
  return secret(origin_kind::file, std::move(path), {});
}

std::string secret::origin() const {
  return (kind_ == origin_kind::env ? "env:" : "file:") + where_;
}

const std::string& property_value::reveal() const noexcept {
  if (const secret* s = as_secret()) return s->reveal();
  return std::get<std::string>(v_);
}

} // namespace quarry::config
