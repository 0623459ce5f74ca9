// Oracles every translator's output must pass whatever its input (fuzz/*_fuzz.cpp): each packet
// lies inside the output storage, is at least a header long, says its own length in its header,
// and an IPv4 header's checksum is right. A violation aborts (SIXFOUR_FUZZ_CHECK).
#pragma once
#include <cstdint>
#include <span>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "fuzz_target.hpp"
#include "xlat/verdict.hpp"

namespace sixfour::fuzz {

inline void check_packet(std::span<const uint8_t> p) {
  SIXFOUR_FUZZ_CHECK(!p.empty());
  const unsigned version = p[0] >> 4;
  SIXFOUR_FUZZ_CHECK(version == 4 || version == 6);
  if (version == 4) {
    SIXFOUR_FUZZ_CHECK(p.size() >= 20);
    const size_t ihl = size_t{p[0] & 0x0fu} * 4;
    SIXFOUR_FUZZ_CHECK(ihl >= 20 && ihl <= p.size());
    SIXFOUR_FUZZ_CHECK(load16(&p[2]) == p.size());
    SIXFOUR_FUZZ_CHECK(checksum::finish(checksum::partial(p.first(ihl))) == 0);
  } else {
    SIXFOUR_FUZZ_CHECK(p.size() >= 40);
    SIXFOUR_FUZZ_CHECK(size_t{load16(&p[4])} + 40 == p.size());
  }
}

// Every packet of `out` (after the translator returned): inside `out.data`, well formed; nothing
// for a drop.
inline void check_output(xlat::Output& out) {
  SIXFOUR_FUZZ_CHECK(out.count <= xlat::Output::kMaxPackets);
  if (out.outcome == xlat::Outcome::Drop) SIXFOUR_FUZZ_CHECK(out.count == 0);
  size_t total = 0;
  for (size_t i = 0; i < out.count; ++i) {
    total += out.lens[i];
    SIXFOUR_FUZZ_CHECK(total <= out.data.size());
    check_packet(out.packet(i));
  }
}

}  // namespace sixfour::fuzz
