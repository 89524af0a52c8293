#pragma once

// MD5 (OpenSSL), for ids a peer tap manufactured with it (tap-bronto's
// activity id). Not for anything that needs a secure hash.

#include <string>
#include <string_view>

namespace quarry::hash {

// md5 of `bytes` as lower-case hex.
std::string md5_hex(std::string_view bytes);

} // namespace quarry::hash
