// The configuration map element of src/bpf/siit.bpf.c made from siit::Settings (only where the eBPF
// fast path is built): shared by the loader and the BPF_PROG_TEST_RUN tests.
#pragma once
#include <cstdint>

#include "siit.h"
#include "siit/settings.hpp"

namespace sixfour::io {

// `s.pool6` must be a /96 (SiitFastPath::unsupported); `redirect_ifindex` 0 = return
// SIIT_VERDICT_HIT (tests), else redirect a hit into that device's ingress; `ident_key` keys the
// Identification generator.
siit_config siit_bpf_config(const siit::Settings& s, uint32_t redirect_ifindex, uint32_t ident_key);

}  // namespace sixfour::io
