#include "connectors/core/md5.hpp"

#include "connectors/core/sha256.hpp"

#include <openssl/evp.h>

namespace quarry::hash {

std::string md5_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  return to_hex(digest, length);
}

} // namespace quarry::hash
