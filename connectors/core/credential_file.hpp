#pragma once

// Writing a credential back to its file, for APIs that replace a credential
// as it is used (Constant Contact's rotating refresh tokens: the old token is
// dead as soon as the new one is issued, so losing the new one locks the
// account out until someone authorises it again).
//
// The write is atomic and durable: the value goes to a temp file in the same
// directory (mode copied from the old file, else 0600), which is fsync'ed,
// renamed over the old file, and the directory fsync'ed. After a crash at any
// point the file holds the old value or the new one, whole; after the call
// returns, the new one survives a power cut.

#include "proto/error.hpp"

#include <string>
#include <string_view>

namespace quarry::connectors {

// Serialises the rotation of one credential file across processes: quarry
// processes that share the file (worker pods on one ReadWriteMany volume,
// two runs on one machine) each hold an exclusive flock on "<path>.lock"
// while they read what the last rotation stored, rotate if they must and
// store the result, so none presents a token another has already spent.
// The lock is on its own file: the credential file itself is replaced by
// rename on every store. Blocking: only for task threads, never an actor's.
class credential_file_lock {
 public:
  // Waits until held. Errors are fatal and name the lock file and the reason.
  static result<credential_file_lock> acquire(const std::string& path, std::string_view what);
  credential_file_lock(credential_file_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  credential_file_lock& operator=(credential_file_lock&&) = delete;
  ~credential_file_lock();

 private:
  explicit credential_file_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The file's value without its trailing newline. Errors are fatal and name
// `what` and `path` with the system's reason, never the value.
result<std::string> read_credential_file(const std::string& path, std::string_view what);

// Writes `value` and a newline (config/secret.hpp strips one) to `path`.
// Errors are fatal and name `what` and `path` with the system's reason,
// never the value.
status write_credential_file(const std::string& path, std::string_view value, std::string_view what);

// Test hook: when QUARRY_TEST_KILL_AFTER_CREDENTIAL_STORE is set, the process
// kills itself with SIGKILL right after a store succeeds, as `kill -9` at the
// worst moment would (the new token saved, not yet used). Called by
// session::store_credential.
void kill_if_testing_a_crash_after_store();

} // namespace quarry::connectors
