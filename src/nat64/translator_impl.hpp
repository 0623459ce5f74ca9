// The per-worker NAT64 translator (internal to nat64/): runs one packet through the steps of
// RFC 6146 §3 (nat64/steps/) and counts what happened.
#pragma once
#include <array>
#include <vector>

#include "nat64/steps/steps.hpp"
#include "nat64/table.hpp"
#include "nat64/translator.hpp"
#include "xlat/config.hpp"

namespace sixfour::nat64 {

struct Counters {
  uint64_t in4 = 0, in6 = 0, out4 = 0, out6 = 0, icmp_errors_sent = 0, hairpinned = 0;
  uint64_t icmp_errors_limited = 0;  // errors not sent: over the rate limit
  uint64_t held = 0;                 // kept for later (Outcome::Held): fragments held for reassembly, stored SYNs
  uint64_t fragments_held = 0, reassembled = 0;
  std::array<uint64_t, static_cast<size_t>(xlat::DropReason::Count_)> drops{};
  std::array<uint64_t, static_cast<size_t>(Nat64Drop::Count_)> nat64_drops{};
};

class TranslatorImpl final : public Translator {
 public:
  TranslatorImpl(const Settings& s, StateImpl& state);
  void translate(std::span<const uint8_t> in, uint64_t now_ms, xlat::Output& out) override;
  void visit_counters(const std::function<void(std::string_view, uint64_t)>& f) const override;
  void limit_icmp_errors(const xlat::IcmpLimits& limit) override { icmp_limit_ = limit; }

 private:
  // Each leaves `out` complete (Forward/Reply/Drop/Held) with the drop counted; account() counts the rest.
  void from_v6(std::span<const uint8_t> pkt, uint64_t now, xlat::Output& out);
  void from_v4(std::span<const uint8_t> pkt, uint64_t now, xlat::Output& out);
  // §3.7 (steps/translate.cpp).
  void translate6(std::span<const uint8_t> pkt, xlat::Output& out);
  void translate4(std::span<const uint8_t> pkt, xlat::Output& out);
  // §3.8 (steps/hairpinning.cpp): after a 6->4 translation, sends a packet addressed to a pool4
  // address back through the IPv4 side of the state.
  void hairpin(std::span<const uint8_t> pkt, uint64_t now, xlat::Output& out);
  void refuse(Verdict v, const Tuple& t, std::span<const uint8_t> pkt, xlat::Output& out);
  // §3.4 found a protocol other than TCP, UDP and ICMP: dropped, answered as Protocol Unreachable.
  void unsupported(std::span<const uint8_t> pkt, bool v6, xlat::Output& out);
  // A drop decided by §3.4 (Parse::Drop) with `reason`.
  void parse_drop(xlat::DropReason reason, std::span<const uint8_t> pkt, bool v6, xlat::Output& out);
  void drop(Nat64Drop d, xlat::Output& out);
  void drop(xlat::DropReason r, xlat::Output& out);
  void hold(xlat::Output& out);     // Outcome::Held, counted as held
  void account(xlat::Output& out);  // after the rate limit
  // Feeds a fragment to the shared reassembler; true (and the datagram in reasm_) when complete.
  bool reassemble(std::span<const uint8_t> pkt, bool v6, uint64_t now, xlat::Output& out, size_t& len);

  static constexpr size_t kScratchSize = 65536 + 4096;

  const Settings& settings_;
  const xlat::Config hairpin_xlat_;  // the second pass of a hairpinned packet (xlat::hairpin_pass)
  bool hairpin_pass_ = false;        // set by hairpin() around its second pass
  StateImpl& state_;
  SessionMapper mapper_;
  Counters c_;
  xlat::IcmpLimits icmp_limit_;
  uint64_t now_ms_ = 0;  // of the packet being translated (the rate limit's clock)
  std::vector<uint8_t> scratch_ = std::vector<uint8_t>(kScratchSize);
  std::vector<uint8_t> reasm_ = std::vector<uint8_t>(kScratchSize);
};

}  // namespace sixfour::nat64
