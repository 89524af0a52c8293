#include "connectors/core/credential_file.hpp"

#include "connectors/core/session.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace quarry::connectors {
namespace {

// Closes a descriptor on every path out.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

status fail(std::string_view what, const std::string& path, const char* step, int err) {
  return make_error(error_kind::fatal, "cannot store credential " + std::string(what) + " in " + path +
                                           ": " + step + ": " + std::strerror(err));
}

} // namespace

status write_credential_file(const std::string& path, std::string_view value, std::string_view what) {
  const auto dir = directory_of(path);
  std::string tmp = path + ".tmp-XXXXXX";
  fd_guard file{::mkstemp(tmp.data())};
  if (file.fd < 0) return fail(what, path, "creating a temp file", errno);
  struct stat old {};
  const mode_t mode = ::stat(path.c_str(), &old) == 0 ? (old.st_mode & 07777) : 0600;
  std::string text(value);
  text += '\n';
  auto abandon = [&](const char* step) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return fail(what, path, step, err);
  };
  if (::fchmod(file.fd, mode) != 0) return abandon("setting its mode");
  for (std::size_t done = 0; done < text.size();) {
    const auto n = ::write(file.fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return abandon("writing");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(file.fd) != 0) return abandon("fsync");
  if (::close(file.fd) != 0) {
    file.fd = -1;
    return abandon("closing");
  }
  file.fd = -1;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return abandon("renaming over the old file");
  fd_guard directory{::open(dir.c_str(), O_RDONLY | O_DIRECTORY)};
  if (directory.fd < 0 || ::fsync(directory.fd) != 0) return fail(what, path, "fsync of its directory", errno);
  return {};
}

result<credential_file_lock> credential_file_lock::acquire(const std::string& path, std::string_view what) {
  const auto lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(error_kind::fatal, "cannot lock credential " + std::string(what) + ": opening " +
                                             lock_path + ": " + std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd);
    return make_error(error_kind::fatal, "cannot lock credential " + std::string(what) + ": flock on " +
                                             lock_path + ": " + std::strerror(err));
  }
  return credential_file_lock{fd};
}

credential_file_lock::~credential_file_lock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

result<std::string> read_credential_file(const std::string& path, std::string_view what) {
  fd_guard file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0)
    return make_error(error_kind::fatal, "cannot read credential " + std::string(what) + " from " + path +
                                             ": " + std::strerror(errno));
  std::string text;
  char buf[4096];
  for (;;) {
    const auto n = ::read(file.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return make_error(error_kind::fatal, "cannot read credential " + std::string(what) + " from " + path +
                                               ": " + std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return text;
}

void kill_if_testing_a_crash_after_store() {
  if (std::getenv("QUARRY_TEST_KILL_AFTER_CREDENTIAL_STORE") != nullptr) ::raise(SIGKILL);
}

status session::store_credential(std::string_view name, const std::string& value) {
  for (const auto& [field, path] : job().credential_files) {
    if (field != name) continue;
    auto st = write_credential_file(path, value, name);
    if (st) kill_if_testing_a_crash_after_store();
    return st;
  }
  return make_error(error_kind::fatal, "cannot store credential " + std::string(name) +
                                           ": it is not given as {\"file\": PATH} in the account's config");
}

} // namespace quarry::connectors
