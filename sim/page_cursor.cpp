#include "sim/page_cursor.hpp"

#include <charconv>

namespace quarry::sim {

namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int value_of(char c) {
  const auto pos = alphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

} // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 0x3F];
  return out;  // unpadded
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = value_of(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string encode_page_token(const page_cursor& cursor) {
  return base64url_encode(std::to_string(cursor.key) + "|" + cursor.id);
}

std::optional<page_cursor> decode_page_token(std::string_view token) {
  const auto raw = base64url_decode(token);
  if (!raw) return std::nullopt;
  const auto bar = raw->find('|');
  if (bar == std::string::npos || bar == 0 || bar + 1 == raw->size()) return std::nullopt;
  page_cursor out;
  const char* first = raw->data();
  const auto [ptr, ec] = std::from_chars(first, first + bar, out.key);
  if (ec != std::errc{} || ptr != first + bar) return std::nullopt;
  out.id = raw->substr(bar + 1);
  return out;
}

} // namespace quarry::sim
