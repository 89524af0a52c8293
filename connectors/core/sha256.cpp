#include "connectors/core/sha256.hpp"

#include <openssl/sha.h>

namespace quarry::hash {

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

namespace {

int from_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_hex(std::string_view text, unsigned char* out) {
  if (text.size() % 2) return false;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = from_hex(text[i]), lo = from_hex(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

} // namespace

sha256::sha256()
    : h_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
         0x5be0cd19} {}

// The compression function is OpenSSL's (SHA extensions or AVX2 where the
// CPU has them: the file hash was the biggest cost of a bulk download).
// Whole blocks only, so OpenSSL keeps nothing buffered and h_ is the state.
void sha256::blocks(const unsigned char* p, std::size_t count) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  SHA256_CTX ctx{};
  for (std::size_t i = 0; i < 8; ++i) ctx.h[i] = h_[i];
  ctx.md_len = SHA256_DIGEST_LENGTH;
  SHA256_Update(&ctx, p, count * 64);
#pragma GCC diagnostic pop
  for (std::size_t i = 0; i < 8; ++i) h_[i] = ctx.h[i];
}

void sha256::update(std::string_view bytes) {
  length_ += bytes.size();
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  if (buffered_) {
    while (n && buffered_ < 64) {
      buf_[buffered_++] = *p++;
      --n;
    }
    if (buffered_ < 64) return;
    blocks(buf_.data(), 1);
    buffered_ = 0;
  }
  if (n >= 64) {
    blocks(p, n / 64);
    p += n / 64 * 64;
    n %= 64;
  }
  while (n) {
    buf_[buffered_++] = *p++;
    --n;
  }
}

std::string sha256::hex_digest() const {
  sha256 copy = *this;
  const std::uint64_t bits = length_ * 8;
  unsigned char pad[72] = {0x80};
  const std::size_t pad_len = (buffered_ < 56) ? 56 - buffered_ : 120 - buffered_;
  copy.update(std::string_view(reinterpret_cast<const char*>(pad), pad_len));
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
  copy.update(std::string_view(reinterpret_cast<const char*>(len), 8));
  unsigned char out[32];
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<unsigned char>(copy.h_[i] >> (24 - 8 * j));
  return to_hex(out, 32);
}

std::string sha256::save() const {
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(length_ >> (56 - 8 * i));
  unsigned char h[32];
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) h[4 * i + j] = static_cast<unsigned char>(h_[i] >> (24 - 8 * j));
  return to_hex(len, 8) + ":" + to_hex(h, 32) + ":" + to_hex(buf_.data(), buffered_);
}

std::optional<sha256> sha256::restore(std::string_view saved) {
  const auto c1 = saved.find(':');
  if (c1 != 16) return std::nullopt;
  const auto c2 = saved.find(':', c1 + 1);
  if (c2 != 16 + 1 + 64) return std::nullopt;
  unsigned char len[8], h[32], pending[64];
  const auto rest = saved.substr(c2 + 1);
  if (rest.size() > 126) return std::nullopt;
  if (!parse_hex(saved.substr(0, 16), len) || !parse_hex(saved.substr(17, 64), h) ||
      !parse_hex(rest, pending))
    return std::nullopt;
  sha256 s;
  s.length_ = 0;
  for (int i = 0; i < 8; ++i) s.length_ = (s.length_ << 8) | len[i];
  for (int i = 0; i < 8; ++i)
    s.h_[i] = (std::uint32_t{h[4 * i]} << 24) | (std::uint32_t{h[4 * i + 1]} << 16) |
              (std::uint32_t{h[4 * i + 2]} << 8) | std::uint32_t{h[4 * i + 3]};
  s.buffered_ = rest.size() / 2;
  if (s.length_ % 64 != s.buffered_) return std::nullopt;
  for (std::size_t i = 0; i < s.buffered_; ++i) s.buf_[i] = pending[i];
  return s;
}

std::string sha256_hex(std::string_view bytes) {
  sha256 s;
  s.update(bytes);
  return s.hex_digest();
}

} // namespace quarry::hash
