// Test helpers for DNS messages: names from text and resource records (src/dns64/message.hpp).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "dns64/message.hpp"

namespace dns64test {

inline sixfour::dns64::Name N(const char* t) { return sixfour::dns64::name_from_text(t).value(); }

inline sixfour::dns64::Rr rr(const char* owner, uint16_t type, uint32_t ttl, std::vector<uint8_t> rdata) {
  sixfour::dns64::Rr r;
  r.owner = N(owner);
  r.type = type;
  r.ttl = ttl;
  r.rdata = std::move(rdata);
  return r;
}

}  // namespace dns64test
