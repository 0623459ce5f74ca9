// RFC 4884 for the translator: see icmp_extensions.hpp for the rules and their reasons.
#include "xlat/icmp_extensions.hpp"

#include "common/checksum.hpp"

namespace sixfour::xlat::icmpext {

bool valid_structure(std::span<const uint8_t> ext) {
  if (ext.size() < kHeaderLen || (ext[0] >> 4) != kVersion) return false;
  return checksum::fold(checksum::partial(ext)) == 0xffff;
}

Split split(std::span<const uint8_t> body, uint8_t attr, size_t unit, bool legacy_probe) {
  const Split none{body.size(), 0};
  if (attr != 0) {
    const size_t len = size_t{attr} * unit;
    // §4.6 / §5: fewer than 128 octets, or no room for an extension header after them: the
    // attribute is inconsistent and the message is read as one without extensions.
    if (len < kMinOriginal || len + kHeaderLen > body.size()) return none;
    return {len, body.size() - len};
  }
  // §5: a non-compliant sender puts exactly 128 octets before the extension and no length; only a
  // valid extension header there (followed by at least one object header) tells it apart from
  // quoted data.
  if (legacy_probe && body.size() >= kMinOriginal + kHeaderLen + kObjectHeaderLen &&
      valid_structure(body.subspan(kMinOriginal)))
    return {kMinOriginal, body.size() - kMinOriginal};
  return none;
}

Plan plan(const Split& in, size_t fixed, size_t limit, size_t unit, bool extensible) {
  const size_t whole = limit > fixed ? limit - fixed : 0;
  if (in.ext_len == 0 || !extensible || kMinOriginal + in.ext_len > whole) return {false, whole};
  // The extension is kept whole; the original datagram gives way, in whole words.
  return {true, (whole - in.ext_len) / unit * unit};
}

size_t padded(size_t n, size_t unit) {
  const size_t up = (n + unit - 1) / unit * unit;
  return up < kMinOriginal ? kMinOriginal : up;
}

}  // namespace sixfour::xlat::icmpext
