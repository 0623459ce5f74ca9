#include "xlat/verdict.hpp"

namespace sixfour::xlat {

std::string_view name(DropReason r) {
  switch (r) {
    case DropReason::Malformed:
      return "malformed";
    case DropReason::BadChecksum:
      return "bad-checksum";
    case DropReason::UnsupportedProtocol:
      return "unsupported-protocol";
    case DropReason::UntranslatableIcmp:
      return "untranslatable-icmp";
    case DropReason::SrcUntranslatable:
      return "src-untranslatable";
    case DropReason::DstUntranslatable:
      return "dst-untranslatable";
    case DropReason::Prohibited:
      return "prohibited";
    case DropReason::TtlExpired:
      return "ttl-expired";
    case DropReason::TooBig:
      return "too-big";
    case DropReason::SourceRouted:
      return "source-routed";
    case DropReason::UdpZeroChecksum:
      return "udp-zero-checksum";
    case DropReason::FragmentedIcmp:
      return "fragmented-icmp";
    case DropReason::InnerPacket:
      return "inner-packet";
    case DropReason::Multicast:
      return "multicast";
    case DropReason::NoSpace:
      return "no-space";
    case DropReason::Count_:
      break;
  }
  return "unknown";
}

}  // namespace sixfour::xlat
