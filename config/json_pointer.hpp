#pragma once

// RFC 6901 JSON pointers, as the config validator names fields in its
// issues ("/accounts/mkto/credentials/client_secret"). "" is the whole
// document.

#include <cstddef>
#include <string>
#include <string_view>

namespace quarry::config {

// `base` extended by one reference token; "~" and "/" in `token` are escaped
// as "~0" and "~1".
std::string pointer_append(std::string_view base, std::string_view token);

// `base` extended by an array index.
std::string pointer_append(std::string_view base, std::size_t index);

} // namespace quarry::config
