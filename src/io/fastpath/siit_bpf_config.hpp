// The configuration map element of src/bpf/siit.bpf.c made from siit::Settings (only where the eBPF
// fast path is built): shared by the loader and the BPF_PROG_TEST_RUN tests.
#pragma once
#include <cstdint>

#include "common/result.hpp"
#include "siit.h"
#include "siit.skel.h"
#include "siit/settings.hpp"

namespace sixfour::io {

// `s.pool6` must be a /96 (SiitFastPath::unsupported); `redirect_ifindex` 0 = return
// SIIT_VERDICT_HIT (tests), else redirect a hit into that device's ingress; `ident_key` keys the
// Identification generator.
siit_config siit_bpf_config(const siit::Settings& s, uint32_t redirect_ifindex, uint32_t ident_key);

// Writes `s` into the loaded program's maps: the EAM tries (siit_eam6, siit_eam4), the §3.1 table
// (siit_global4) and, last, the configuration (which enables translation). The error names the map.
Status write_siit_maps(siit_bpf* skel, const siit::Settings& s, uint32_t redirect_ifindex, uint32_t ident_key);

}  // namespace sixfour::io
