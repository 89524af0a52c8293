#pragma once

// SHA-256 (FIPS 180-4; OpenSSL's compression function), incremental, for
// verifying downloaded files against a published checksum (Marketo's bulk
// export `fileChecksum: "sha256:<hex>"`).
//
// The running state can be saved as text (`save`) and restored (`restore`),
// so a download resumed with a Range request still verifies the whole file:
// the bookmark keeps the state reached at the resume offset.
//
// Threading: a plain value; no shared state.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quarry::hash {

// Lower-case hex of `n` raw bytes (digests).
std::string to_hex(const unsigned char* p, std::size_t n);

class sha256 {
 public:
  sha256();
  void update(std::string_view bytes);
  // Lower-case hex of the digest of everything updated so far. Does not
  // change the running state.
  std::string hex_digest() const;

  // Bytes hashed so far.
  std::uint64_t size() const { return length_; }

  // "<16 hex of length>:<64 hex of h>:<hex of pending bytes>"
  std::string save() const;
  static std::optional<sha256> restore(std::string_view saved);

 private:
  void blocks(const unsigned char* p, std::size_t count);  // whole 64-byte blocks

  std::array<std::uint32_t, 8> h_;
  std::array<unsigned char, 64> buf_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;
};

// sha256 of `bytes` as lower-case hex.
std::string sha256_hex(std::string_view bytes);

} // namespace quarry::hash
