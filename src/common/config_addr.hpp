// Validation steps that parse addresses, shared by the config modules (see config_input.hpp for the
// plain ones).
#pragma once
#include <string>
#include <string_view>

#include "addr/ip.hpp"
#include "common/config_input.hpp"
#include "common/result.hpp"

namespace sixfour {

// An RFC 6052 translation prefix (length 32, 40, 48, 56, 64 or 96); `dst` is left alone when the
// value was not given.
Status set_rfc6052_prefix(const Given<std::string>& g, std::string_view key, Ipv6Prefix& dst);

}  // namespace sixfour
