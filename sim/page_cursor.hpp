#pragma once

// Opaque, stable page tokens for keyset paging: base64url of
// "<sort key>|<id>" for the last record of a page. The next page starts after
// that (key, id) pair, so a token stays valid across restarts of the same
// dataset and a client can resume from it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quarry::sim {

struct page_cursor {
  std::int64_t key = 0;  // e.g. updated_at in Unix seconds
  std::string id;
};

std::string encode_page_token(const page_cursor& cursor);
// nullopt when `token` was not made by encode_page_token.
std::optional<page_cursor> decode_page_token(std::string_view token);

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace quarry::sim
