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
