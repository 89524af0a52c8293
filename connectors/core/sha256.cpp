#include "connectors/core/sha256.hpp"

namespace quarry::hash {
namespace {

constexpr std::uint32_t k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

constexpr char hexd[] = "0123456789abcdef";

std::string to_hex(const unsigned char* p, std::size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += hexd[p[i] >> 4];
    out += hexd[p[i] & 15];
  }
  return out;
}

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

void sha256::block(const unsigned char* p) {
  std::uint32_t w[64];
  for (int i = 0; i < 16; ++i)
    w[i] = (std::uint32_t{p[4 * i]} << 24) | (std::uint32_t{p[4 * i + 1]} << 16) |
           (std::uint32_t{p[4 * i + 2]} << 8) | std::uint32_t{p[4 * i + 3]};
  for (int i = 16; i < 64; ++i) {
    const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6],
                h = h_[7];
  for (int i = 0; i < 64; ++i) {
    const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const std::uint32_t ch = (e & f) ^ (~e & g);
    const std::uint32_t t1 = h + s1 + ch + k[i] + w[i];
    const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    const std::uint32_t t2 = s0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h_[0] += a; h_[1] += b; h_[2] += c; h_[3] += d;
  h_[4] += e; h_[5] += f; h_[6] += g; h_[7] += h;
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
    block(buf_.data());
    buffered_ = 0;
  }
  while (n >= 64) {
    block(p);
    p += 64;
    n -= 64;
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
