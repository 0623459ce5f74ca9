// RFC 1929 password check and hashing with libcrypt (crypt_r / crypt_gensalt_rn).
#include <crypt.h>

#include <cstring>
#include <memory>

#include "io/socks/server.hpp"

namespace sixfour::io {

Result<std::string> socks_hash_password(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  // A null random-bytes argument makes libcrypt read the salt from the kernel's CSPRNG.
  const char* prefix = "$y$";
  if (!crypt_gensalt_rn(prefix, 0, nullptr, 0, salt, sizeof salt)) {
    prefix = "$6$";
    if (!crypt_gensalt_rn(prefix, 0, nullptr, 0, salt, sizeof salt))
      return Error{"crypt_gensalt: no yescrypt or sha512crypt in libcrypt"};
  }
  auto data = std::make_unique<crypt_data>();
  const char* h = crypt_r(password.c_str(), salt, data.get());
  if (!h || h[0] == '*') return Error{"crypt_r failed"};
  return std::string(h);
}

bool socks_check_password(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  const char* h = crypt_r(password.c_str(), hash.c_str(), data.get());
  if (!h || h[0] == '*') return false;
  return socks::constant_time_equal(h, hash);
}

}  // namespace sixfour::io
